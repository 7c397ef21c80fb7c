"""A stand-in for GitHub's release downloads, for the action's binary install.

The action downloads ``<base>/v<version>/<file>`` (``KUBECTL_DATAMODEL_RELEASES_URL`` is the
base): the archive scripts/build-binary.py makes, ``SHA256SUMS`` as release.yml writes it, and
``SOURCE-DIGEST``. This serves those from memory on 127.0.0.1 and logs every request, so a test
can say what was downloaded; anything else is a 404, like a missing release asset. (GitHub
answers with a redirect to its asset storage, which urllib follows; that hop is not modelled.)

    with ReleaseServer() as releases:
        releases.publish("0.1.0", {"kubectl-datamodel_0.1.0_linux_amd64.tar.gz": data})
        env = {"KUBECTL_DATAMODEL_RELEASES_URL": releases.url}
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import TrackingHTTPServer


class _Server(TrackingHTTPServer):
    def __init__(self, releases: ReleaseServer) -> None:
        self.releases = releases
        super().__init__(_Handler, "releaseserver-conn")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the log is ReleaseServer.requests."""

    def do_GET(self) -> None:
        releases = self.server.releases
        with releases.lock:
            releases.requests.append(self.path)
            body = releases.files.get(self.path)
        status = 200 if body is not None else 404
        body = body if body is not None else b"Not Found"
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ReleaseServer:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self._httpd = _Server(self)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/releases/download"
        self._thread: threading.Thread | None = None

    def publish(
        self,
        version: str,
        archives: dict[str, bytes],
        *,
        source_digest: str | None = None,
        checksums: dict[str, str] | None = None,
    ) -> None:
        """Release ``version`` with ``archives``, their SHA256SUMS (``checksums`` overrides
        some lines, to lie), and the digest of the source it was built from."""
        sums = {name: hashlib.sha256(data).hexdigest() for name, data in archives.items()}
        sums.update(checksums or {})
        prefix = f"/releases/download/v{version}/"
        with self.lock:
            for name, data in archives.items():
                self.files[prefix + name] = data
            lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
            self.files[prefix + "SHA256SUMS"] = lines.encode()
            if source_digest is not None:
                self.files[prefix + "SOURCE-DIGEST"] = f"{source_digest}\n".encode()

    def downloads(self) -> list[str]:
        """The files asked for, by name."""
        with self.lock:
            return [path.rsplit("/", 1)[-1] for path in self.requests]

    def __enter__(self) -> ReleaseServer:
        self._thread = self._httpd.serve_in_background("releaseserver")
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.stop_serving(self._thread)
        self._thread = None
