"""The HTTP(S) server: :class:`FakeApiServer` answers GETs from a :class:`FakeCluster` the
way kube-apiserver does (authentication, RBAC refusals, discovery, lists, gzip, faults and
hangs on demand) and logs every request."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import socket
import ssl
import threading
import time
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support.fakeapi.cluster import FakeCluster
from tests.support.fakeapi.objects import Resource, entry_metadata, entry_object
from tests.support.fakeapi.paging import ListQuery, list_page
from tests.support.fakeapi.protocol import (
    _NOT_FOUND_MESSAGE,
    AGGREGATED_AS,
    AGGREGATED_GROUP,
    JSON,
    META_GROUP,
    REASONS,
    ApiError,
    Request,
    _dumps,
    _not_found,
    negotiate,
    typed_json,
)
from tests.support.loopback import TrackingHTTPServer

if TYPE_CHECKING:
    import trustme

#: The name in 403 messages for requests authenticated by the bearer token (kube would report
#: the token's user; a fixed, recognisable name keeps assertions simple).
BEARER_USER = "fakeapi-user"
#: kube compresses responses larger than this when the client accepts gzip.
GZIP_THRESHOLD = 128 * 1024
EXPIRED_CONTINUE_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter."
)


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
        agent = self.headers.get("User-Agent", "")
        user = fake.authenticate(self.headers.get("Authorization", ""), self._client_cn())
        if not fake.reserve_answer():
            self.close_connection = True
            elapsed = time.monotonic() - started
            fake.log(Request(self.command, path, query, accept, 0, user, elapsed, agent, started))
            return
        negotiation = {"Accept": accept, "If-None-Match": self.headers.get("If-None-Match", "")}
        resp = fake.respond(self.command, path, query, negotiation, user)
        # Logged before the answer goes out: once a client has its answer, the log shows it.
        elapsed = time.monotonic() - started
        fake.log(
            Request(self.command, path, query, accept, resp.status, user, elapsed, agent, started)
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
