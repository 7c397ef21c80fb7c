"""A small client for the GitHub REST API at ``$GITHUB_API_URL``.

The standard library is enough for the handful of calls the action makes, and keeps the action's
own scripts free of dependencies: they run before the tool is installed. Two details matter
beyond plain urllib: pages are followed through the ``Link`` header, and a redirect to another
host (artifact downloads go to blob storage) never carries the token along.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

API_VERSION = "2022-11-28"
USER_AGENT = "kubectl-datamodel-action"  # GitHub refuses requests without one
TIMEOUT = 30.0
RETRIES = 3
RETRY_STATUSES = frozenset({500, 502, 503, 504})
MAX_REDIRECTS = 5
NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


class ApiError(Exception):
    """An answer GitHub gave, or a request that got none."""

    def __init__(self, method: str, url: str, status: int | None, message: str) -> None:
        self.status = status
        where = f"{method} {_without_query(url)}"
        super().__init__(f"{where}: {status} {message}" if status else f"{where}: {message}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by hand, to decide per hop whether the token goes along."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


@dataclass
class GitHub:
    api_url: str
    token: str = field(repr=False)
    repository: str

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        self._opener = urllib.request.build_opener(_NoRedirects)

    def get(self, path: str, **params: str | int) -> Any:
        return self.request("GET", path, params=params).json()

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body=body).json()

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body=body).json()

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    def pages(self, path: str, key: str | None = None, **params: str | int) -> Iterator[Any]:
        """Every item of a paginated list, following ``rel="next"`` links. ``key`` names the
        list inside an object answer (``artifacts`` for the artifacts API)."""
        url: str | None = self._url(path, {"per_page": 100, **params})
        while url is not None:
            response = self._send("GET", url, None)
            page = response.json()
            yield from page[key] if key else page
            found = NEXT_LINK.search(response.headers.get("link", ""))
            url = found.group(1) if found else None

    def download(self, path: str) -> bytes:
        """The body at ``path`` after redirects; the token is sent to the API host only."""
        url = self._url(path, {})
        api_host = urllib.parse.urlsplit(self.api_url).netloc
        for _ in range(MAX_REDIRECTS):
            same_host = urllib.parse.urlsplit(url).netloc == api_host
            response = self._send("GET", url, None, authorize=same_host)
            location = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return response.body
            url = urllib.parse.urljoin(url, location)
        raise ApiError("GET", url, None, f"more than {MAX_REDIRECTS} redirects")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        body: Any = None,
    ) -> Response:
        return self._send(method, self._url(path, params or {}), body)

    def repo_path(self, suffix: str) -> str:
        return f"/repos/{self.repository}/{suffix.lstrip('/')}"

    def _url(self, path: str, params: dict[str, str | int]) -> str:
        query = urllib.parse.urlencode(params)
        return f"{self.api_url}{path}" + (f"?{query}" if query else "")

    def _send(self, method: str, url: str, body: Any, *, authorize: bool = True) -> Response:
        """One request, tried again on a server error or a dropped connection."""
        for attempt in range(RETRIES):
            try:
                return self._attempt(method, url, body, authorize=authorize)
            except ApiError as exc:
                if exc.status not in RETRY_STATUSES and exc.status is not None:
                    raise
                if attempt == RETRIES - 1:
                    raise
                time.sleep(2**attempt)
        raise AssertionError("unreachable")

    def _attempt(self, method: str, url: str, body: Any, *, authorize: bool) -> Response:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        }
        if authorize and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - the API URL is the runner's
        try:
            with self._opener.open(request, timeout=TIMEOUT) as answer:
                return Response(answer.status, _headers(answer.headers), answer.read())
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:
                return Response(exc.code, _headers(exc.headers), exc.read())
            raise ApiError(method, url, exc.code, _message(exc.read())) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(method, url, None, f"no answer ({reason})") from None


def _headers(message: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in message.items()}


def _message(body: bytes) -> str:
    """GitHub's own explanation from an error body, on one line."""
    try:
        document = json.loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace").strip().splitlines()[0][:200] if body else ""
    message = str(document.get("message", "")) if isinstance(document, dict) else ""
    details = [
        str(e.get("message") or e.get("code"))
        for e in (document.get("errors") or [] if isinstance(document, dict) else [])
        if isinstance(e, dict)
    ]
    return "; ".join([message, *details]) if details else message


def _without_query(url: str) -> str:
    """URLs in messages lose their query: a signed download link is a credential."""
    return urllib.parse.urlsplit(url)._replace(query="").geturl()
