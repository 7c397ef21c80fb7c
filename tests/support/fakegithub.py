"""A fake GitHub REST API (v3) for the tests of our composite GitHub Action.

Why this exists: the action's scripts talk to ``$GITHUB_API_URL`` with ``urllib`` to find the
baseline artifact of the default branch, download it, and post or update a pull request comment.
What goes wrong in practice only shows up on the wire: ``Link`` header pagination, the 302 from
``/zip`` to blob storage on another host (where the token must *not* follow), expired artifacts,
the 403 a fork's read-only token gets, the 422 for a comment over 65536 characters. Mocking
``urllib`` would test our assumptions about GitHub rather than GitHub, so this module speaks HTTP
and JSON the way ``api.github.com`` does (docs.github.com/rest), with the standard library only.

Usage::

    github = FakeGitHub(repository="acme/widgets", read_only_token="ghs_fork",
                        user_tokens={"ghp_personal": "octocat"})
    run = github.add_run(7, branch="main")
    github.add_artifact("datamodel-baseline", {"inventory.db": data}, run_id=run)
    github.add_pull(12, head_sha="a" * 40)
    github.add_comment(12, "LGTM", login="octocat")
    with FakeGitHubServer(github) as server:
        env = {"GITHUB_API_URL": server.url, "GITHUB_TOKEN": github.token, ...}
        ...
    assert [c["user"]["login"] for c in github.comments(12)] == ["octocat", "github-actions[bot]"]
    assert all(d.authorization is None for d in github.downloads)

The blob store is the same server reached as ``http://localhost:PORT`` while the API is
``http://127.0.0.1:PORT``, so a client following the redirect sees a change of host.

Two kinds of token, as on GitHub. ``token`` and ``read_only_token`` are installation tokens
(the workflow's ``GITHUB_TOKEN``): what they post is written by ``github-actions[bot]``
(``performed_via_github_app`` names the app), and ``GET /user`` answers them 403 "Resource not
accessible by integration". ``user_tokens`` are personal access tokens: ``GET /user`` names
their user, and what they post is written by that user. Comment ownership is GitHub's: a token
that may write to the repository may edit and delete *anyone's* comment, so it is up to the
client to touch only its own.

What is deliberately *not* modelled: any endpoint not listed in :meth:`FakeGitHub._routes`
(they answer 404 like GitHub's unknown routes), rate limits (use :meth:`FakeGitHub.fail_next`),
``/api/v3`` path prefixes of GitHub Enterprise Server, and chunked request bodies.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import secrets
import threading
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.support.loopback import TrackingHTTPServer

JSON = "application/json; charset=utf-8"
DOCS = "https://docs.github.com/rest"
COMMENT_DOCS = f"{DOCS}/issues/comments"
ARTIFACT_DOCS = f"{DOCS}/actions/artifacts"
#: The login and user id GitHub shows for comments made with a workflow's ``GITHUB_TOKEN``.
BOT_LOGIN = "github-actions[bot]"
BOT_ID = 41898282
#: The GitHub App behind ``GITHUB_TOKEN``, as ``performed_via_github_app`` shows it.
ACTIONS_APP = {"id": 15368, "slug": "github-actions", "name": "GitHub Actions"}
INTEGRATION_MESSAGE = "Resource not accessible by integration"
#: GitHub rejects issue comment bodies longer than this (in characters).
MAX_COMMENT_CHARS = 65536
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
#: Every timestamp is this plus one second per event, so ordering is strict and deterministic.
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
#: Fixed zip member timestamps make archives byte-for-byte reproducible.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
USER_AGENT_MESSAGE = (
    "Request forbidden by administrative rules. "
    "Please make sure your request has a User-Agent header"
)

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    """ISO 8601 in UTC with second precision, the format of every GitHub timestamp."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """A zip with ``files`` at its root, as actions/upload-artifact produces it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _user_id(login: str) -> int:
    """A stable made-up user id (the real one for the Actions bot)."""
    if login == BOT_LOGIN:
        return BOT_ID
    return int(hashlib.sha256(login.encode()).hexdigest()[:7], 16)


def _int_param(value: str | None, default: int) -> int:
    """A positive integer query parameter; anything else means ``default``, as on GitHub."""
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if number > 0 else default


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


@dataclass
class Request:
    """One request as the server received it (header names lower-cased)."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes
    status: int = 0  # filled in once answered

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Run:
    id: int
    head_branch: str
    conclusion: str | None  # "success", "failure", ... or None while running
    status: str  # "completed" or "in_progress"
    head_sha: str
    head_repository_id: int
    created_at: str


@dataclass
class Artifact:
    id: int
    name: str
    run_id: int
    archive: bytes  # the zip served by the blob store
    expired: bool
    created_at: str

    @property
    def size_in_bytes(self) -> int:
        return len(self.archive)


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    login: str
    created_at: str
    updated_at: str


@dataclass
class Pull:
    number: int
    head_sha: str
    head_repository: str  # owner/name of the head branch's repository (a fork's, or ours)
    head_ref: str = "feature"


@dataclass
class Download:
    """A request to the blob store: which artifact, on which Host, with which credentials."""

    artifact_id: int | None
    host: str
    authorization: str | None  # the Authorization header sent to blob storage: should be None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    message: str | None
    headers: list[tuple[str, str]]


@dataclass
class _Call:
    """A routed API request: the path's parameters and the parsed query."""

    request: Request
    path: str
    params: dict[str, str]
    query: dict[str, str]


def _json(status: int, doc: Any, headers: Sequence[tuple[str, str]] = ()) -> Response:
    return Response(status, _dumps(doc), JSON, list(headers))


def _error(status: int, message: str, docs: str = DOCS, **extra: Any) -> Response:
    return _json(status, {"message": message, **extra, "documentation_url": docs})


def _not_found() -> Response:
    return _error(404, "Not Found")


def _blob_error(status: int, code: str) -> Response:
    """Blob storage (Azure) errors are XML, not GitHub JSON."""
    body = f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code></Error>'
    return Response(status, body.encode(), "application/xml")


Route = tuple[str, re.Pattern[str], Callable[[_Call], Response]]
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


@dataclass(eq=False)
class FakeGitHub:
    """One repository's runs, artifacts and PR comments, plus a request log and faults.

    Thread-safe: the server's handler threads and the test share one lock. ``token`` is the
    workflow's ``GITHUB_TOKEN``; ``read_only_token`` (when set) may read but gets 403 on writes,
    like the token of a pull request from a fork. ``token=None`` turns authentication off.
    """

    repository: str = "owner/repo"
    default_branch: str = "main"
    token: str | None = "ghs_fake_token"
    read_only_token: str | None = None
    #: Personal access tokens: token -> the login of the user it belongs to.
    user_tokens: dict[str, str] = field(default_factory=dict)
    repository_id: int = 1296269
    #: Set by :class:`FakeGitHubServer`: the base of URLs inside answers and of the redirect.
    api_url: str = "https://api.github.com"
    blob_url: str = "https://blob.example"

    runs: dict[int, Run] = field(default_factory=dict, init=False)
    artifacts: list[Artifact] = field(default_factory=list, init=False)
    requests: list[Request] = field(default_factory=list, init=False)
    downloads: list[Download] = field(default_factory=list, init=False)
    pulls: dict[int, Pull] = field(default_factory=dict, init=False)
    _comments: dict[int, Comment] = field(default_factory=dict, init=False, repr=False)
    _faults: list[_Fault] = field(default_factory=list, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    _clock: int = field(default=0, init=False, repr=False)
    _next_id: int = field(default=1000, init=False, repr=False)
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(16), init=False, repr=False)

    # -- seeding and inspection ----------------------------------------------------------------

    def add_run(
        self,
        run_id: int,
        *,
        branch: str = "main",
        conclusion: str | None = "success",
        status: str | None = None,
        head_repository_id: int | None = None,
    ) -> int:
        """Add (or replace) a workflow run; ``status`` defaults from ``conclusion``.

        ``head_repository_id`` other than :attr:`repository_id` makes it a fork's run."""
        with self._lock:
            self.runs[run_id] = Run(
                id=run_id,
                head_branch=branch,
                conclusion=conclusion,
                status=status or ("in_progress" if conclusion is None else "completed"),
                head_sha=hashlib.sha1(f"run-{run_id}".encode(), usedforsecurity=False).hexdigest(),
                head_repository_id=head_repository_id or self.repository_id,
                created_at=self._tick(),
            )
            return run_id

    def add_artifact(
        self,
        name: str,
        files: Mapping[str, bytes] | bytes,
        *,
        run_id: int,
        branch: str = "main",
        conclusion: str | None = "success",
        expired: bool = False,
        head_repository_id: int | None = None,
    ) -> int:
        """Upload an artifact (``files`` zipped at the root, or raw ``bytes`` as the archive,
        e.g. a corrupt one) and return its id. The run is created if it does not exist yet
        (``branch``, ``conclusion``, ``head_repository_id`` only apply then)."""
        with self._lock:
            if run_id not in self.runs:
                self.add_run(
                    run_id,
                    branch=branch,
                    conclusion=conclusion,
                    head_repository_id=head_repository_id,
                )
            archive = files if isinstance(files, bytes) else zip_files(files)
            artifact = Artifact(self._new_id(), name, run_id, archive, expired, self._tick())
            self.artifacts.append(artifact)
            return artifact.id

    def add_pull(self, number: int, *, head_sha: str, head_repository: str | None = None) -> None:
        """Open (or move the head of) pull request ``number``; its head branch is in this
        repository unless ``head_repository`` names a fork."""
        with self._lock:
            self.pulls[number] = Pull(number, head_sha, head_repository or self.repository)

    def add_comment(self, issue: int, body: str, *, login: str = "octocat") -> int:
        """Pre-seed a comment on pull request ``issue`` (by someone else, by default)."""
        with self._lock:
            now = self._tick()
            comment = Comment(self._new_id(), issue, body, login, now, now)
            self._comments[comment.id] = comment
            return comment.id

    def comments(self, issue: int) -> list[dict[str, Any]]:
        """The comments on ``issue``, oldest first, exactly as the API renders them."""
        with self._lock:
            return [self._comment_json(c) for c in self._issue_comments(issue)]

    def calls(self, method: str, path_regex: str) -> list[Request]:
        """Logged requests with this method (``"*"``: any) whose path+query matches
        ``path_regex`` (re.search)."""
        pattern = re.compile(path_regex)
        with self._lock:
            return [
                r
                for r in self.requests
                if method == "*" or method.upper() == r.method
                if pattern.search(r.path)
            ]

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        *,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The next ``times`` requests with this method (``"*"``: any) whose path+query matches
        ``path_regex`` answer ``status`` with a GitHub JSON error (before auth or routing, and
        on the blob store too). ``headers`` are added, e.g. ``{"Retry-After": "1"}``."""
        with self._lock:
            self._faults.append(
                _Fault(
                    method.upper(),
                    re.compile(path_regex),
                    status,
                    times,
                    message,
                    list((headers or {}).items()),
                )
            )

    # -- serving -------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one request (``target``: path and query) and log it."""
        request = Request(method, target, {k.lower(): v for k, v in headers.items()}, body)
        with self._lock:
            self.requests.append(request)
            response = self._answer(request)
            request.status = response.status
            return response

    def _answer(self, request: Request) -> Response:
        fault = self._take_fault(request)
        if fault is not None:
            doc = {"message": fault.message or HTTPStatus(fault.status).phrase}
            return _json(fault.status, {**doc, "documentation_url": DOCS}, fault.headers)
        url = urlsplit(request.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path.startswith("/blob/"):
            return self._blob(url.path, query, request)
        if not request.header("user-agent"):
            return _error(403, USER_AGENT_MESSAGE)
        if url.path == "/user" and request.method in ("GET", "HEAD"):
            return self._get_user(request)
        if url.path.startswith("/repos/"):
            denied = self._authorize(request)
            if denied is not None:
                return denied
        return self._route(request, url.path, query)

    def _route(self, request: Request, path: str, query: dict[str, str]) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        for verb, pattern, handler in self._routes():
            match = pattern.fullmatch(path)
            if verb == method and match is not None:
                params = match.groupdict()
                if f"{params['owner']}/{params['repo']}".lower() != self.repository.lower():
                    return _not_found()
                return handler(_Call(request, path, params, query))
        return _not_found()

    def _authorize(self, request: Request) -> Response | None:
        """401 without a known token; 403 for writes with the read-only token."""
        if self.token is None:
            return None
        credential = self._credential(request)
        if credential is None or credential not in (
            self.token,
            self.read_only_token,
            *self.user_tokens,
        ):
            return _error(401, "Bad credentials")
        if credential == self.read_only_token and request.method not in ("GET", "HEAD"):
            return _error(403, INTEGRATION_MESSAGE, COMMENT_DOCS)
        return None

    @staticmethod
    def _credential(request: Request) -> str | None:
        scheme, _, credential = (request.header("authorization") or "").partition(" ")
        return credential if scheme.lower() in ("bearer", "token") else None

    def _author(self, request: Request) -> str:
        """Who a write is made as: the user of a personal token, else the Actions bot."""
        return self.user_tokens.get(self._credential(request) or "", BOT_LOGIN)

    def _routes(self) -> list[Route]:
        return [
            ("GET", re.compile(_REPO), self._get_repository),
            ("GET", re.compile(_REPO + r"/actions/artifacts"), self._list_artifacts),
            ("GET", re.compile(_REPO + r"/actions/runs/(?P<id>\d+)"), self._get_run),
            (
                "GET",
                re.compile(_REPO + r"/actions/runs/(?P<id>\d+)/artifacts"),
                self._list_run_artifacts,
            ),
            ("GET", re.compile(_REPO + r"/pulls/(?P<id>\d+)"), self._get_pull),
            ("GET", re.compile(_REPO + r"/actions/artifacts/(?P<id>\d+)/zip"), self._zip),
            ("GET", re.compile(_REPO + r"/issues/(?P<id>\d+)/comments"), self._list_comments),
            ("POST", re.compile(_REPO + r"/issues/(?P<id>\d+)/comments"), self._create_comment),
            ("PATCH", re.compile(_REPO + r"/issues/comments/(?P<id>\d+)"), self._update_comment),
            ("DELETE", re.compile(_REPO + r"/issues/comments/(?P<id>\d+)"), self._delete_comment),
        ]

    # -- endpoints -----------------------------------------------------------------------------

    def _get_repository(self, _call: _Call) -> Response:
        owner, _, name = self.repository.partition("/")
        return _json(
            200,
            {
                "id": self.repository_id,
                "name": name,
                "full_name": self.repository,
                "owner": {"login": owner, "type": "Organization"},
                "private": False,
                "default_branch": self.default_branch,
                "html_url": f"https://github.com/{self.repository}",
                "url": f"{self.api_url}/repos/{self.repository}",
            },
        )

    def _list_artifacts(self, call: _Call) -> Response:
        name = call.query.get("name")
        found = [a for a in self.artifacts if name is None or a.name == name]
        found.sort(key=lambda a: (a.created_at, a.id), reverse=True)
        page, links = self._paginate(found, call)
        doc = {"total_count": len(found), "artifacts": [self._artifact_json(a) for a in page]}
        return _json(200, doc, links)

    def _get_user(self, request: Request) -> Response:
        """``GET /user``: the user of a personal token; an installation token has none."""
        credential = self._credential(request)
        if self.token is not None and credential in (self.token, self.read_only_token):
            return _error(403, INTEGRATION_MESSAGE, f"{DOCS}/users/users")
        login = self.user_tokens.get(credential or "")
        if login is None:
            return _error(401, "Bad credentials")
        return _json(200, {"login": login, "id": _user_id(login), "type": "User"})

    def _list_run_artifacts(self, call: _Call) -> Response:
        run_id = int(call.params["id"])
        if run_id not in self.runs:
            return _not_found()
        name = call.query.get("name")
        found = [
            a for a in self.artifacts if a.run_id == run_id and (name is None or a.name == name)
        ]
        found.sort(key=lambda a: (a.created_at, a.id), reverse=True)
        page, links = self._paginate(found, call)
        doc = {"total_count": len(found), "artifacts": [self._artifact_json(a) for a in page]}
        return _json(200, doc, links)

    def _get_pull(self, call: _Call) -> Response:
        pull = self.pulls.get(int(call.params["id"]))
        if pull is None:
            return _not_found()
        owner = pull.head_repository.partition("/")[0]
        return _json(
            200,
            {
                "number": pull.number,
                "state": "open",
                "head": {
                    "ref": pull.head_ref,
                    "sha": pull.head_sha,
                    "label": f"{owner}:{pull.head_ref}",
                    "repo": {"full_name": pull.head_repository},
                },
                "base": {
                    "ref": self.default_branch,
                    "repo": {"full_name": self.repository, "id": self.repository_id},
                },
                "html_url": f"https://github.com/{self.repository}/pull/{pull.number}",
            },
        )

    def _get_run(self, call: _Call) -> Response:
        run = self.runs.get(int(call.params["id"]))
        return _not_found() if run is None else _json(200, self._run_json(run))

    def _zip(self, call: _Call) -> Response:
        artifact = self._artifact(int(call.params["id"]))
        if artifact is None:
            return _not_found()
        if artifact.expired:
            return _error(410, "Artifact has expired", ARTIFACT_DOCS)
        expiry = _iso(EPOCH + timedelta(days=3650))
        query = urlencode(
            {"sv": "2021-12-02", "se": expiry, "sp": "r", "sig": self._sign(artifact.id)}
        )
        location = f"{self.blob_url}/blob/artifacts/{artifact.id}.zip?{query}"
        return Response(302, content_type=None, headers=[("Location", location)])

    def _list_comments(self, call: _Call) -> Response:
        page, links = self._paginate(self._issue_comments(int(call.params["id"])), call)
        return _json(200, [self._comment_json(c) for c in page], links)

    def _create_comment(self, call: _Call) -> Response:
        body = _comment_body(call.request)
        if isinstance(body, Response):
            return body
        now = self._tick()
        author = self._author(call.request)
        comment = Comment(self._new_id(), int(call.params["id"]), body, author, now, now)
        self._comments[comment.id] = comment
        doc = self._comment_json(comment)
        return _json(201, doc, [("Location", doc["url"])])

    def _update_comment(self, call: _Call) -> Response:
        comment = self._comments.get(int(call.params["id"]))
        if comment is None:
            return _not_found()
        body = _comment_body(call.request)
        if isinstance(body, Response):
            return body
        comment.body = body
        comment.updated_at = self._tick()
        return _json(200, self._comment_json(comment))

    def _delete_comment(self, call: _Call) -> Response:
        if self._comments.pop(int(call.params["id"]), None) is None:
            return _not_found()
        return Response(204, content_type=None)

    def _blob(self, path: str, query: Mapping[str, str], request: Request) -> Response:
        """The blob store: no GitHub auth, a signed URL instead."""
        match = re.fullmatch(r"/blob/artifacts/(\d+)\.zip", path)
        artifact = self._artifact(int(match[1])) if match else None
        self.downloads.append(
            Download(
                artifact.id if artifact else None,
                request.header("host") or "",
                request.header("authorization"),
            )
        )
        if artifact is None:
            return _blob_error(404, "BlobNotFound")
        if not hmac.compare_digest(query.get("sig", ""), self._sign(artifact.id)):
            return _blob_error(403, "AuthenticationFailed")
        return Response(200, artifact.archive, "application/zip")

    # -- rendering -----------------------------------------------------------------------------

    def _artifact_json(self, artifact: Artifact) -> dict[str, Any]:
        run = self.runs[artifact.run_id]
        url = f"{self.api_url}/repos/{self.repository}/actions/artifacts/{artifact.id}"
        created = datetime.strptime(artifact.created_at, "%Y-%m-%dT%H:%M:%SZ")
        return {
            "id": artifact.id,
            "node_id": f"MDg6QXJ0aWZhY3Q{artifact.id}",
            "name": artifact.name,
            "size_in_bytes": artifact.size_in_bytes,
            "url": url,
            "archive_download_url": f"{url}/zip",
            "expired": artifact.expired,
            "digest": "sha256:" + hashlib.sha256(artifact.archive).hexdigest(),
            "created_at": artifact.created_at,
            "updated_at": artifact.created_at,
            "expires_at": _iso(created.replace(tzinfo=timezone.utc) + timedelta(days=90)),
            "workflow_run": {
                "id": run.id,
                "repository_id": self.repository_id,
                "head_repository_id": run.head_repository_id,
                "head_branch": run.head_branch,
                "head_sha": run.head_sha,
            },
        }

    def _run_json(self, run: Run) -> dict[str, Any]:
        head_repository = self.repository
        if run.head_repository_id != self.repository_id:
            head_repository = f"fork-{run.head_repository_id}/{self.repository.partition('/')[2]}"
        return {
            "id": run.id,
            "name": "CI",
            "head_branch": run.head_branch,
            "head_sha": run.head_sha,
            "run_number": run.id,
            "event": "push" if run.head_repository_id == self.repository_id else "pull_request",
            "status": run.status,
            "conclusion": run.conclusion,
            "url": f"{self.api_url}/repos/{self.repository}/actions/runs/{run.id}",
            "html_url": f"https://github.com/{self.repository}/actions/runs/{run.id}",
            "created_at": run.created_at,
            "updated_at": run.created_at,
            "repository": {"id": self.repository_id, "full_name": self.repository},
            "head_repository": {"id": run.head_repository_id, "full_name": head_repository},
        }

    def _comment_json(self, comment: Comment) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{self.repository}"
        is_bot = comment.login.endswith("[bot]")
        return {
            "id": comment.id,
            "node_id": f"IC_kwDO{comment.id}",
            "url": f"{api}/issues/comments/{comment.id}",
            "html_url": (
                f"https://github.com/{self.repository}/pull/{comment.issue}"
                f"#issuecomment-{comment.id}"
            ),
            "issue_url": f"{api}/issues/{comment.issue}",
            "body": comment.body,
            "user": {
                "login": comment.login,
                "id": _user_id(comment.login),
                "type": "Bot" if is_bot else "User",
            },
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": "NONE" if is_bot else "CONTRIBUTOR",
            "performed_via_github_app": ACTIONS_APP if comment.login == BOT_LOGIN else None,
        }

    # -- internals -----------------------------------------------------------------------------

    def _paginate(self, items: Sequence[T], call: _Call) -> tuple[list[T], list[tuple[str, str]]]:
        """One page of ``items`` and GitHub's RFC 5988 ``Link`` header (absolute URLs)."""
        per_page = min(_int_param(call.query.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
        page = _int_param(call.query.get("page"), 1)
        last = max(1, -(-len(items) // per_page))

        def link(number: int, rel: str) -> str:
            query = urlencode({**call.query, "page": str(number)})
            return f'<{self.api_url}{call.path}?{query}>; rel="{rel}"'

        links = []
        if page > 1:
            links.append(link(min(page - 1, last), "prev"))
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links.append(link(1, "first"))
        chunk = list(items[(page - 1) * per_page : page * per_page])
        return chunk, [("Link", ", ".join(links))] if links else []

    def _issue_comments(self, issue: int) -> list[Comment]:
        found = [c for c in self._comments.values() if c.issue == issue]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    def _artifact(self, artifact_id: int) -> Artifact | None:
        return next((a for a in self.artifacts if a.id == artifact_id), None)

    def _take_fault(self, request: Request) -> _Fault | None:
        for fault in self._faults:
            if (
                fault.times > 0
                and fault.method in ("*", request.method)
                and fault.pattern.search(request.path)
            ):
                fault.times -= 1
                return fault
        return None

    def _sign(self, artifact_id: int) -> str:
        return hmac.new(self._secret, str(artifact_id).encode(), hashlib.sha256).hexdigest()

    def _tick(self) -> str:
        """The next timestamp: strictly increasing, one second per event."""
        self._clock += 1
        return _iso(EPOCH + timedelta(seconds=self._clock))

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id


def _comment_body(request: Request) -> str | Response:
    """The ``body`` of a comment create/update, or GitHub's 400/422 answer."""
    try:
        doc = request.json()
    except ValueError:
        return _error(400, "Problems parsing JSON", COMMENT_DOCS)
    if not isinstance(doc, dict) or "body" not in doc:
        return _error(422, 'Invalid request.\n\n"body" wasn\'t supplied.', COMMENT_DOCS)
    body = doc["body"]
    if not isinstance(body, str):
        return _error(
            422,
            f"Invalid request.\n\nFor 'properties/body', {body!r} is not a string.",
            COMMENT_DOCS,
        )
    if len(body) > MAX_COMMENT_CHARS:
        error = {
            "resource": "IssueComment",
            "code": "custom",
            "field": "body",
            "message": f"body is too long (maximum is {MAX_COMMENT_CHARS} characters)",
        }
        return _error(422, "Validation Failed", COMMENT_DOCS, errors=[error])
    return body


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


class _HTTPServer(TrackingHTTPServer):
    def __init__(self, github: FakeGitHub) -> None:
        self.github = github
        super().__init__(_Handler, "fakegithub-conn")


class _Handler(BaseHTTPRequestHandler):
    """Reads requests and writes the answers FakeGitHub computes."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are dropped eventually
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is :attr:`FakeGitHub.requests`."""

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        github = self.server.github
        response = github.handle(self.command, self.path, dict(self.headers.items()), body)
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Server", "GitHub.com")
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        if response.content_type == JSON:
            self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self.wfile.flush()

    # Every method goes through the same dispatcher (unknown routes answer 404).
    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815 - http.server names


class FakeGitHubServer:
    """Serves a :class:`FakeGitHub` on ``127.0.0.1`` (API) and ``localhost`` (blob store).

    The port is bound on construction, so :attr:`url` is known before :meth:`start`.
    """

    def __init__(self, github: FakeGitHub | None = None) -> None:
        self.github = github if github is not None else FakeGitHub()
        self._httpd = _HTTPServer(self.github)
        self.port: int = self._httpd.server_address[1]
        #: What a test sets as ``GITHUB_API_URL``.
        self.url = f"http://127.0.0.1:{self.port}"
        #: The blob store's origin: the same server under another host name.
        self.blob_url = f"http://localhost:{self.port}"
        self.github.api_url = self.url
        self.github.blob_url = self.blob_url
        self._thread: threading.Thread | None = None

    def start(self) -> FakeGitHubServer:
        """Serve on a daemon thread."""
        if self._thread is None:
            self._thread = self._httpd.serve_in_background("fakegithub-server")
        return self

    def stop(self) -> None:
        """Stop accepting, close every connection and join all threads."""
        self._httpd.stop_serving(self._thread)
        self._thread = None

    def __enter__(self) -> FakeGitHubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
