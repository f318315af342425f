"""The Jupyter server extension: the same handlers under ``{base_url}timeline-lab/``, behind Jupyter's
own login, so previews work where only the Jupyter port is reachable (Binder, JupyterHub), plus
the JSON routes of the JupyterLab extension under ``{base_url}timeline-lab/api/`` (see ``companion``).

A kernel is another process. It registers a file by sealing it (see ``sealing``) with the key in the
runtime dir that the extension shares; the extension opens the token, checks expiry, revocation and
that the file is unchanged, then serves. A marker file tells kernels that this server loaded us.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .._version import __version__
from . import companion
from ._keyfile import marker_path
from .range import (
    HealthHandler,
    MediaHandler,
    MediaService,
    MetricsHandler,
    NotFoundHandler,
    install_redaction,
)
from .registry import MediaRegistry
from .sealing import TokenSealer

if TYPE_CHECKING:
    from jupyter_server.serverapp import ServerApp

__all__ = ["STALL_TIMEOUT_SETTING", "JupyterHealthHandler", "JupyterMediaHandler", "JupyterMetricsHandler"]

# ``ServerApp.tornado_settings``: seconds a media client may read nothing before it is disconnected.
STALL_TIMEOUT_SETTING = "timeline_lab_stall_timeout"


class _JupyterMixin(APIHandler):
    """Keeps the media Content-Type (``APIHandler.finish`` would force application/json) and
    Jupyter's CORS headers on error responses (``send_error`` clears the headers ``prepare`` set)."""

    media_type: str | None

    _cors_known = False  # Jupyter's CORS depends on the user, known once prepare() resolved it

    def set_cors_headers(self) -> None:
        self._cors_known = True
        super().set_cors_headers()

    def set_default_headers(self) -> None:
        super().set_default_headers()
        if self._cors_known:
            super().set_cors_headers()

    def finish(self, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "media_type", None) is not None:
            kwargs.setdefault("set_content_type", self.media_type)
        return super().finish(*args, **kwargs)


class JupyterMediaHandler(_JupyterMixin, MediaHandler):
    """The media handler, only for users Jupyter has authenticated (403 otherwise, no redirect)."""

    @tornado.web.authenticated  # erases the signature, hence the ignores
    async def get(self, token: str) -> None:  # type: ignore[override]
        await super().get(token)

    @tornado.web.authenticated
    async def head(self, token: str) -> None:  # type: ignore[override]
        await super().head(token)


class JupyterHealthHandler(_JupyterMixin, HealthHandler):
    """The health endpoint, authenticated like every other Jupyter API."""

    @tornado.web.authenticated
    def get(self) -> None:  # type: ignore[override]
        super().get()

    @tornado.web.authenticated
    def head(self) -> None:  # type: ignore[override]
        super().get()


class JupyterNotFoundHandler(_JupyterMixin, NotFoundHandler):
    """Any other URL under ``timeline-lab/media/``: a 404 logged by us, token redacted."""

    def prepare(self) -> Any:  # type: ignore[override]  # no auth needed to say 404
        return NotFoundHandler.prepare(self)


class JupyterMetricsHandler(_JupyterMixin, MetricsHandler):
    """Prometheus metrics, authenticated like every other Jupyter API."""

    @tornado.web.authenticated
    def get(self) -> None:  # type: ignore[override]
        super().get()

    @tornado.web.authenticated
    def head(self) -> None:  # type: ignore[override]
        super().get()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Entry point jupyter_server looks up (enabled by ``jupyter_server_config.d/timeline_lab.json``)."""
    return [{"module": "timeline_lab.server.jupyter"}]


def _load_jupyter_server_extension(serverapp: ServerApp) -> None:
    """Mount the handlers under the server's base_url and announce ourselves to its kernels."""
    runtime_dir = Path(serverapp.runtime_dir)
    sealer = TokenSealer(runtime_dir)
    sealer.ensure_key()
    settings = serverapp.web_app.settings
    service = MediaService(
        registry=MediaRegistry(sealer=sealer),
        mode="jupyter",
        stall_timeout=float(settings.get(STALL_TIMEOUT_SETTING, 60.0)),
    )
    install_redaction(
        serverapp.log, *map(logging.getLogger, ("tornado.access", "tornado.application", "tornado.general"))
    )
    base_url: str = serverapp.web_app.settings.get("base_url", "/")
    pattern_base = re.escape(base_url)
    args = {"service": service}
    serverapp.web_app.add_handlers(  # type: ignore[no-untyped-call]
        ".*$",
        [
            (url_path_join(pattern_base, "timeline-lab", "media", "([^/]+)"), JupyterMediaHandler, args),
            (url_path_join(pattern_base, "timeline-lab", "media", ".*"), JupyterNotFoundHandler, args),
            (url_path_join(pattern_base, "timeline-lab", "health"), JupyterHealthHandler, args),
            (url_path_join(pattern_base, "timeline-lab", "metrics"), JupyterMetricsHandler, args),
            *[
                (url_path_join(pattern_base, "timeline-lab", "api", route), handler, kwargs)
                for route, handler, kwargs in companion.handlers(_root_dir(serverapp))
            ],
        ],
    )
    _announce(runtime_dir, base_url)
    serverapp.log.info("timeline_lab: media served at %s", url_path_join(base_url, "timeline-lab", "media"))


def _root_dir(serverapp: ServerApp) -> Path:
    """The folder the file browser shows: the contents manager's root, else the server's."""
    root = getattr(serverapp.contents_manager, "root_dir", None) or serverapp.root_dir
    return Path(root).expanduser().resolve()


def _announce(runtime_dir: Path, base_url: str) -> None:
    """Write the marker atomically (0600); removed at exit, and ignored by kernels once we are gone."""
    path = marker_path(runtime_dir, os.getpid())
    tmp = path.with_name(f".{path.name}.tmp")
    data = {"pid": os.getpid(), "base_url": base_url, "version": __version__}
    runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)
    atexit.register(_remove, path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
