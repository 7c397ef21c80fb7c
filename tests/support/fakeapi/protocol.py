"""The Kubernetes API's vocabulary as the fake server speaks it: API versions and their
priority, errors rendered as Status objects, the request log, label and field selectors, and
content negotiation (``Accept`` headers, aggregated discovery, metadata-only lists)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

AGGREGATED_GROUP = "apidiscovery.k8s.io"
AGGREGATED_AS = "APIGroupDiscoveryList"
META_GROUP = "meta.k8s.io"
JSON = "application/json"


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _now() -> str:
    """RFC 3339 in UTC with second precision, the format of every kube timestamp."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _dumps(doc: Any) -> bytes:
    """Compact JSON, as kube-apiserver writes it (and cheaper to produce and parse)."""
    return json.dumps(doc, separators=(",", ":")).encode()


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> ``("apps", "v1")``; ``v1`` -> ``("", "v1")`` (the core group)."""
    group, _, version = api_version.rpartition("/")
    return group, version


def join_api_version(group: str, version: str) -> str:
    """Inverse of :func:`split_api_version`."""
    return f"{group}/{version}" if group else version


_KUBE_VERSION = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?")
_STABILITY = {None: 0, "beta": 1, "alpha": 2}


def version_priority(version: str) -> tuple[int, int, int, int, str]:
    """Sort key giving kube's version priority: GA > beta > alpha, higher numbers first.

    kube-apiserver orders a CRD group's versions this way in discovery and prefers the first,
    so clients that trust ``preferredVersion`` see the same choice here.
    """
    m = _KUBE_VERSION.fullmatch(version)
    if m is None:
        return (1, 0, 0, 0, version)
    return (0, _STABILITY[m[2]], -int(m[1]), -int(m[3] or 0), "")


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """kube's ``discovery.StorageVersionHash``: base64 of the first 8 bytes of sha256(g/v/k)."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


# --------------------------------------------------------------------------------------------
# Errors rendered as Status objects
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer; rendered as a ``Status`` object exactly like kube-apiserver's."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = list(headers)

    def status(self) -> dict[str, Any]:
        """The ``Status`` body (``details`` only when the error has them, as kube does)."""
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


#: Status reasons kube uses for each code (``metav1.StatusReason``).
REASONS: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}

_NOT_FOUND_MESSAGE = "the server could not find the requested resource"


def _not_found(
    message: str = _NOT_FOUND_MESSAGE, details: dict[str, Any] | None = None
) -> ApiError:
    return ApiError(404, "NotFound", message, {} if details is None else details)


def _bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


# --------------------------------------------------------------------------------------------
# Request log
# --------------------------------------------------------------------------------------------


@dataclass
class Request:
    """One answered (or, after :meth:`FakeApiServer.die_after`, dropped) request.

    ``status`` is 0 for a request whose connection was closed without an answer.
    """

    method: str
    path: str
    query: dict[str, str]
    accept: str
    status: int
    user: str | None
    elapsed: float = 0.0
    user_agent: str = ""
    #: time.monotonic() when the request had been read: bench/startup.py measures a client's
    #: time to its first request against it.
    received: float = 0.0


# --------------------------------------------------------------------------------------------
# Selectors and content negotiation
# --------------------------------------------------------------------------------------------

Predicate = Callable[[Mapping[str, Any]], bool]
_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_SET_REQ = re.compile(rf"\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)\s*")
_CMP_REQ = re.compile(rf"\s*(?P<key>{_KEY})\s*(?P<op>==|!=|=|>|<)\s*(?P<value>[-A-Za-z0-9_.]*)\s*")
_EXISTS_REQ = re.compile(rf"\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*")


def _split_requirements(text: str) -> list[str]:
    """Split a selector at commas that are not inside ``in (...)`` value lists."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _label_requirement(part: str) -> Callable[[Mapping[str, str]], bool]:  # noqa: PLR0911 (one return per operator)
    """One requirement of a label selector, with kube's semantics for absent labels."""
    if m := _SET_REQ.fullmatch(part):
        key, values = m["key"], frozenset(v.strip() for v in m["values"].split(",") if v.strip())
        if m["op"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if m := _CMP_REQ.fullmatch(part):
        key, op, value = m["key"], m["op"], m["value"]
        if op in ("=", "=="):
            return lambda labels: labels.get(key) == value
        if op == "!=":
            return lambda labels: labels.get(key) != value
        try:
            bound = int(value)
        except ValueError:
            raise _bad_request(
                f"unable to parse requirement: for 'gt', 'lt' operators, "
                f"the value must be an integer: {value!r}"
            ) from None
        sign = 1 if op == ">" else -1

        def compare(labels: Mapping[str, str]) -> bool:
            try:
                return sign * (int(labels[key]) - bound) > 0
            except (KeyError, ValueError):
                return False

        return compare
    if m := _EXISTS_REQ.fullmatch(part):
        key = m["key"]
        if m["neg"]:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise _bad_request(
        f"unable to parse requirement: found {part.strip()!r}, expected: "
        "'=', '!=', '==', 'in', notin'"
    )


def parse_label_selector(text: str) -> Predicate | None:
    """A predicate over object metadata for ``labelSelector``; ``None`` when empty."""
    if not text.strip():
        return None
    reqs = [_label_requirement(part) for part in _split_requirements(text)]

    def match(metadata: Mapping[str, Any]) -> bool:
        labels = metadata.get("labels") or {}
        return all(req(labels) for req in reqs)

    return match


_FIELD_REQ = re.compile(r"\s*(?P<field>[A-Za-z.]+)\s*(?P<op>==|!=|=)\s*(?P<value>[^,]*?)\s*")
_SELECTABLE_FIELDS = {"metadata.name": "name", "metadata.namespace": "namespace"}


def parse_field_selector(text: str) -> Predicate | None:
    """``metadata.name`` / ``metadata.namespace`` with ``=``, ``==``, ``!=`` (what every
    resource, custom ones included, supports); other fields get kube's 400."""
    if not text.strip():
        return None
    reqs: list[tuple[str, bool, str]] = []
    for part in text.split(","):
        m = _FIELD_REQ.fullmatch(part)
        if m is None:
            raise _bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        if m["field"] not in _SELECTABLE_FIELDS:
            raise _bad_request(f"field label not supported: {m['field']}")
        reqs.append((_SELECTABLE_FIELDS[m["field"]], m["op"] != "!=", m["value"]))

    def match(metadata: Mapping[str, Any]) -> bool:
        return all(
            (metadata.get(k) or "") == v if eq else (metadata.get(k) or "") != v
            for k, eq, v in reqs
        )

    return match


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    params: dict[str, str]
    q: float

    def is_json(self) -> bool:
        """JSON or a wildcard covering it (protobuf, YAML and CBOR are not spoken here)."""
        return self.type in ("application", "*") and self.subtype in ("json", "*")


def parse_accept(header: str) -> list[MediaRange]:
    """Media ranges in the client's order of preference.

    Like kube's negotiation (goautoneg): highest ``q`` first, concrete types before wildcards,
    otherwise the order the client wrote them in (a stable sort). Whitespace is ignored.
    """
    ranges: list[MediaRange] = []
    for raw in header.split(","):
        pieces = [p.strip() for p in raw.split(";")]
        if not pieces[0]:
            continue
        mtype, _, subtype = pieces[0].lower().partition("/")
        params: dict[str, str] = {}
        for piece in pieces[1:]:
            key, _, value = piece.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if q > 0:
            ranges.append(MediaRange(mtype, subtype or "*", params, q))
    ranges.sort(key=lambda r: (-r.q, r.type == "*", r.subtype == "*"))
    return ranges


def negotiate(accept: str, as_kind: str, group: str, versions: Sequence[str]) -> str | None:
    """Pick between plain JSON and the ``as=<as_kind>;g=<group>;v=<v>`` variants.

    Returns the chosen version, ``""`` for plain JSON, or ``None`` when nothing acceptable was
    offered (an empty header counts as plain JSON).
    """
    if not accept.strip():
        return ""
    for r in parse_accept(accept):
        if not r.is_json():
            continue
        as_ = r.params.get("as")
        if as_ is None:
            return ""
        if as_ == as_kind and r.params.get("g") == group and r.params.get("v") in versions:
            return r.params["v"]
    return None


def typed_json(as_kind: str, group: str, version: str) -> str:
    """The Content-Type kube answers a negotiated ``as=`` variant with."""
    if as_kind == AGGREGATED_AS:
        return f"{JSON};g={group};v={version};as={as_kind}"
    return f"{JSON};as={as_kind};g={group};v={version}"
