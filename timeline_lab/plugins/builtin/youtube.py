"""YouTubeUploader: publish a workspace video with the YouTube Data API v3 resumable upload.

The file is read through ``ctx.fs`` (confined to ``fs_read``), one chunk in memory at a time; every
request goes through ``ctx.http`` (declared hosts only, redirects and the session URI included).
Tokens come from an :class:`~timeline_lab.security.OAuthClient` (vault-backed, refreshed before
expiry and after a 401) and appear only in the ``Authorization`` header. The metadata and command
models (``_youtube_metadata``) load on the first upload or command, not when a Studio starts.
"""

from __future__ import annotations

import mimetypes
import os
import re
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from ...core.events import Event
from ...errors import first_error
from ..api import BasePlugin, CommandError, PermissionDenied, Permissions, PluginError, PluginManifest
from ._resumable import (
    CHUNK_QUANTUM,
    OAuthTokens,
    ResumableUpload,
    RetryPolicy,
    TokenSource,
    UploadCancelled,
    UploadError,
    check_chunk_size,
    check_secure,
    open_source,
)

if TYPE_CHECKING:
    from ...security import OAuthClient
    from ..context import PluginContext
    from ._youtube_metadata import VideoMetadata

__all__ = [
    "DEFAULT_BASE_URL",
    "MANIFEST",
    "RetryPolicy",
    "TokenSource",
    "UploadCancelled",
    "UploadError",
    "UploadProgress",
    "UploadResult",
    "VideoMetadata",
    "YouTubeUploader",
]

DEFAULT_BASE_URL = "https://www.googleapis.com"
UPLOAD_PATH = "/upload/youtube/v3/videos"
DEFAULT_CHUNK_SIZE = 32 * CHUNK_QUANTUM  # 8 MiB: one chunk is all that is ever in memory
M = TypeVar("M", bound=BaseModel)


def __getattr__(name: str) -> Any:
    """``VideoMetadata``, from ``_youtube_metadata`` when first asked for."""
    if name == "VideoMetadata":
        from ._youtube_metadata import VideoMetadata

        return VideoMetadata
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MANIFEST = PluginManifest(
    name="youtube",
    version="1.0.0",
    api=">=1.0,<2",
    kind="exporter",
    description="Upload videos from the workspace to YouTube (resumable, chunked, with retries)",
    permissions=Permissions(fs_read=(".",), network=("www.googleapis.com", "oauth2.googleapis.com")),
)


@dataclass(frozen=True)
class UploadProgress(Event):
    """Bytes the server has confirmed for one upload job; ``fraction`` is 0..1 and ends at 1.0."""

    job_id: str
    bytes_sent: int
    total: int
    fraction: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fraction", self.bytes_sent / self.total if self.total else 1.0)


@dataclass(frozen=True)
class UploadResult:
    """A finished upload: the new video's id and the video resource YouTube returned."""

    job_id: str
    video_id: str
    bytes: int
    resource: dict[str, Any] = field(repr=False)


class YouTubeUploader(BasePlugin):
    """The built-in uploader. Commands: ``upload``, ``cancel``, ``configure`` (JSON in and out).

    Parameters
    ----------
    base_url
        Scheme and host of the API (a local fake in tests); its host must be declared in ``network``.
    oauth
        An ``OAuthClient`` for YouTube or any :class:`TokenSource`; default: the ``youtube`` client
        from the default vault (``youtube.client_id`` etc.), signed in with ``authorize()``.
    permissions
        Replaces the manifest's permissions (tests declare ``127.0.0.1``).
    chunk_size
        Bytes per request, a multiple of 256 KiB.
    retry
        Backoff for 5xx, 429 and network errors.
    """

    manifest = MANIFEST

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        oauth: OAuthClient | TokenSource | None = None,
        permissions: Permissions | Mapping[str, Any] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        retry: RetryPolicy | None = None,
        account: str = "default",
    ) -> None:
        if permissions is not None:
            perms = Permissions.model_validate(permissions)
            self.manifest = MANIFEST.model_copy(update={"permissions": perms})
        self.base_url = _base_url(base_url)
        self.chunk_size = check_chunk_size(chunk_size, "youtube")
        self.retry = retry or RetryPolicy()
        self.account = account
        self._oauth = oauth
        self._jobs: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"YouTubeUploader(base_url={self.base_url!r}, account={self.account!r})"

    # -- commands ------------------------------------------------------------------------------
    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        """``upload`` -> video id; ``cancel`` -> job ids stopped; ``configure`` -> the settings."""
        from ._youtube_metadata import UploadConfig, UploadRequest, VideoMetadata

        try:
            if command == "upload":
                req = _validated(UploadRequest, payload, "upload")
                meta = VideoMetadata.model_validate(req.model_dump(exclude={"path", "job_id"}))
                return self._upload(req.path, meta, req.job_id or _new_job_id()).video_id
            if command == "cancel":
                job = payload.get("job_id")
                return self.cancel(None if job is None else str(job))
            if command == "configure":
                return self.configure(**_validated(UploadConfig, payload, "configure").model_dump())
        except PermissionDenied as exc:  # the user's path or endpoint was refused: not a plugin crash
            raise CommandError(str(exc)) from exc
        return super().handle(command, payload)

    def upload(
        self,
        path: str | os.PathLike[str],
        *,
        title: str,
        description: str = "",
        tags: Sequence[str] = (),
        privacy: str = "private",
        category: str = "22",
        made_for_kids: bool | None = None,
        job_id: str | None = None,
    ) -> UploadResult:
        """Upload one file under ``fs_read``; progress goes to the bus as :class:`UploadProgress`."""
        from ._youtube_metadata import JOB_ID, VideoMetadata

        fields = {"title": title, "description": description, "tags": tuple(tags), "privacy": privacy,
                  "category": category, "made_for_kids": made_for_kids}  # fmt: skip
        meta = _validated(VideoMetadata, fields, "upload")
        if job_id is not None and not re.fullmatch(JOB_ID, job_id):
            raise CommandError(f"youtube upload: job_id {job_id!r} does not match {JOB_ID}")
        return self._upload(os.fspath(path), meta, job_id or _new_job_id())

    def cancel(self, job_id: str | None = None) -> list[str]:
        """Stop one running upload (or all of them); returns the job ids asked to stop."""
        with self._lock:
            jobs = list(self._jobs) if job_id is None else [j for j in (job_id,) if j in self._jobs]
            for job in jobs:
                self._jobs[job].set()
        return jobs

    def configure(
        self, *, base_url: str | None = None, chunk_size: int | None = None, account: str | None = None
    ) -> dict[str, Any]:
        """Change endpoint, chunk size or OAuth account for later uploads; returns the settings."""
        if base_url is not None:
            url = _base_url(base_url)
            self._context().http.guard.check(_url(url))
            self.base_url = url
        if chunk_size is not None:
            self.chunk_size = check_chunk_size(chunk_size, "youtube")
        if account is not None:
            self.account = account
        return {"base_url": self.base_url, "chunk_size": self.chunk_size, "account": self.account}

    def shutdown(self) -> None:
        """Stop running uploads at their next request."""
        self.cancel()

    # -- internals -----------------------------------------------------------------------------
    def _upload(self, path: str, meta: VideoMetadata, job: str) -> UploadResult:
        ctx = self._context()
        what = f"youtube upload {job}"
        real = ctx.fs.path(path)  # PermissionDenied outside fs_read, before anything is sent
        url = self.base_url + UPLOAD_PATH
        ctx.http.guard.check(_url(url))  # and for an undeclared API host, before the vault is read
        tokens = self._tokens(ctx)
        cancel = self._begin(job)
        try:
            # ConfinedFS has no ranged reads: open the path it resolved and confined, read chunk by chunk
            source, total = open_source(real, path, what)
            with source:
                up = ResumableUpload(
                    ctx.http, tokens, what=what, retry=self.retry, cancel=cancel, log=ctx.log
                )
                ctx.log.info("%s: %s (%d bytes) as %s video %r", what, path, total, meta.privacy, meta.title)
                session = up.start(url, params={"uploadType": "resumable", "part": "snippet,status"},
                                   metadata=meta.resource(), total=total,
                                   content_type=_content_type(real.name))  # fmt: skip
                resource = up.send(session, source, total, self.chunk_size,
                                   lambda n: ctx.bus.publish(UploadProgress(job, n, total)))  # fmt: skip
        finally:
            self._end(job)
        video_id = resource.get("id")
        if not isinstance(video_id, str) or not video_id:
            raise UploadError(f"{what}: the finished upload returned no video id")
        ctx.log.info("%s: finished, video id %s", what, video_id)
        return UploadResult(job, video_id, total, resource)

    def _context(self) -> PluginContext:
        ctx: PluginContext | None = getattr(self, "ctx", None)
        if ctx is None:
            raise PluginError("plugin 'youtube' is not started (initialize() has not run)")
        return ctx

    def _tokens(self, ctx: PluginContext) -> TokenSource:
        from ...security import OAuthClient

        oauth = self._oauth if self._oauth is not None else self._default_client()
        if isinstance(oauth, OAuthClient):
            ctx.http.guard.check(_url(oauth.provider.token_url))  # refreshes go there
            return OAuthTokens(oauth, what="youtube")
        return oauth

    def _default_client(self) -> OAuthClient:
        from ...security import YOUTUBE, OAuthClient, SecurityError, Vault

        try:
            return OAuthClient.from_vault(YOUTUBE, Vault(), account=self.account)
        except SecurityError as exc:
            msg = (f"youtube: no OAuth client ({exc}); store youtube.client_id and youtube.client_secret "
                   "with 'timeline-lab secrets set', then sign in with OAuthClient.authorize()")  # fmt: skip
            raise UploadError(msg) from None

    def _begin(self, job: str) -> threading.Event:
        with self._lock:
            if job in self._jobs:
                raise CommandError(f"youtube upload {job}: a job with this id is already running")
            self._jobs[job] = threading.Event()
            return self._jobs[job]

    def _end(self, job: str) -> None:
        with self._lock:
            self._jobs.pop(job, None)


def _validated(model: type[M], data: Mapping[str, Any], command: str) -> M:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        where, msg = first_error(exc)
        raise CommandError(f"youtube {command}: {where or 'payload'}: {msg}") from None


def _base_url(url: str) -> str:
    if url == DEFAULT_BASE_URL:
        return url  # Google's own: checking it would load httpx on every Studio's start
    check_secure(url, "youtube base_url")
    parsed = _url(url)
    if parsed.query or parsed.fragment or parsed.path not in ("", "/"):
        raise CommandError(f"youtube base_url {url!r}: give scheme://host[:port] only")
    return url.rstrip("/")


def _content_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    return guessed if guessed and guessed.startswith("video/") else "application/octet-stream"


def _new_job_id() -> str:
    return f"yt-{uuid.uuid4().hex[:12]}"


def _url(url: str) -> Any:
    """``httpx.URL(url)``, importing httpx on first use (a render that never uploads skips it)."""
    import httpx

    return httpx.URL(url)
