"""One-shot OAuth redirect listener on 127.0.0.1: one callback with our state, then it closes."""

from __future__ import annotations

import hmac
import re
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ._errors import OAuthError, OAuthStateError, OAuthTimeoutError

__all__ = ["LoopbackListener"]

_ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_PAGE = "<!doctype html><meta charset=utf-8><title>timeline_lab</title><p>{}</p>"


class _Server(HTTPServer):
    listener: LoopbackListener

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); a loopback listener needs none.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a client that connects and says nothing cannot hold the one-thread server forever

    def do_GET(self) -> None:
        listener = self.server.listener
        url = urlsplit(self.path)
        if url.path != listener.path:
            self._reply(404, "Not found.")
            return
        if listener.done:
            self._reply(410, "This sign-in was already completed; start a new one.")
            return
        query = parse_qs(url.query)
        state = query.get("state", [""])[0]
        if not hmac.compare_digest(state.encode(), listener.state.encode()):
            # refused, but the sign-in goes on: a stale tab, a prefetch or a page probing local ports
            # must not end it for the real redirect that follows
            listener.refused += 1
            self._reply(400, "Sign-in rejected: this link is not from the sign-in now in progress.")
            return
        if "error" in query:
            code = query["error"][0]
            shown = code if _ERROR_CODE.fullmatch(code) else "error"
            listener.finish(error=OAuthError(f"authorization refused by the provider: {shown}"))
            self._reply(400, f"Sign-in refused ({shown}). You can close this tab.")
            return
        auth_code = query.get("code", [""])[0]
        if not auth_code:
            listener.finish(error=OAuthError("redirect carried neither a code nor an error"))
            self._reply(400, "Sign-in failed: no authorization code.")
            return
        listener.finish(code=auth_code)
        self._reply(200, "Signed in. You can close this tab and return to timeline_lab.")

    def _reply(self, status: int, text: str) -> None:
        body = _PAGE.format(text).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line carries the authorization code and state."""


class LoopbackListener:
    """Serve `http://127.0.0.1:<port>/callback` until a callback with our state arrives, then stop."""

    def __init__(self, state: str, *, port: int = 0, path: str = "/callback") -> None:
        self.state = state
        self.path = path
        self.done = False
        self.refused = 0  # callbacks whose state was not ours
        self._code: str | None = None
        self._error: OAuthError | None = None
        self._event = threading.Event()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.listener = self
        self.port = int(self._server.server_address[1])
        self.redirect_uri = f"http://127.0.0.1:{self.port}{path}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._closed = False
        self._thread.start()

    def __repr__(self) -> str:
        return f"LoopbackListener({self.redirect_uri!r}, done={self.done})"

    def finish(self, *, code: str | None = None, error: OAuthError | None = None) -> None:
        """Called by the handler thread with the one outcome; later callbacks get 410."""
        self._code, self._error, self.done = code, error, True
        self._event.set()

    def wait(self, timeout: float) -> str:
        """The authorization code; OAuthError (the provider's refusal), else at the timeout
        OAuthStateError (only redirects with another state came) or OAuthTimeoutError."""
        try:
            if not self._event.wait(timeout):
                msg = f"no sign-in redirect reached {self.redirect_uri} within {timeout:g}s"
                if self.refused:
                    msg += f"; {self.refused} with another state refused (a stale tab, or a forged request)"
                    raise OAuthStateError(msg)
                raise OAuthTimeoutError(msg)
        finally:
            self.close()
        if self._error is not None:
            raise self._error
        assert self._code is not None
        return self._code

    def close(self) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> LoopbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
