"""The HTTP server under the test fakes (fakeapi, fakegithub): threaded, on loopback.

It tracks its connections and handler threads, so that stopping it closes idle keep-alive
connections and waits for their handlers: pytest runs with warnings as errors, and a socket or
thread left behind would surface in some later test.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class TrackingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], thread_name: str) -> None:
        self.thread_name = thread_name
        self.connections: set[socket.socket] = set()
        self.threads: set[threading.Thread] = set()
        self.tracking = threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)

    def serve_in_background(self, name: str) -> threading.Thread:
        """serve_forever on a started daemon thread, polling often so that stopping is quick."""
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name=name
        )
        thread.start()
        return thread

    def stop_serving(self, thread: threading.Thread | None) -> None:
        """Stop the loop ``thread`` runs (if started), close every connection, join all threads."""
        if thread is not None:
            self.shutdown()
            thread.join()
        self.server_close()
        self.close_connections()

    def server_bind(self) -> None:
        """Skip HTTPServer's reverse DNS lookup of the bind address (slow on some hosts)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]  # type: ignore[assignment]

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._run, args=(request, client_address), daemon=True, name=self.thread_name
        )
        with self.tracking:
            self.threads.add(thread)
            self.connections.add(request)
        thread.start()

    def _run(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.tracking:
                self.threads.discard(threading.current_thread())
                self.connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: clients hanging up (timeouts, dropped connections) are expected here."""

    def close_connections(self) -> None:
        """Wake handlers blocked reading an idle keep-alive connection, then wait for them."""
        with self.tracking:
            conns, threads = list(self.connections), list(self.threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                # socket.socket.shutdown, not SSLSocket's: that would drop the SSL object the
                # handler thread is still using.
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout=5)
