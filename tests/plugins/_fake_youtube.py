"""A local YouTube upload endpoint (Tornado on 127.0.0.1) that checks what Google checks, plus faults.

It validates the session request, every ``Content-Range`` (contiguous, 256 KiB multiples, right
total and length) and the bearer token against the fake OAuth server's live tokens, and reassembles
the bytes. Faults are queued on :class:`FakeYouTube`: statuses to answer instead, a connection to
drop in the middle of a chunk, a token to revoke after some chunks, a session URI on another host.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import tornado.web

from tests.security.fakes import FakeAuth

QUANTUM = 256 * 1024
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_QUERY = re.compile(r"^bytes \*/(\d+)$")


@dataclass
class Session:
    total: int
    content_type: str
    metadata: dict[str, Any]
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None


@dataclass
class FakeYouTube:
    auth: FakeAuth
    sessions: dict[str, Session] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)  # (method, Content-Range or "session")
    violations: list[str] = field(default_factory=list)
    post_faults: list[int] = field(default_factory=list)  # statuses for the next session requests
    put_faults: list[int] = field(default_factory=list)  # statuses for the next data chunks
    drop_chunk: int | None = None  # index of the data chunk whose connection is cut halfway
    revoke_after_chunks: int | None = None  # the token in use stops working after this many chunks
    location_host: str = "127.0.0.1"
    refuse_post: tuple[int, dict[str, Any]] | None = None
    chunks_seen: int = 0
    chunks_stored: int = 0

    def reset(self) -> None:
        """Fresh sessions and fault queues (the server itself lives for the whole module)."""
        self.__init__(self.auth)  # type: ignore[misc]

    def only(self) -> Session:
        assert len(self.sessions) == 1, self.sessions
        return next(iter(self.sessions.values()))


def _error(reason: str, message: str) -> dict[str, Any]:
    return {"error": {"code": 400, "message": message, "errors": [{"reason": reason}]}}


@tornado.web.stream_request_body
class _Videos(tornado.web.RequestHandler):
    """POST opens a session; PUT sends a chunk (``bytes a-b/total``) or asks (``bytes */total``)."""

    def initialize(self, yt: FakeYouTube) -> None:
        self.yt = yt

    def prepare(self) -> None:
        self.body = bytearray()
        self.drop = False
        if self.request.method == "PUT" and _RANGE.match(self.request.headers.get("Content-Range", "")):
            self.drop = self.yt.drop_chunk == self.yt.chunks_seen
            self.yt.chunks_seen += 1

    def data_received(self, chunk: bytes) -> None:
        if self.drop:  # keep part of what arrived (as Google may), then cut the connection mid-chunk
            self.drop = False
            session = self.yt.sessions[self.get_query_argument("upload_id")]
            session.data += chunk[: len(chunk) // 2 + 1]
            self.yt.log.append(("PUT", "dropped"))
            self.request.connection.close()  # type: ignore[union-attr]
            return
        self.body += chunk

    def _token(self) -> str | None:
        auth = self.request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        return token if auth.startswith("Bearer ") and token in self.yt.auth.access_tokens else None

    def _fail(self, status: int, body: dict[str, Any] | None = None) -> None:
        self.set_status(status)
        self.finish(body or {"error": {"code": status, "message": "fault"}})

    def post(self) -> None:
        yt, h = self.yt, self.request.headers
        yt.log.append(("POST", "session"))
        if self._token() is None:
            return self._fail(401)
        if yt.post_faults:
            return self._fail(yt.post_faults.pop(0))
        if yt.refuse_post:
            return self._fail(*yt.refuse_post)
        meta = json.loads(self.body)
        ok = (
            self.get_query_argument("uploadType") == "resumable"
            and self.get_query_argument("part") == "snippet,status"
            and h.get("Content-Type", "").startswith("application/json")
            and h.get("X-Upload-Content-Length", "").isdigit()
            and h.get("X-Upload-Content-Type", "").startswith(("video/", "application/octet-stream"))
            and meta["snippet"]["title"]
        )
        if not ok:
            yt.violations.append(f"bad session request {dict(h)!r}")
            return self._fail(400, _error("invalidMetadata", "bad session request"))
        sid = secrets.token_hex(8)
        yt.sessions[sid] = Session(int(h["X-Upload-Content-Length"]), h["X-Upload-Content-Type"], meta)
        port = self.request.host.rsplit(":", 1)[1]
        self.set_header("Location", f"http://{yt.location_host}:{port}/upload/youtube/v3/videos"
                                    f"?uploadType=resumable&upload_id={sid}")  # fmt: skip
        self.finish()

    def put(self) -> None:
        yt = self.yt
        session = yt.sessions.get(self.get_query_argument("upload_id", ""))
        if session is None:
            return self._fail(404)
        crange = self.request.headers.get("Content-Range", "")
        yt.log.append(("PUT", crange))
        token = self._token()
        if token is None:
            return self._fail(401)
        if q := _QUERY.match(crange):
            if self.body or int(q.group(1)) != session.total:
                yt.violations.append(f"bad status query {crange!r} with {len(self.body)} bytes")
            return self._answer(session)
        m = _RANGE.match(crange)
        if m is None:
            yt.violations.append(f"bad Content-Range {crange!r}")
            return self._fail(400, _error("badContentRange", crange))
        if yt.put_faults:
            return self._fail(yt.put_faults.pop(0))
        start, end, total = (int(g) for g in m.groups())
        size = end - start + 1
        problems = [
            total != session.total and "total differs from X-Upload-Content-Length",
            start != len(session.data) and f"starts at {start}, server has {len(session.data)}",
            size != len(self.body) and f"range says {size} bytes, body has {len(self.body)}",
            end + 1 < total and size % QUANTUM and f"non-final chunk of {size} bytes is not 256 KiB aligned",
            end >= total and "ends past the total",
        ]
        if any(problems):
            yt.violations.extend(f"{crange}: {p}" for p in problems if p)
            return self._fail(400, _error("badContentRange", crange))
        session.data += self.body
        yt.chunks_stored += 1
        if yt.revoke_after_chunks == yt.chunks_stored:
            yt.auth.access_tokens.discard(token)
        self._answer(session)

    def _answer(self, session: Session) -> None:
        if len(session.data) == session.total:
            session.video_id = session.video_id or f"vid-{secrets.token_hex(4)}"
            self.set_status(201)
            status = {**session.metadata["status"], "uploadStatus": "uploaded"}
            self.finish({"kind": "youtube#video", "id": session.video_id,
                         "snippet": session.metadata["snippet"], "status": status})  # fmt: skip
            return
        self.set_status(308)
        if session.data:
            self.set_header("Range", f"bytes=0-{len(session.data) - 1}")
        self.finish()


def youtube_app(yt: FakeYouTube) -> tornado.web.Application:
    return tornado.web.Application([(r"/upload/youtube/v3/videos", _Videos, {"yt": yt})])
