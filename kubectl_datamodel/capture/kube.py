"""The Kubernetes API adapter: kubeconfig, the client, and the requests capture makes.

The only module that imports ``kubernetes`` (and the urllib3 under it). Everything talks through
the real client, authenticated by the real kubeconfig loader, so tokens, client certificates and
exec plugins behave exactly as for the client's own API classes. Requests are raw GETs with our
own ``Accept`` headers because the generated API classes cannot ask for aggregated discovery or
metadata-only lists, which are what make capture cheap.

Every failure leaves here as a ``ClusterError`` whose message names the context and what failed;
credentials never appear in a message or in what callers get back.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import urllib3
import yaml
from kubernetes.client import ApiClient, Configuration
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import (
    ENV_KUBECONFIG_PATH_SEPARATOR,
    KubeConfigLoader,
    KubeConfigMerger,
)
from kubernetes.utils import retry

from kubectl_datamodel import __version__, errors
from kubectl_datamodel.options import ClusterOptions

JSON = dict[str, Any]

ACCEPT_JSON = "application/json"
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
ACCEPT_DISCOVERY = f"{AGGREGATED_V2},{AGGREGATED_V2BETA1},{ACCEPT_JSON}"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
ACCEPT_METADATA = f"{METADATA_LIST},{ACCEPT_JSON}"
# How count() asks for its one item, lightest first; PAGING: neither answer carries a count.
PAGING = "paging"
COUNT_ACCEPTS = (ACCEPT_METADATA, ACCEPT_JSON, PAGING)

USER_AGENT = f"kubectl-datamodel/{__version__}"
PAGE_SIZE = 500
DEFAULT_KUBECONFIG = Path("~/.kube/config")
# A continue token expires when etcd compacts past it (410 Gone); the list starts over, a few
# times at most, as kubectl does.
LIST_RESTARTS = 3
# 429 and 5xx are retried with client-go's semantics (a Retry-After header wins over backoff).
RETRY_BACKOFF = retry.Backoff(  # type: ignore[attr-defined]
    steps=5, duration=0.2, factor=2.0, jitter=0.1, cap=5.0
)


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of a list. ``first`` marks the first page of an attempt: after an expired
    continue token the list restarts and the caller drops what it gathered so far."""

    items: list[JSON]
    first: bool
    remaining: int | None
    more: bool


@dataclasses.dataclass(frozen=True)
class Count:
    """How many objects a list holds, and the metadata of one of them (its managedFields say
    which controller writes the status)."""

    total: int
    sample: JSON | None


class Api:
    """One authenticated connection to an API server, shared by capture's worker threads."""

    def __init__(self, client: ApiClient, context: str, settings: ClusterOptions) -> None:
        self._client = client
        self._settings = settings
        self._limiter = _RateLimiter(settings.qps, settings.burst)
        self.context = context
        self.server = _without_userinfo(client.configuration.host)
        self.warnings: list[str] = []
        self._count_accept = ACCEPT_METADATA  # see count()
        if not client.configuration.verify_ssl:
            self.warnings.append(
                f"TLS verification is off for context {context} (insecure-skip-tls-verify)"
            )

    def close(self) -> None:
        self._client.close()

    def get(
        self, path: str, query: Sequence[tuple[str, str | int]] = (), accept: str = ACCEPT_JSON
    ) -> JSON:
        """GET ``path``; retries 429 and 5xx, honouring Retry-After, then gives up loudly."""
        return retry.on_retry_after_error(
            RETRY_BACKOFF, _retryable, lambda: self._get_once(path, query, accept)
        )

    def pages(
        self,
        path: str,
        query: Sequence[tuple[str, str | int]] = (),
        *,
        accept: str = ACCEPT_JSON,
        limit: int = PAGE_SIZE,
    ) -> Iterator[Page]:
        """Page through a list with ``limit``/``continue``, one page in memory at a time."""
        restarts = 0
        token: str | None = None
        while True:
            page_query = [*query, ("limit", limit)]
            if token:
                page_query.append(("continue", token))
            try:
                body = self.get(path, page_query, accept)
            except errors.ApiError as exc:
                if exc.status != 410 or token is None or restarts >= LIST_RESTARTS:
                    raise
                restarts += 1
                token = None
                continue
            metadata = body.get("metadata") or {}
            next_token = metadata.get("continue") or None
            remaining = metadata.get("remainingItemCount")
            yield Page(
                items=list(body.get("items") or ()),
                first=token is None,
                remaining=remaining if isinstance(remaining, int) else None,
                more=next_token is not None,
            )
            if next_token is None:
                return
            token = next_token

    def collect(
        self,
        path: str,
        convert: Callable[[JSON], JSON],
        query: Sequence[tuple[str, str | int]] = (),
        *,
        accept: str = ACCEPT_JSON,
    ) -> list[JSON]:
        """Every item of a list, each passed through ``convert`` as its page arrives, so only
        one page is ever held as the server sent it. A restarted list starts afresh."""
        found: list[JSON] = []
        for page in self.pages(path, query, accept=accept):
            if page.first:
                found.clear()
            found.extend(convert(item) for item in page.items)
        return found

    def count(self, path: str, query: Sequence[tuple[str, str | int]] = ()) -> Count:
        """Count a list without reading it: one item plus the server's ``remainingItemCount``.

        The item is asked for metadata-only, the lightest answer. Some servers leave the count
        out of metadata-only lists (Kubernetes 1.20 does, though it gives it for full lists):
        once one has, this server is asked for one full item instead, so each later count is
        still one request. Only servers that give no count at all are paged through.
        """
        while (accept := self._count_accept) != PAGING:
            first = next(self.pages(path, query, accept=accept, limit=1))
            sample = first.items[0].get("metadata") if first.items else None
            if not first.more:
                return Count(total=len(first.items), sample=sample)
            if first.remaining is not None:
                return Count(total=len(first.items) + first.remaining, sample=sample)
            following = COUNT_ACCEPTS[COUNT_ACCEPTS.index(accept) + 1]
            # other threads may have moved on further already: never step back
            self._count_accept = max(self._count_accept, following, key=COUNT_ACCEPTS.index)
        return self._count_by_paging(path, query)

    def _count_by_paging(self, path: str, query: Sequence[tuple[str, str | int]]) -> Count:
        total, sample = 0, None
        for page in self.pages(path, query, accept=ACCEPT_METADATA):
            if page.first:
                total, sample = 0, page.items[0].get("metadata") if page.items else None
            total += len(page.items)
        return Count(total=total, sample=sample)

    def _get_once(self, path: str, query: Sequence[tuple[str, str | int]], accept: str) -> JSON:
        self._limiter.acquire()
        method, url, headers, _, _ = self._client.param_serialize(
            "GET",
            path,
            query_params=list(query),
            header_params={"Accept": accept},
            auth_settings=["BearerToken"],
        )
        try:
            response = self._client.call_api(
                method, url, header_params=headers, _request_timeout=self._timeout()
            )
            data = response.read()
        except ApiException as exc:  # the client's wrapping of TLS failures
            raise self._tls_error(exc) from None
        except urllib3.exceptions.HTTPError as exc:
            raise self._transport_error(exc, path) from None
        if not 200 <= response.status <= 299:
            raise _api_error(response.status, data, response.headers, path, self.context)
        try:
            body = json.loads(data)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise errors.ClusterError(
                f"GET {path}: the server's answer is not a JSON object (context {self.context})"
            )
        return body

    def _timeout(self) -> tuple[float, float] | None:
        timeout = self._settings.timeout
        return (timeout, timeout) if timeout else None

    def _tls_error(self, exc: ApiException) -> errors.ClusterError:
        reason = str(exc.reason or "").splitlines()[-1]
        return errors.ClusterError(
            f"TLS verification failed for {self.server} (context {self.context}): {reason}"
        )

    def _transport_error(self, exc: urllib3.exceptions.HTTPError, path: str) -> errors.ClusterError:
        cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
        where = f"{self.server} (context {self.context})"
        if isinstance(cause, urllib3.exceptions.SSLError):
            return errors.ClusterError(f"TLS verification failed for {where}: {cause}")
        if isinstance(cause, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
            return errors.ClusterError(f"cannot reach {where}: connection refused")
        if isinstance(cause, urllib3.exceptions.ConnectTimeoutError):
            return errors.ClusterError(f"cannot reach {where}: connection timed out")
        if isinstance(cause, urllib3.exceptions.ReadTimeoutError | TimeoutError):
            return errors.ClusterError(
                f"GET {path} timed out after {self._settings.timeout:g}s "
                f"(--request-timeout) on {where}"
            )
        return errors.ClusterError(f"lost the connection to {where} during GET {path}")


def connect(settings: ClusterOptions) -> Api:
    """Load the kubeconfig the way kubectl does and open a client for the chosen context."""
    merged, current = _load_kubeconfig(settings.kubeconfig)
    context = settings.context or current
    if not context:
        raise errors.KubeconfigError("the kubeconfig sets no current-context; pass --context NAME")
    known = [str(c["name"]) for c in merged.value.get("contexts") or ()]
    if context not in known:
        listed = ", ".join(known) or "none"
        raise errors.KubeconfigError(
            f'context "{context}" not found in the kubeconfig (contexts: {listed})'
        )
    configuration = Configuration()
    try:
        # No config_persister: refreshed tokens are never written back to the user's files.
        KubeConfigLoader(
            config_dict=merged, active_context=context, config_base_path=None
        ).load_and_set(configuration)
    except (ConfigException, KeyError, TypeError, ValueError) as exc:
        raise errors.KubeconfigError(f"context {context}: {_one_line(exc)}") from None
    configuration.connection_pool_maxsize = max(1, settings.concurrency)
    # One retry for a pooled connection the server closed; connect errors fail at once.
    configuration.retries = urllib3.Retry(
        total=2, connect=0, read=1, status=0, redirect=0, other=0, raise_on_status=False
    )
    client = ApiClient(configuration)
    # Audit logs tell this tool from others by its own name, not the client library's.
    client.user_agent = USER_AGENT
    return Api(client, context, settings)


def context_names(explicit: Path | None) -> list[str]:
    """Every context of the kubeconfig (merged as kubectl merges it), in the files' order."""
    merged, _current = _load_kubeconfig(explicit)
    return [str(c["name"]) for c in merged.value.get("contexts") or ()]


def _load_kubeconfig(explicit: Path | None) -> tuple[Any, str | None]:
    """Merge kubeconfig files with kubectl's rule: the first file to set a value wins.

    The client's merger gets entries right but lets the *last* file's current-context win, so
    the current context is worked out here.
    """
    paths = _kubeconfig_paths(explicit)
    try:
        merger = KubeConfigMerger(ENV_KUBECONFIG_PATH_SEPARATOR.join(str(p) for p in paths))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.name}:{mark.line + 1}" if mark else ", ".join(map(str, paths))
        raise errors.KubeconfigError(f"kubeconfig {where}: not valid YAML") from None
    except (ConfigException, OSError) as exc:
        raise errors.KubeconfigError(f"kubeconfig: {_one_line(exc)}") from None
    if merger.config is None:
        raise errors.KubeconfigError(f"kubeconfig {paths[0]}: no configuration found")
    current = next(
        (
            str(merger.config_files[p]["current-context"])
            for p in merger.paths
            if isinstance(merger.config_files[p], dict)
            and merger.config_files[p].get("current-context")
        ),
        None,
    )
    return merger.config, current


def _kubeconfig_paths(explicit: Path | None) -> list[Path]:
    if explicit is not None:
        if not explicit.is_file():
            raise errors.KubeconfigError(f"--kubeconfig {explicit}: no such file")
        return [explicit]
    variable = os.environ.get("KUBECONFIG")
    if variable:
        paths = [Path(p).expanduser() for p in variable.split(os.pathsep) if p]
        existing = [p for p in paths if p.is_file()]
        if not existing:
            raise errors.KubeconfigError(f"KUBECONFIG={variable}: none of these files exists")
        return existing
    default = DEFAULT_KUBECONFIG.expanduser()
    if not default.is_file():
        raise errors.KubeconfigError(
            f"no kubeconfig: {default} does not exist "
            "(pass --kubeconfig or set KUBECONFIG, or read manifests with --from-dir)"
        )
    return [default]


def _api_error(status: int, data: bytes, headers: Any, path: str, context: str) -> errors.ApiError:
    """Turn a failed response into an ApiError carrying the server's own Status message."""
    try:
        body = json.loads(data)
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    reason = str(body.get("reason") or "")
    message = str(body.get("message") or reason or f"HTTP {status}")
    if status == 401:
        return errors.ApiError(
            f"unauthorized: the server rejected the credentials of context {context} (401)",
            status=status,
        )
    return errors.ApiError(
        f"GET {path}: {message} ({status}, context {context})",
        status=status,
        retry_after=headers.get("retry-after"),
    )


def _retryable(exc: Exception) -> bool:
    return isinstance(exc, errors.ApiError) and (exc.status == 429 or exc.status >= 500)


def _without_userinfo(url: str) -> str:
    """The server URL as recorded: never with credentials embedded in it."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.removeprefix("Invalid kube-config file. ")


class _RateLimiter:
    """Client-side token bucket, like client-go's: ``burst`` requests at once, then ``qps``.
    A qps of 0 switches it off."""

    def __init__(self, qps: float, burst: int) -> None:
        self._qps = qps
        self._burst = max(1, burst)
        self._tokens = float(self._burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if self._qps <= 0:
            return
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._qps)
            self._last = now
            self._tokens -= 1
            wait = -self._tokens / self._qps if self._tokens < 0 else 0.0
        if wait:
            time.sleep(wait)
