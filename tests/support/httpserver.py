"""A real HTTP server on 127.0.0.1 for tests: routes map a path to a canned or computed reply."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Handler = Callable[[Request], Reply]


class LocalServer:
    """`server.route("/feed.xml", Reply(body=...))` or `server.route("/x", lambda req: Reply(...))`."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer._serve(self)

            def do_POST(self) -> None:
                outer._serve(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, reply: Reply | Handler) -> None:
        with self._lock:
            self.routes[path] = reply

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        import time

        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        request = Request(
            handler.command,
            parts.path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in handler.headers.items()},
            handler.rfile.read(length) if length else b"",
        )
        with self._lock:
            self.requests.append(request)
            target = self.routes.get(parts.path)
        if target is None:
            reply = Reply(404, "not found", {"Content-Type": "text/plain"})
        elif isinstance(target, Reply):
            reply = target
        else:
            reply = target(request)
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.encoded()
        try:
            handler.send_response(reply.status)
            headers = {"Content-Length": str(len(body)), **reply.headers}
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            if handler.command != "HEAD" and reply.status not in (204, 304):
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class DripServer:
    """Answers its first request with headers, then one byte every half second, forever;
    later requests get the whole feed at once."""

    def __init__(self, feed: bytes) -> None:
        self.feed = feed
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by stop()
            self.connections += 1
            drip = self.connections == 1
            threading.Thread(target=self._serve, args=(conn, drip), daemon=True).start()

    def _serve(self, conn: socket.socket, drip: bool) -> None:
        with conn:
            try:
                conn.recv(65536)
                if not drip:
                    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(self.feed)}\r\n"
                    conn.sendall(head.encode() + b"Content-Type: application/rss+xml\r\n\r\n")
                    conn.sendall(self.feed)
                    return
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                )
                while not self.stopping.wait(0.5):
                    conn.sendall(b"1\r\n \r\n")
            except OSError:
                return  # the client gave up, as it should

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(timeout=2)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at least right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
