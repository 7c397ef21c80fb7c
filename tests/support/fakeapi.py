"""A fake kube-apiserver that the real ``kubernetes`` Python client cannot tell from a real one.

Why this exists: the inventory code talks to clusters through the official client, and the
interesting failures (pagination, aggregated discovery negotiation, metadata-only lists,
throttling, expired continue tokens, a server that dies mid-capture, TLS client certificates) only
show up on the wire. Mocking the client's Python methods would test our assumptions about the
protocol rather than the protocol, so this module speaks HTTP(S) and JSON exactly the way
kube-apiserver does, from real discovery documents recorded from kube-apiserver
(``/work/shared/corpus/discovery``). Only the standard library is used (plus PyYAML, which the
``kubernetes`` package already depends on, to read manifests).

Usage::

    cluster = FakeCluster()
    cluster.add_from_files(*sorted(CORPUS.glob("crds/cert-manager/v1.16.1/*.yaml")))
    cluster.generate("certificates.cert-manager.io", 150, namespaces=("a", "b"))
    with FakeApiServer(cluster, latency=0.005) as server:
        api = kubernetes.config.new_client_from_config_dict(
            server.kubeconfig(), persist_config=False
        )
        ...
        assert server.count(r"/certificates$") == 1

What is deliberately *not* modelled: writes (every non-GET verb answers 405), watches, protobuf,
Table output, and built-in defaulting (a Deployment comes back exactly as it was added, plus the
server-filled metadata). CRDs, which the inventory relies on, get the defaults and the ``status``
that kube-apiserver gives them.
"""

from __future__ import annotations

import base64
import binascii
import copy
import gzip
import hashlib
import json
import re
import socket
import ssl
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from tests.support.loopback import TrackingHTTPServer
from tests.support.paths import DATA

if TYPE_CHECKING:
    import trustme

#: The corpus files the server needs, copied into the repository (see its README.md).
CORPUS = DATA / "corpus"
DEFAULT_DISCOVERY = CORPUS / "discovery" / "kubernetes-1.33"
DEFAULT_VERSION_FILE = CORPUS / "discovery" / "version" / "version-v1.32.3-linux-arm64.json"

#: The name in 403 messages for requests authenticated by the bearer token (kube would report
#: the token's user; a fixed, recognisable name keeps assertions simple).
BEARER_USER = "fakeapi-user"

CRD_GROUP = "apiextensions.k8s.io"
#: Verbs kube-apiserver lists for every custom resource, in its order.
CRD_VERBS = ("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")
#: kube compresses responses larger than this when the client accepts gzip.
GZIP_THRESHOLD = 128 * 1024
EXPIRED_CONTINUE_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter."
)
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


class _CorpusLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe loader that also reads a plain ``=`` scalar as the string ``"="``.

    Go YAML (and so kubectl) does; PyYAML treats it as the obscure ``!!value`` tag and fails on
    prometheus-operator's AlertmanagerConfig CRD. The C loader is used when present because
    the benchmark loads hundreds of large CRDs.
    """


_CorpusLoader.add_constructor(
    "tag:yaml.org,2002:value",
    lambda loader, node: loader.construct_scalar(node),
)


def load_manifests(path: Path) -> list[dict[str, Any]]:
    """Every non-empty document of a YAML (multi-document) or JSON file; ``List`` kinds expanded."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        docs: list[Any] = [json.loads(text)]
    else:
        docs = list(yaml.load_all(text, Loader=_CorpusLoader))
    out: list[dict[str, Any]] = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: expected a mapping, got {type(doc).__name__}")
        if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            out.extend(doc["items"])
        else:
            out.append(doc)
    return out


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


# --------------------------------------------------------------------------------------------
# The cluster's contents
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One resource served at one group/version (what an APIResourceList entry describes)."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str
    verbs: tuple[str, ...]
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    crd: str | None = None  # name of the CRD that defines it; None for built-ins
    storage_hash: str | None = None

    @property
    def api_version(self) -> str:
        """``group/version`` as it appears in objects."""
        return join_api_version(self.group, self.version)

    @property
    def group_resource(self) -> str:
        """``plural.group`` as kube names it in messages (``deployments.apps``, ``pods``)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


class Generator:
    """Synthetic custom resources produced on demand from a template.

    Only the list of keys exists in memory; each item is built when a response needs it, so
    500 CRDs x 200 objects cost almost nothing until a client asks for them.
    """

    def __init__(
        self,
        res: Resource,
        *,
        start: int,
        count: int,
        namespaces: Sequence[str],
        status_manager: str | None,
        payload_bytes: int,
        resource_version: str,
    ) -> None:
        self.res = res
        self.start = start
        self.count = count
        self.namespaces = tuple(namespaces) if res.namespaced else ("",)
        if not self.namespaces:
            raise ValueError("generate() needs at least one namespace for a namespaced CRD")
        self.resource_version = resource_version
        self.created = _now()
        seed = hashlib.sha256(f"{res.crd}/{start}".encode()).hexdigest()
        self.uid_prefix = f"{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-"
        # A fixed, pseudo-random payload: shared by every item (never mutated, only serialized).
        self.payload = (seed * (payload_bytes // len(seed) + 1))[:payload_bytes]
        self.managed_fields: list[dict[str, Any]] | None = None
        if status_manager is not None:
            self.managed_fields = self._managed_fields(status_manager)
        self._prepare_json()

    def _prepare_json(self) -> None:
        """Serialize the parts every item shares once; :meth:`item_json` only glues strings.

        A naive client LISTs every object in full, and json.dumps of the shared managedFields
        and payload would otherwise dominate the server's time.
        """
        sample = self.item(0, "")
        md = sample["metadata"]

        def frag(value: Any) -> str:
            return json.dumps(value, separators=(",", ":"))

        self._ns_json = [f',"namespace":{frag(ns)}' if ns else "" for ns in self.namespaces]
        self._name_prefix = frag(f"{self.res.singular}-")[:-1]  # opening quote, no closing one
        self._uid_prefix = frag(self.uid_prefix)[:-1]
        self._md_middle = (
            f',"resourceVersion":{frag(md["resourceVersion"])},"generation":1,'
            f'"creationTimestamp":{frag(md["creationTimestamp"])},"labels":'
            '{"app.kubernetes.io/managed-by":"fakeapi","fakeapi.test/shard":"'
        )
        self._md_end = "}"
        if self.managed_fields is not None:
            self._md_end = f',"managedFields":{frag(self.managed_fields)}}}'
        self._kind_json = f',"kind":{frag(self.res.kind)},"metadata":'
        self._spec_json = ',"spec":{"index":'
        self._item_end = f',"payload":{frag(self.payload)}}}'
        if "status" in sample:
            self._item_end += f',"status":{frag(sample["status"])}'
        self._item_end += "}"

    def _managed_fields(self, status_manager: str) -> list[dict[str, Any]]:
        """What kube records when kubectl created the object and a controller wrote status."""
        written_as = join_api_version(self.res.group, self.res.version)
        return [
            {
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "apiVersion": written_as,
                "time": self.created,
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:metadata": {"f:labels": {".": {}, "f:app.kubernetes.io/managed-by": {}}},
                    "f:spec": {".": {}, "f:index": {}, "f:payload": {}},
                },
            },
            {
                "manager": status_manager,
                "operation": "Update",
                "apiVersion": written_as,
                "time": self.created,
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:status": {".": {}, "f:conditions": {}, "f:observedGeneration": {}},
                },
                "subresource": "status",
            },
        ]

    def key(self, i: int) -> tuple[str, str]:
        """``(namespace, name)`` of item ``i``: round-robin namespaces, zero-padded names."""
        return self.namespaces[
            i % len(self.namespaces)
        ], f"{self.res.singular}-{self.start + i:05d}"

    def metadata(self, i: int) -> dict[str, Any]:
        """Item ``i``'s metadata, built fresh (cheap: a handful of small strings)."""
        namespace, name = self.key(i)
        md: dict[str, Any] = {"name": name}
        if namespace:
            md["namespace"] = namespace
        md["uid"] = f"{self.uid_prefix}{self.start + i:012x}"
        md["resourceVersion"] = self.resource_version
        md["generation"] = 1
        md["creationTimestamp"] = self.created
        md["labels"] = {
            "app.kubernetes.io/managed-by": "fakeapi",
            "fakeapi.test/shard": str(i % 10),
        }
        if self.managed_fields is not None:
            md["managedFields"] = self.managed_fields
        return md

    def metadata_json(self, i: int) -> str:
        """``json.dumps(self.metadata(i))`` (compact), about ten times faster."""
        n = self.start + i
        return (
            f'{{"name":{self._name_prefix}{n:05d}"{self._ns_json[i % len(self._ns_json)]}'
            f',"uid":{self._uid_prefix}{n:012x}"{self._md_middle}{i % 10}"}}{self._md_end}'
        )

    def item_json(self, i: int, api_version_json: str) -> str:
        """``json.dumps(self.item(i, v))`` (compact) given ``v`` already JSON-encoded."""
        return (
            f'{{"apiVersion":{api_version_json}{self._kind_json}{self.metadata_json(i)}'
            f"{self._spec_json}{self.start + i}{self._item_end}"
        )

    def item(self, i: int, api_version: str) -> dict[str, Any]:
        """The whole object ``i`` as served at ``api_version``."""
        obj: dict[str, Any] = {
            "apiVersion": api_version,
            "kind": self.res.kind,
            "metadata": self.metadata(i),
            "spec": {"index": self.start + i, "payload": self.payload},
        }
        if self.managed_fields is not None:
            obj["status"] = {
                "observedGeneration": 1,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "Reconciled",
                        "message": "",
                        "lastTransitionTime": self.created,
                    }
                ],
            }
        return obj


Entry = dict[str, Any] | tuple[Generator, int]


def entry_metadata(entry: Entry) -> dict[str, Any]:
    """Metadata of a stored object or of a generated one."""
    if isinstance(entry, tuple):
        return entry[0].metadata(entry[1])
    md: dict[str, Any] = entry["metadata"]
    return md


def entry_object(entry: Entry, api_version: str) -> dict[str, Any]:
    """The object as served at ``api_version`` (only ``apiVersion`` changes: no conversion)."""
    if isinstance(entry, tuple):
        return entry[0].item(entry[1], api_version)
    if entry.get("apiVersion") == api_version:
        return entry
    return {**entry, "apiVersion": api_version}


@dataclass(frozen=True)
class Snapshot:
    """An immutable, sorted view of one resource's objects; rebuilt only after changes."""

    keys: list[tuple[str, str]]  # (namespace, name), namespace "" when cluster-scoped
    entries: list[Entry]
    # Serialized stored objects by (index, apiVersion): CRDs are large and listed often. Valid
    # as long as the snapshot (stored dicts are replaced, never mutated).
    _json: dict[tuple[int, str], str] = field(default_factory=dict, compare=False)

    def object_json(self, index: int, api_version: str) -> str:
        """Entry ``index`` serialized as served at ``api_version``."""
        entry = self.entries[index]
        if isinstance(entry, tuple):
            return entry[0].item_json(entry[1], json.dumps(api_version))
        key = (index, api_version)
        text = self._json.get(key)
        if text is None:
            text = json.dumps(entry_object(entry, api_version), separators=(",", ":"))
            self._json[key] = text
        return text

    def metadata_json(self, index: int) -> str:
        """Entry ``index``'s metadata, serialized."""
        entry = self.entries[index]
        if isinstance(entry, tuple):
            return entry[0].metadata_json(entry[1])
        return json.dumps(entry["metadata"], separators=(",", ":"))


@dataclass
class Collection:
    """All objects of one group/resource, whatever version they were added at."""

    objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    generators: list[Generator] = field(default_factory=list)
    removed: set[tuple[str, str]] = field(default_factory=set)  # deleted generated items
    snapshot: Snapshot | None = None

    def build(self) -> Snapshot:
        """Merge stored and generated objects, sorted by (namespace, name)."""
        if self.snapshot is None:
            merged: dict[tuple[str, str], Entry] = {}
            for gen in self.generators:
                for i in range(gen.count):
                    merged[gen.key(i)] = (gen, i)
            for key in self.removed:
                merged.pop(key, None)
            merged.update(self.objects)
            ordered = sorted(merged.items(), key=itemgetter(0))
            self.snapshot = Snapshot([k for k, _ in ordered], [e for _, e in ordered])
        return self.snapshot


def _read_json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


class FakeCluster:
    """The API server's contents: discovery (built-in from the corpus + CRDs) and objects.

    Thread-safe: servers read it from many threads while a test may still be adding objects.
    """

    def __init__(
        self, discovery_dir: Path = DEFAULT_DISCOVERY, version: dict[str, Any] | None = None
    ) -> None:
        self.discovery_dir = discovery_dir
        self.version = version if version is not None else _read_json(DEFAULT_VERSION_FILE)
        self._lock = threading.RLock()
        self._rv = 100
        self._names = 0
        self._api = _read_json(discovery_dir / "api.json")
        self._core = _read_json(discovery_dir / "api__v1.json")
        self._apis = _read_json(discovery_dir / "apis.json")
        self._groups: dict[str, dict[str, Any]] = {}
        self._group_versions: dict[tuple[str, str], dict[str, Any]] = {("", "v1"): self._core}
        self._aggregated: dict[str, dict[str, Any]] = {}
        self._load_builtin_discovery()
        self._builtin = self._resources_from_legacy()
        self._crds: dict[str, list[Resource]] = {}
        self._collections: dict[tuple[str, str], Collection] = {}
        self._index: dict[tuple[str, str, str], Resource] | None = None
        self._kinds: dict[tuple[str, str, str], Resource] = {}
        self._group_kinds: dict[tuple[str, str], Resource] = {}
        self._discovery_cache: dict[tuple[str, ...], bytes | None] = {}

    # -- loading built-in discovery ------------------------------------------------------------

    def _load_builtin_discovery(self) -> None:
        for path in sorted(self.discovery_dir.glob("apis__*.json")):
            parts = path.stem.split("__")
            if len(parts) == 2:
                self._groups[parts[1]] = _read_json(path)
            elif len(parts) == 3:
                self._group_versions[(parts[1], parts[2])] = _read_json(path)
        v2 = self.discovery_dir / "aggregated_v2.json"
        v2beta1 = self.discovery_dir / "aggregated_v2beta1.json"
        if v2.exists():
            self._aggregated["v2"] = _read_json(v2)
        if v2beta1.exists():
            self._aggregated["v2beta1"] = _read_json(v2beta1)
        # v2 is v2beta1 promoted unchanged, so either serves as the other when only one was
        # recorded (kubernetes 1.33 recorded only v2).
        for have, want in (("v2", "v2beta1"), ("v2beta1", "v2")):
            if have in self._aggregated and want not in self._aggregated:
                doc = copy.deepcopy(self._aggregated[have])
                doc["apiVersion"] = f"{AGGREGATED_GROUP}/{want}"
                self._aggregated[want] = doc

    def _resources_from_legacy(self) -> dict[tuple[str, str, str], Resource]:
        out: dict[tuple[str, str, str], Resource] = {}
        for (group, version), doc in self._group_versions.items():
            subs: dict[str, list[str]] = {}
            for r in doc["resources"]:
                if "/" in r["name"]:
                    parent, _, sub = r["name"].partition("/")
                    subs.setdefault(parent, []).append(sub)
            for r in doc["resources"]:
                if "/" in r["name"]:
                    continue
                out[(group, version, r["name"])] = Resource(
                    group=group,
                    version=version,
                    plural=r["name"],
                    kind=r["kind"],
                    namespaced=bool(r["namespaced"]),
                    singular=r.get("singularName") or r["kind"].lower(),
                    verbs=tuple(r.get("verbs", ())),
                    short_names=tuple(r.get("shortNames", ())),
                    categories=tuple(r.get("categories", ())),
                    subresources=tuple(subs.get(r["name"], ())),
                    storage_hash=r.get("storageVersionHash"),
                )
        return out

    # -- resource index ------------------------------------------------------------------------

    def _invalidate_discovery(self) -> None:
        self._index = None
        self._discovery_cache.clear()

    def _ensure_index(self) -> dict[tuple[str, str, str], Resource]:
        with self._lock:
            if self._index is None:
                index = dict(self._builtin)
                for infos in self._crds.values():
                    for res in infos:
                        index.setdefault((res.group, res.version, res.plural), res)
                self._kinds = {(r.group, r.version, r.kind): r for r in index.values()}
                self._group_kinds = {}
                for r in sorted(index.values(), key=lambda r: version_priority(r.version)):
                    self._group_kinds.setdefault((r.group, r.kind), r)
                self._index = index
            return self._index

    def resource(self, group: str, version: str, plural: str) -> Resource | None:
        """The resource served at ``/apis/<group>/<version>/<plural>``, if any."""
        return self._ensure_index().get((group, version, plural))

    def resource_for(self, api_version: str, kind: str) -> Resource:
        """Which resource stores objects of this apiVersion/kind.

        Falls back to the same kind at another served version of the group (the object is
        stored once and served at every version, as kube does); ValueError if nobody serves it.
        """
        self._ensure_index()
        group, version = split_api_version(api_version)
        with self._lock:
            res = self._kinds.get((group, version, kind)) or self._group_kinds.get((group, kind))
        if res is None:
            raise ValueError(f"no resource serves {kind} in {api_version!r}")
        return res

    def served_versions(self, group: str) -> list[str]:
        """The group's versions in discovery order (built-in order, then CRD ones by priority)."""
        self._ensure_index()
        versions = [v["version"] for v in self._groups.get(group, {}).get("versions", [])]
        extra = {r.version for infos in self._crds.values() for r in infos if r.group == group}
        return versions + sorted(extra - set(versions), key=version_priority)

    # -- adding and removing -------------------------------------------------------------------

    def add(self, *objs: dict[str, Any]) -> None:
        """Store objects as if created through the API.

        CRDs in the batch are registered first, so a batch may hold CRDs and their instances
        in any order. Fills ``uid``, ``resourceVersion``, ``creationTimestamp`` when absent,
        defaults the namespace of namespaced objects to ``default``, drops it from cluster-scoped
        ones, and gives CRDs kube's defaults and ``status``. Raises ValueError for a kind no
        served resource has.
        """

        def is_crd(obj: Mapping[str, Any]) -> bool:
            return obj.get("kind") == "CustomResourceDefinition" and str(
                obj.get("apiVersion", "")
            ).startswith(f"{CRD_GROUP}/")

        with self._lock:
            for obj in [o for o in objs if is_crd(o)] + [o for o in objs if not is_crd(o)]:
                self._add_one(obj)

    def _add_one(self, obj: Mapping[str, Any]) -> None:
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise ValueError(f"object without apiVersion/kind: {str(obj)[:200]}")
        stored: dict[str, Any] = copy.deepcopy(dict(obj))
        if kind == "CustomResourceDefinition" and split_api_version(api_version)[0] == CRD_GROUP:
            self._default_crd(stored)
        res = self.resource_for(api_version, kind)
        md = stored.setdefault("metadata", {})
        if not md.get("name"):
            if not md.get("generateName"):
                raise ValueError(f"{kind} without metadata.name")
            self._names += 1
            md["name"] = f"{md['generateName']}{self._names:05x}"
        if res.namespaced:
            md["namespace"] = md.get("namespace") or "default"
        else:
            md.pop("namespace", None)
        self._rv += 1
        md.setdefault("uid", self._uid(res, md))
        md["resourceVersion"] = md.get("resourceVersion") or str(self._rv)
        md["creationTimestamp"] = md.get("creationTimestamp") or _now()
        if res.crd is None and res.group == CRD_GROUP and res.plural == "customresourcedefinitions":
            self._register_crd(stored)
        coll = self._collections.setdefault((res.group, res.plural), Collection())
        coll.objects[(md.get("namespace", ""), md["name"])] = stored
        coll.snapshot = None

    def _uid(self, res: Resource, md: Mapping[str, Any]) -> str:
        """Deterministic per object and add, so runs are reproducible."""
        h = hashlib.sha256(
            f"{res.group_resource}/{md.get('namespace', '')}/{md['name']}/{self._rv}".encode()
        ).hexdigest()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    @staticmethod
    def _default_crd(crd: dict[str, Any]) -> None:
        """What kube-apiserver fills in on create: names defaults, conversion, and status."""
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        if not (spec.get("group") and names.get("plural") and names.get("kind")):
            raise ValueError("CustomResourceDefinition without spec.group/names.plural/kind")
        expected = f"{names['plural']}.{spec['group']}"
        if crd.get("metadata", {}).get("name") != expected:
            raise ValueError(f"CRD metadata.name must be {expected!r}")
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", f"{names['kind']}List")
        spec.setdefault("conversion", {"strategy": "None"})
        if "status" not in crd:
            now = _now()
            storage = [v["name"] for v in spec.get("versions", []) if v.get("storage")]
            crd["status"] = {
                "acceptedNames": dict(names),
                "conditions": [
                    {
                        "type": "NamesAccepted",
                        "status": "True",
                        "lastTransitionTime": now,
                        "reason": "NoConflicts",
                        "message": "no conflicts found",
                    },
                    {
                        "type": "Established",
                        "status": "True",
                        "lastTransitionTime": now,
                        "reason": "InitialNamesAccepted",
                        "message": "the initial names have been accepted",
                    },
                ],
                "storedVersions": storage,
            }

    def _register_crd(self, crd: Mapping[str, Any]) -> None:
        spec = crd["spec"]
        names = spec["names"]
        storage = next((v["name"] for v in spec.get("versions", []) if v.get("storage")), None)
        group, kind = spec["group"], names["kind"]
        infos = [
            Resource(
                group=group,
                version=v["name"],
                plural=names["plural"],
                kind=kind,
                namespaced=spec.get("scope") == "Namespaced",
                singular=names.get("singular") or kind.lower(),
                verbs=CRD_VERBS,
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=tuple(
                    s for s in ("status", "scale") if s in (v.get("subresources") or {})
                ),
                crd=crd["metadata"]["name"],
                storage_hash=storage_version_hash(group, storage or v["name"], kind),
            )
            for v in spec.get("versions", [])
            if v.get("served")
        ]
        self._crds[crd["metadata"]["name"]] = infos
        self._invalidate_discovery()

    def add_from_files(self, *paths: Path) -> None:
        """Add every document of these YAML/JSON files (all in one batch: CRDs go first)."""
        objs: list[dict[str, Any]] = []
        for path in paths:
            objs.extend(load_manifests(Path(path)))
        self.add(*objs)

    def generate(
        self,
        crd_name: str,
        count: int,
        *,
        namespaces: Sequence[str] = ("default",),
        status_manager: str | None = None,
        payload_bytes: int = 512,
    ) -> None:
        """Serve ``count`` synthetic instances of an added CRD, built lazily per request.

        Items go round-robin over ``namespaces`` (ignored when cluster-scoped) and are named
        ``<singular>-<NNNNN>``, numbering on from earlier ``generate`` calls of the same CRD.
        Labels: ``app.kubernetes.io/managed-by=fakeapi`` and ``fakeapi.test/shard=<i % 10>``.
        With ``status_manager``, items carry a status and managedFields of kubectl (spec) and of
        that manager (status subresource).
        """
        with self._lock:
            infos = self._crds.get(crd_name)
            if not infos:
                raise ValueError(f"CRD {crd_name!r} has not been added (or serves no version)")
            crd = self._collections[(CRD_GROUP, "customresourcedefinitions")].objects[
                ("", crd_name)
            ]
            storage = next(
                (v["name"] for v in crd["spec"]["versions"] if v.get("storage")), infos[0].version
            )
            res = next((r for r in infos if r.version == storage), infos[0])
            coll = self._collections.setdefault((res.group, res.plural), Collection())
            self._rv += 1
            gen = Generator(
                res,
                start=sum(g.count for g in coll.generators),
                count=count,
                namespaces=namespaces,
                status_manager=status_manager,
                payload_bytes=payload_bytes,
                resource_version=str(self._rv),
            )
            coll.generators.append(gen)
            coll.snapshot = None

    def remove(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> None:
        """Delete one object (stored or generated). Deleting a CRD deletes its instances and
        stops serving its resource, as in kube. KeyError if there is no such object."""
        with self._lock:
            res = self.resource_for(api_version, kind)
            key = ((namespace or "default") if res.namespaced else "", name)
            coll = self._collections.get((res.group, res.plural))
            snap = coll.build() if coll is not None else None
            i = bisect_left(snap.keys, key) if snap is not None else 0
            if coll is None or snap is None or i >= len(snap.keys) or snap.keys[i] != key:
                raise KeyError(f"{res.group_resource} {key[0]}/{name} not found")
            if key in coll.objects:
                del coll.objects[key]
            else:
                coll.removed.add(key)
            coll.snapshot = None
            self._rv += 1
            if res.group == CRD_GROUP and res.plural == "customresourcedefinitions":
                for gone in self._crds.pop(name, []):
                    self._collections.pop((gone.group, gone.plural), None)
                self._invalidate_discovery()

    # -- reads used by the server --------------------------------------------------------------

    @property
    def resource_version(self) -> str:
        """The cluster-wide resourceVersion (etcd revision) lists report."""
        return str(self._rv)

    def snapshot(self, res: Resource) -> Snapshot:
        """Sorted keys/entries of a resource; cached until the next change."""
        with self._lock:
            coll = self._collections.get((res.group, res.plural))
            if coll is None:
                return Snapshot([], [])
            return coll.build()

    def discovery(self, *key: str) -> bytes | None:
        """A serialized discovery document, cached until CRDs change; None = not served.

        Keys: ``("api",)``, ``("apis",)``, ``("group", g)``, ``("gv", g, v)``,
        ``("aggregated", "api"|"apis", version)``.
        """
        with self._lock:
            if key not in self._discovery_cache:
                self._ensure_index()
                doc = self._build_discovery(key)
                self._discovery_cache[key] = None if doc is None else _dumps(doc)
            return self._discovery_cache[key]

    def _build_discovery(self, key: tuple[str, ...]) -> dict[str, Any] | None:  # noqa: PLR0911
        match key:
            case ("api",):
                return self._api
            case ("apis",):
                return self._apis_doc()
            case ("group", group):
                return self._group_doc(group)
            case ("gv", group, version):
                return self._group_version_doc(group, version)
            case ("aggregated", "api", version):
                return self._aggregated_core(version)
            case ("aggregated", "apis", version):
                return self._aggregated_apis(version)
        return None

    def _crd_resources(self, group: str, version: str) -> list[Resource]:
        return sorted(
            (
                r
                for infos in self._crds.values()
                for r in infos
                if r.group == group and r.version == version
            ),
            key=lambda r: r.plural,
        )

    def _crd_groups(self) -> list[str]:
        """Groups only CRDs serve, alphabetically (kube sorts equal-priority groups by name)."""
        return sorted({r.group for infos in self._crds.values() for r in infos} - set(self._groups))

    def _group_entry(self, group: str) -> dict[str, Any] | None:
        versions = self.served_versions(group)
        if not versions:
            return None
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        builtin = self._groups.get(group)
        preferred = builtin["preferredVersion"] if builtin else gvs[0]
        return {"name": group, "versions": gvs, "preferredVersion": preferred}

    def _apis_doc(self) -> dict[str, Any]:
        doc = dict(self._apis)
        crd_groups = {r.group for infos in self._crds.values() for r in infos}
        groups = [
            (self._group_entry(g["name"]) if g["name"] in crd_groups else None) or g
            for g in self._apis["groups"]
        ]
        groups += [e for g in self._crd_groups() if (e := self._group_entry(g)) is not None]
        doc["groups"] = groups
        return doc

    def _group_doc(self, group: str) -> dict[str, Any] | None:
        entry = self._group_entry(group)
        if entry is None:
            return None
        return {"kind": "APIGroup", "apiVersion": "v1", **entry}

    @staticmethod
    def _legacy_resources(res: Resource) -> list[dict[str, Any]]:
        """APIResourceList entries of a custom resource, as kube's CRD discovery writes them."""
        main: dict[str, Any] = {
            "name": res.plural,
            "singularName": res.singular,
            "namespaced": res.namespaced,
            "kind": res.kind,
            "verbs": list(res.verbs),
        }
        if res.short_names:
            main["shortNames"] = list(res.short_names)
        if res.categories:
            main["categories"] = list(res.categories)
        if res.storage_hash:
            main["storageVersionHash"] = res.storage_hash
        out = [main]
        if "status" in res.subresources:
            out.append(
                {
                    "name": f"{res.plural}/status",
                    "singularName": "",
                    "namespaced": res.namespaced,
                    "kind": res.kind,
                    "verbs": list(SUBRESOURCE_VERBS),
                }
            )
        if "scale" in res.subresources:
            out.append(
                {
                    "name": f"{res.plural}/scale",
                    "singularName": "",
                    "namespaced": res.namespaced,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": list(SUBRESOURCE_VERBS),
                }
            )
        return out

    def _group_version_doc(self, group: str, version: str) -> dict[str, Any] | None:
        builtin = self._group_versions.get((group, version))
        crds = self._crd_resources(group, version)
        if builtin is None and not crds:
            return None
        if not crds:
            return builtin
        doc: dict[str, Any] = (
            dict(builtin)
            if builtin
            else {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": f"{group}/{version}",
            }
        )
        resources = list(doc.get("resources", []))
        for res in crds:
            resources.extend(self._legacy_resources(res))
        doc["resources"] = sorted(resources, key=itemgetter("name"))
        return doc

    @staticmethod
    def _aggregated_resource(res: Resource) -> dict[str, Any]:
        kind = {"group": res.group, "kind": res.kind, "version": res.version}
        entry: dict[str, Any] = {
            "resource": res.plural,
            "responseKind": kind,
            "scope": "Namespaced" if res.namespaced else "Cluster",
            "singularResource": res.singular,
            "verbs": list(res.verbs),
        }
        if res.short_names:
            entry["shortNames"] = list(res.short_names)
        if res.categories:
            entry["categories"] = list(res.categories)
        subs = []
        if "scale" in res.subresources:
            subs.append(
                {
                    "subresource": "scale",
                    "verbs": list(SUBRESOURCE_VERBS),
                    "responseKind": {"group": "autoscaling", "kind": "Scale", "version": "v1"},
                }
            )
        if "status" in res.subresources:
            subs.append(
                {"subresource": "status", "responseKind": kind, "verbs": list(SUBRESOURCE_VERBS)}
            )
        if subs:
            entry["subresources"] = subs
        return entry

    def _aggregated_apis(self, version: str) -> dict[str, Any] | None:
        base = self._aggregated.get(version)
        if base is None:
            return None
        items = []
        for item in base["items"]:
            group = item["metadata"]["name"]
            extra = [v for v in self.served_versions(group) if self._crd_resources(group, v)]
            if not extra:
                items.append(item)
                continue
            item = copy.deepcopy(item)  # noqa: PLW2901 (the corpus copy must stay pristine)
            by_version = {v["version"]: v for v in item["versions"]}
            for v in extra:
                entry = by_version.get(v)
                if entry is None:
                    entry = {"freshness": "Current", "resources": [], "version": v}
                    item["versions"].append(entry)
                entry["resources"].extend(
                    self._aggregated_resource(r) for r in self._crd_resources(group, v)
                )
                entry["resources"].sort(key=itemgetter("resource"))
            items.append(item)
        for group in self._crd_groups():
            items.append(
                {
                    "metadata": {"creationTimestamp": None, "name": group},
                    "versions": [
                        {
                            "freshness": "Current",
                            "resources": [
                                self._aggregated_resource(r) for r in self._crd_resources(group, v)
                            ],
                            "version": v,
                        }
                        for v in self.served_versions(group)
                    ],
                }
            )
        return {**base, "items": items}

    def _aggregated_core(self, version: str) -> dict[str, Any] | None:
        """``/api`` as an APIGroupDiscoveryList: the core group alone, built from /api/v1."""
        if version not in self._aggregated:
            return None
        subs: dict[str, list[dict[str, Any]]] = {}
        for r in self._core["resources"]:
            if "/" in r["name"]:
                parent, _, sub = r["name"].partition("/")
                subs.setdefault(parent, []).append(
                    {
                        "responseKind": {
                            "group": r.get("group", ""),
                            "kind": r["kind"],
                            "version": r.get("version", ""),
                        },
                        "subresource": sub,
                        "verbs": r.get("verbs", []),
                    }
                )
        resources = []
        for r in self._core["resources"]:
            if "/" in r["name"]:
                continue
            entry: dict[str, Any] = {
                "resource": r["name"],
                "responseKind": {"group": "", "kind": r["kind"], "version": ""},
                "scope": "Namespaced" if r["namespaced"] else "Cluster",
                "singularResource": r.get("singularName", ""),
                "verbs": r.get("verbs", []),
            }
            for src, dst in (("shortNames", "shortNames"), ("categories", "categories")):
                if r.get(src):
                    entry[dst] = r[src]
            if r["name"] in subs:
                entry["subresources"] = subs[r["name"]]
            resources.append(entry)
        return {
            "kind": "APIGroupDiscoveryList",
            "apiVersion": f"{AGGREGATED_GROUP}/{version}",
            "metadata": {},
            "items": [
                {
                    "metadata": {"creationTimestamp": None},
                    "versions": [{"freshness": "Current", "resources": resources, "version": "v1"}],
                }
            ],
        }


# --------------------------------------------------------------------------------------------
# Lists and pagination
# --------------------------------------------------------------------------------------------


def encode_continue(rv: str, last: tuple[str, str]) -> str:
    """An opaque continue token (kube's shape: version, resourceVersion, start key)."""
    raw = json.dumps(
        {"v": "meta.k8s.io/v1", "rv": int(rv), "start": list(last)}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[str, tuple[str, str]]:
    """``(resourceVersion, last key)``; 400 BadRequest like kube for anything malformed."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = json.loads(raw)
        if doc.get("v") != "meta.k8s.io/v1":
            raise ValueError("unknown version")
        ns, name = doc["start"]
        rv = int(doc["rv"])
        if not isinstance(ns, str) or not isinstance(name, str) or rv <= 0:
            raise ValueError("bad start key")
    except (
        binascii.Error,
        UnicodeDecodeError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
    ) as e:
        raise _bad_request(f"continue key is not valid: {e}") from None
    return str(rv), (ns, name)


@dataclass
class ListQuery:
    """The list parameters kube-apiserver honours."""

    limit: int | None
    token: str | None
    predicate: Predicate | None
    selected: bool  # a label or field selector was given (kube then omits remainingItemCount)

    @classmethod
    def parse(cls, query: Mapping[str, str], max_limit: int | None, watch_cache: bool) -> ListQuery:
        """Validate like kube: bad numbers, selectors or tokens are 400 BadRequest."""
        limit: int | None = None
        if query.get("limit"):
            try:
                limit = int(query["limit"])
            except ValueError:
                raise _bad_request(f"invalid limit {query['limit']!r}") from None
            if limit <= 0:
                limit = None
        token = query.get("continue") or None
        if token and query.get("resourceVersion"):
            raise _bad_request("specifying resource version is not allowed when using continue")
        if watch_cache and query.get("resourceVersion") == "0" and not token:
            limit = None  # served from the watch cache, which (up to kube 1.33) ignores limit
        if max_limit is not None:
            limit = max_limit if limit is None else min(limit, max_limit)
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(query.get("fieldSelector", ""))
        predicate = labels or fields
        if labels and fields:

            def predicate(md: Mapping[str, Any]) -> bool:
                return labels(md) and fields(md)

        return cls(limit, token, predicate, predicate is not None)


def list_page(
    snap: Snapshot,
    namespace: str | None,
    q: ListQuery,
    rv: str,
    remaining_item_count: bool,
) -> tuple[list[int], dict[str, Any]]:
    """Indices (into the snapshot) of one page of a list, and its ListMeta.

    Like kube's etcd3 store: walk keys after the continue key; stop once ``limit`` items matched;
    hand out a continue token (the last returned key) only if keys remain, plus the number of
    remaining keys when no selector filtered the walk.
    """
    keys = snap.keys
    if namespace is None:
        lo, hi = 0, len(keys)
    else:
        lo = bisect_left(keys, (namespace, ""))
        hi = bisect_left(keys, (namespace + "\x00", ""))
    idx = lo
    if q.token:
        rv, last = decode_continue(q.token)
        idx = max(lo, bisect_right(keys, last))
    picked: list[int] = []
    pred = q.predicate
    while idx < hi and (q.limit is None or len(picked) < q.limit):
        if pred is None or pred(entry_metadata(snap.entries[idx])):
            picked.append(idx)
        idx += 1
    meta: dict[str, Any] = {"resourceVersion": rv}
    if q.limit is not None and idx < hi and picked:
        meta["continue"] = encode_continue(rv, keys[idx - 1])
        if remaining_item_count and not q.selected:
            meta["remainingItemCount"] = hi - idx
    return picked, meta


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


@dataclass
class Response:
    """What the handler writes: status, headers and a serialized body."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Fault:
    pattern: re.Pattern[str]
    status: int
    times: int | None
    retry_after: int | None
    message: str | None


@dataclass
class _Hang:
    pattern: re.Pattern[str]
    seconds: float
    times: int | None


@dataclass(frozen=True)
class Target:
    """What a resource URL addresses."""

    res: Resource
    namespace: str | None
    name: str | None
    subresource: str | None

    @property
    def verb(self) -> str:
        """The RBAC verb kube would check for a GET of this URL."""
        return "get" if self.name else "list"


class _HTTPServer(TrackingHTTPServer):
    """Does TLS handshakes on the handler thread, so that one stalled client cannot block
    accept()."""

    allow_reuse_address = True

    def __init__(self, fake: FakeApiServer, ssl_context: ssl.SSLContext | None) -> None:
        self.fake = fake
        self.ssl_context = ssl_context
        super().__init__(_Handler, "fakeapi-conn")

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            try:
                sock = self.ssl_context.wrap_socket(
                    sock, server_side=True, do_handshake_on_connect=False
                )
            except OSError:
                sock.close()
                raise
        return sock, addr


class _Handler(BaseHTTPRequestHandler):
    """Reads requests and writes the answers FakeApiServer computes."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 300  # idle keep-alive connections are dropped eventually
    server: _HTTPServer

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is :attr:`FakeApiServer.requests`."""

    def do_GET(self) -> None:
        self._serve()

    # Every method gets an answer (405 for writes) from the same dispatcher.
    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815 - http.server names

    def _client_cn(self) -> str | None:
        """The verified client certificate's subject CN (kube's user name).

        trustme's ``issue_cert("jane@example.com")`` puts the identity only in the
        subjectAltName, so without a CN the first SAN is used; kube would not authenticate such
        a certificate, but tests read better this way.
        """
        if not isinstance(self.connection, ssl.SSLSocket):
            return None
        cert: Any = self.connection.getpeercert()
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return str(value)
        for _kind, value in cert.get("subjectAltName", ()):
            return str(value)
        return None

    def _serve(self) -> None:
        started = time.monotonic()
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        accept = self.headers.get("Accept", "")
        user = fake.authenticate(self.headers.get("Authorization", ""), self._client_cn())
        if not fake.reserve_answer():
            self.close_connection = True
            fake.log(
                Request(self.command, path, query, accept, 0, user, time.monotonic() - started)
            )
            return
        negotiation = {"Accept": accept, "If-None-Match": self.headers.get("If-None-Match", "")}
        resp = fake.respond(self.command, path, query, negotiation, user)
        # Logged before the answer goes out: once a client has its answer, the log shows it.
        fake.log(
            Request(
                self.command, path, query, accept, resp.status, user, time.monotonic() - started
            )
        )
        self.send_response_only(resp.status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Audit-Id", fake.audit_id())
        self.send_header("Cache-Control", "no-cache, private")
        body = resp.body
        if len(body) > GZIP_THRESHOLD and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, compresslevel=1)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        if resp.status != 304:
            self.send_header("Content-Type", resp.content_type)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if resp.status != 304 else 0))
        self.end_headers()
        if self.command != "HEAD" and resp.status != 304:
            self.wfile.write(body)
        self.wfile.flush()


class FakeApiServer:
    """An HTTP(S) kube-apiserver over a :class:`FakeCluster`, with fault injection.

    The port is bound on construction (so :attr:`url` is known), serving starts with
    :meth:`start` or ``with``. Every answer is logged in :attr:`requests`.
    """

    def __init__(
        self,
        cluster: FakeCluster,
        *,
        token: str | None = "test-token",  # noqa: S107 (a test credential)
        tls: trustme.CA | None = None,
        latency: float = 0.0,
        aggregated: Sequence[str] = ("v2", "v2beta1"),
        remaining_item_count: bool = True,
        metadata_remaining_item_count: bool = True,
        max_limit: int | None = None,
        watch_cache: bool = True,
    ) -> None:
        """``watch_cache``: like kube up to 1.33, a list with ``resourceVersion=0`` (and no
        continue) is served whole from the watch cache, ignoring ``limit``.
        ``metadata_remaining_item_count=False``: like kube 1.20, metadata-only lists carry no
        ``remainingItemCount`` though full lists do (seen on the real server).
        """
        self.cluster = cluster
        self.token = token
        self.ca = tls
        self.latency = latency
        self.aggregated = tuple(aggregated)
        self.remaining_item_count = remaining_item_count
        self.metadata_remaining_item_count = metadata_remaining_item_count
        self.max_limit = max_limit
        self.watch_cache = watch_cache
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._faults: list[_Fault] = []
        self._hangs: list[_Hang] = []
        self._expire = 0
        self._answers_left: int | None = None
        self._audit = 0
        self._thread: threading.Thread | None = None
        self.server_cert: trustme.LeafCert | None = None
        context = None
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.server_cert = tls.issue_cert("127.0.0.1", "localhost")
            self.server_cert.configure_cert(context)
            tls.configure_trust(context)
            context.verify_mode = ssl.CERT_OPTIONAL
        self._httpd = _HTTPServer(self, context)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeApiServer:
        """Serve on a daemon thread."""
        if self._thread is None:
            self._thread = self._httpd.serve_in_background("fakeapi-server")
        return self

    def stop(self) -> None:
        """Stop accepting, wake sleeping handlers, close every connection, join all threads."""
        self._stopping.set()
        self._httpd.stop_serving(self._thread)
        self._thread = None

    def __enter__(self) -> FakeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def kubeconfig(
        self,
        *,
        token: str | None = None,
        anonymous: bool = False,
        client_cert: trustme.LeafCert | None = None,
        name: str = "fake",
    ) -> dict[str, Any]:
        """A kubeconfig dict for ``kubernetes.config.new_client_from_config_dict``.

        Uses the server's token unless ``token`` overrides it or ``anonymous``; the CA and the
        client certificate are embedded as ``*-data``.
        """

        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode()

        cluster: dict[str, Any] = {"server": self.url}
        if self.ca is not None:
            cluster["certificate-authority-data"] = b64(self.ca.cert_pem.bytes())
        user: dict[str, Any] = {}
        if not anonymous and (token or self.token):
            user["token"] = token or self.token
        if client_cert is not None:
            chain = b"".join(blob.bytes() for blob in client_cert.cert_chain_pems)
            user["client-certificate-data"] = b64(chain)
            user["client-key-data"] = b64(client_cert.private_key_pem.bytes())
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": cluster}],
            "users": [{"name": name, "user": user}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
        }

    # -- fault injection -----------------------------------------------------------------------

    def inject(
        self,
        match: str,
        status: int,
        *,
        times: int | None = None,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        """The next ``times`` (None: all) requests whose path matches ``match`` (re.search) get
        a ``Status`` with this code; the earliest-added matching rule wins."""
        with self._lock:
            self._faults.append(_Fault(re.compile(match), status, times, retry_after, message))

    def expire_continue_tokens(self, times: int = 1) -> None:
        """The next ``times`` requests carrying a continue token get 410 Expired."""
        with self._lock:
            self._expire += times

    def die_after(self, n: int) -> None:
        """After ``n`` more answers, close every connection without answering."""
        with self._lock:
            self._answers_left = n

    def hang(self, match: str, seconds: float, *, times: int | None = None) -> None:
        """Matching requests sleep ``seconds`` before being answered (stop() wakes them)."""
        with self._lock:
            self._hangs.append(_Hang(re.compile(match), seconds, times))

    def count(self, match: str = "") -> int:
        """How many logged requests have a path matching ``match`` (re.search)."""
        pattern = re.compile(match)
        with self._lock:
            return sum(1 for r in self.requests if pattern.search(r.path))

    # -- used by the handler -------------------------------------------------------------------

    def log(self, request: Request) -> None:
        """Append to the request log."""
        with self._lock:
            self.requests.append(request)

    def audit_id(self) -> str:
        """A fresh Audit-Id header value (kube sends one with every answer)."""
        with self._lock:
            self._audit += 1
            return f"00000000-0000-4000-8000-{self._audit:012x}"

    def reserve_answer(self) -> bool:
        """False once :meth:`die_after`'s budget is spent: the connection is then dropped."""
        with self._lock:
            if self._answers_left is None:
                return True
            if self._answers_left <= 0:
                return False
            self._answers_left -= 1
            return True

    def authenticate(self, authorization: str, cert_cn: str | None) -> str | None:
        """``cert:<CN>`` for a verified client certificate, ``token:<t>`` for the right bearer
        token (a certificate wins, as in kube's union authenticator), else None."""
        if cert_cn is not None:
            return f"cert:{cert_cn}"
        scheme, _, credential = authorization.partition(" ")
        if self.token is not None and scheme.lower() == "bearer" and credential == self.token:
            return f"token:{credential}"
        return None

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.pattern.search(path) and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _take_hang(self, path: str) -> float:
        with self._lock:
            total = 0.0
            for h in self._hangs:
                if h.pattern.search(path) and (h.times is None or h.times > 0):
                    if h.times is not None:
                        h.times -= 1
                    total += h.seconds
            return total

    def _take_expire(self) -> bool:
        with self._lock:
            if self._expire > 0:
                self._expire -= 1
                return True
            return False

    def respond(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        user: str | None,
    ) -> Response:
        """Compute the answer: latency, hangs, auth, injected faults, then the API itself."""
        delay = self.latency + self._take_hang(path)
        if delay > 0:
            self._stopping.wait(delay)
        try:
            if self.token is not None and user is None:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            fault = self._take_fault(path)
            if fault is not None:
                raise self._fault_error(fault, path, user)
            if query.get("continue") and self._take_expire():
                raise ApiError(410, "Expired", EXPIRED_CONTINUE_MESSAGE)
            if method not in ("GET", "HEAD"):
                raise ApiError(
                    405,
                    "MethodNotAllowed",
                    f"the fake API server is read-only: {method} is not supported",
                )
            return self._get(path, query, headers)
        except ApiError as e:
            return Response(e.code, _dumps(e.status()), JSON, e.headers)

    # -- building answers ----------------------------------------------------------------------

    def _fault_error(self, fault: _Fault, path: str, user: str | None) -> ApiError:
        code = fault.status
        reason = REASONS.get(code) or HTTPStatus(code).phrase.replace(" ", "")
        headers: list[tuple[str, str]] = []
        details: dict[str, Any] = {}
        if fault.retry_after is not None:
            headers.append(("Retry-After", str(fault.retry_after)))
            details["retryAfterSeconds"] = fault.retry_after
        target = self._target_or_none(path)
        if target is not None:
            if target.name:
                details["name"] = target.name
            if target.res.group:
                details["group"] = target.res.group
            details["kind"] = target.res.plural
        message = fault.message or self._default_message(code, path, target, user)
        if code == 500:
            details.setdefault("causes", [{"message": message}])
        return ApiError(code, reason, message, details, headers)

    @staticmethod
    def _default_message(code: int, path: str, target: Target | None, user: str | None) -> str:
        """kube's wording for each injected code."""
        if code == 403:
            who = (
                user.partition(":")[2]
                if user and user.startswith("cert:")
                else (BEARER_USER if user else "system:anonymous")
            )
            if target is None:
                return f'forbidden: User "{who}" cannot get path "{path}"'
            res = target.res
            what = res.group_resource + (f' "{target.name}"' if target.name else "")
            resource = res.plural + (f"/{target.subresource}" if target.subresource else "")
            scope = (
                f'in the namespace "{target.namespace}"'
                if target.namespace
                else "at the cluster scope"
            )
            return (
                f'{what} is forbidden: User "{who}" cannot {target.verb} resource '
                f'"{resource}" in API group "{res.group}" {scope}'
            )
        if code == 404 and target is not None and target.name:
            return f'{target.res.group_resource} "{target.name}" not found'
        return {
            401: "Unauthorized",
            404: _NOT_FOUND_MESSAGE,
            409: "the object has been modified; please apply your changes to the latest "
            "version and try again",
            410: EXPIRED_CONTINUE_MESSAGE,
            429: "Too many requests, please try again later.",
            500: "Internal error occurred: injected failure",
            503: "the server is currently unable to handle the request",
            504: "Timeout: request did not complete within the allowed duration",
        }.get(code, HTTPStatus(code).phrase)

    def _discovery(
        self,
        key: tuple[str, ...],
        content_type: str,
        headers: Mapping[str, str],
        etag: bool = False,
    ) -> Response:
        body = self.cluster.discovery(*key)
        if body is None:
            raise _not_found()
        extra: list[tuple[str, str]] = []
        if etag:
            tag = f'"{hashlib.sha256(body).hexdigest().upper()}"'
            extra.append(("ETag", tag))
            if headers.get("If-None-Match") == tag:
                return Response(304, b"", content_type, extra)
        return Response(200, body, content_type, extra)

    def _root_discovery(self, which: str, headers: Mapping[str, str]) -> Response:
        """``/api`` or ``/apis``: aggregated if the client asks for a version we offer."""
        accept = headers.get("Accept", "")
        version = negotiate(accept, AGGREGATED_AS, AGGREGATED_GROUP, self.aggregated)
        if version:
            ctype = typed_json(AGGREGATED_AS, AGGREGATED_GROUP, version)
            return self._discovery(("aggregated", which, version), ctype, headers, etag=True)
        return self._discovery((which,), JSON, headers)

    def _get(  # noqa: PLR0911 (a flat routing table)
        self, path: str, query: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        path = path.rstrip("/") or "/"
        if path == "/version":
            return Response(200, _dumps(self.cluster.version))
        if path in ("/healthz", "/livez", "/readyz"):
            return Response(200, b"ok", "text/plain; charset=utf-8")
        if path in ("/api", "/apis"):
            return self._root_discovery(path[1:], headers)
        parts = path.split("/")[1:]
        if parts[0] == "api" and len(parts) == 2:
            return self._discovery(("gv", "", parts[1]), JSON, headers)
        if parts[0] == "apis" and len(parts) == 2:
            return self._discovery(("group", parts[1]), JSON, headers)
        if parts[0] == "apis" and len(parts) == 3:
            return self._discovery(("gv", parts[1], parts[2]), JSON, headers)
        target = self._target(parts)
        if query.get("watch") in ("1", "true"):
            raise ApiError(405, "MethodNotAllowed", "watch is not supported by the fake server")
        if target.name is None:
            return self._list(target, query, headers.get("Accept", ""))
        return self._get_one(target, headers.get("Accept", ""))

    def _target_or_none(self, path: str) -> Target | None:
        try:
            return self._target(path.rstrip("/").split("/")[1:])
        except ApiError:
            return None

    def _target(self, parts: list[str]) -> Target:
        """Resolve ``/api/v1/...`` or ``/apis/g/v/...`` resource URLs; 404 if not served."""
        if len(parts) >= 3 and parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        elif len(parts) >= 4 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise _not_found()
        namespace = None
        # /api/v1/namespaces/<ns>/status is the Namespace's own subresource, not a scope.
        if (
            rest[0] == "namespaces"
            and len(rest) >= 3
            and not (group == "" and len(rest) == 3 and rest[2] in ("status", "finalize"))
        ):
            namespace, rest = rest[1], rest[2:]
        if len(rest) > 3:
            raise _not_found()
        res = self.cluster.resource(group, version, rest[0])
        if res is None or (namespace is not None and not res.namespaced):
            raise _not_found()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub is not None and sub not in res.subresources:
            raise _not_found()
        if name is not None and res.namespaced and namespace is None:
            raise _not_found()  # kube has no route for a namespaced object without namespace
        return Target(res, namespace, name, sub)

    def _list(self, target: Target, query: dict[str, str], accept: str) -> Response:
        res = target.res
        if "list" not in res.verbs:
            raise ApiError(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            )
        meta_version = negotiate(accept, "PartialObjectMetadataList", META_GROUP, ("v1", "v1beta1"))
        if meta_version is None:
            raise _not_acceptable()
        q = ListQuery.parse(query, self.max_limit, self.watch_cache)
        snap = self.cluster.snapshot(res)
        page, meta = list_page(
            snap, target.namespace, q, self.cluster.resource_version, self.remaining_item_count
        )
        if meta_version:
            if not self.metadata_remaining_item_count:
                meta.pop("remainingItemCount", None)
            api_version = f"{META_GROUP}/{meta_version}"
            prefix = f'{{"kind":"PartialObjectMetadata","apiVersion":"{api_version}","metadata":'
            items = [f"{prefix}{snap.metadata_json(i)}}}" for i in page]
            kind, ctype = (
                "PartialObjectMetadataList",
                typed_json("PartialObjectMetadataList", META_GROUP, meta_version),
            )
        else:
            api_version, ctype, kind = res.api_version, JSON, f"{res.kind}List"
            items = [snap.object_json(i, api_version) for i in page]
        # Assembled from pre-serialized items (see Generator.item_json): same bytes as
        # json.dumps of the whole document, a fraction of the time.
        head = _dumps({"kind": kind, "apiVersion": api_version, "metadata": meta})[:-1]
        body = b"".join((head, b',"items":[', ",".join(items).encode(), b"]}"))
        return Response(200, body, ctype)

    def _get_one(self, target: Target, accept: str) -> Response:
        res = target.res
        if target.subresource not in (None, "status"):
            raise ApiError(
                405,
                "MethodNotAllowed",
                f"the fake server does not serve the {target.subresource} subresource",
            )
        key = (target.namespace or "", target.name or "")
        snap = self.cluster.snapshot(res)
        i = bisect_left(snap.keys, key)
        if i >= len(snap.keys) or snap.keys[i] != key:
            raise _not_found(
                f'{res.group_resource} "{target.name}" not found',
                {"name": target.name, "group": res.group, "kind": res.plural},
            )
        meta_version = negotiate(accept, "PartialObjectMetadata", META_GROUP, ("v1", "v1beta1"))
        if meta_version is None:
            raise _not_acceptable()
        entry = snap.entries[i]
        if meta_version:
            api_version = f"{META_GROUP}/{meta_version}"
            doc = {
                "kind": "PartialObjectMetadata",
                "apiVersion": api_version,
                "metadata": entry_metadata(entry),
            }
            ctype = typed_json("PartialObjectMetadata", META_GROUP, meta_version)
            return Response(200, _dumps(doc), ctype)
        return Response(200, _dumps(entry_object(entry, res.api_version)))


def _not_acceptable() -> ApiError:
    return ApiError(
        406,
        "NotAcceptable",
        "only the following media types are accepted: "
        "application/json, application/yaml, application/vnd.kubernetes.protobuf",
    )


def widget_crd(i: int, group: str, version: str = "v1alpha1") -> dict[str, Any]:
    """A small namespaced CRD, ``widget<i>s.<group>``, for clusters of many CRDs."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widget{i:04d}s.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": f"Widget{i:04d}", "plural": f"widget{i:04d}s"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    "subresources": {"status": {}},
                }
            ],
        },
    }


__all__ = [
    "CORPUS",
    "DEFAULT_DISCOVERY",
    "ApiError",
    "FakeApiServer",
    "FakeCluster",
    "Request",
    "Resource",
    "load_manifests",
    "negotiate",
    "parse_accept",
    "parse_field_selector",
    "parse_label_selector",
    "widget_crd",
]
