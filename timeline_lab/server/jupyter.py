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
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import tornado.web
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import origin_matches_pat, url_path_join
from tornado.concurrent import Future

from .._version import __version__
from ..atomic import atomic_write_bytes
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

    from .range import _ServiceHandler

__all__ = [
    "STALL_TIMEOUT_SETTING",
    "JupyterHealthHandler",
    "JupyterMediaHandler",
    "JupyterMetricsHandler",
    "JupyterNotFoundHandler",
]

# ``ServerApp.tornado_settings``: seconds a media client may read nothing before it is disconnected.
STALL_TIMEOUT_SETTING = "timeline_lab_stall_timeout"


class _JupyterLogin(JupyterHandler):
    """Jupyter's login in front of a shared handler, and nothing else (see ``behind_jupyter_login``).

    Method order: this class, the shared handler, then ``APIHandler``. So the shared ``prepare``,
    ``options``, ``write_error``, ``set_default_headers`` and CORS run in Jupyter mode too; the shared
    ``prepare`` ends in ``super().prepare()``, which is ``APIHandler``'s: Jupyter's host check, user,
    login (403, never a login page) and Origin check. The CORS hooks below only say which origins
    Jupyter is configured to allow (``ServerApp.allow_origin``/``allow_origin_pat``/``allow_credentials``).
    """

    # A page on another allowed origin logs in with Jupyter's token header.
    cors_request_headers = MediaHandler.cors_request_headers | {"authorization"}

    @tornado.web.authenticated
    async def get(self, *args: str) -> None:
        await _settled(super().get(*args))

    @tornado.web.authenticated
    async def head(self, *args: str) -> None:
        await _settled(super().head(*args))

    @allow_unauthenticated
    def options(self, *args: str) -> None:
        """CORS preflights carry no credentials; the shared policy answers them."""
        super().options(*args)

    def check_origin(self, origin_to_satisfy_tornado: str = "") -> bool:
        """Jupyter's Origin check, except on preflights (``options`` judges their Origin itself)."""
        return self.request.method == "OPTIONS" or super().check_origin(origin_to_satisfy_tornado)

    @property
    def cors_enabled(self) -> bool:
        return bool(self.allow_origin or self.allow_origin_pat)

    def origin_allowed(self, origin: str) -> bool:
        if self.allow_origin:
            return self.allow_origin in ("*", origin)
        return bool(self.allow_origin_pat) and origin_matches_pat(self.allow_origin_pat or "", origin)

    @property
    def cors_credentials(self) -> bool:
        return self.allow_credentials

    def finish(self, chunk: str | bytes | dict[str, Any] | None = None) -> Future[None]:
        """Count the request as API activity (idle culling), keeping our Content-Type: ``APIHandler.finish``
        would force application/json, so it is stepped over on purpose."""
        cast(APIHandler, self).update_api_activity()
        return tornado.web.RequestHandler.finish(self, chunk)


async def _settled(result: Awaitable[None] | None) -> None:
    if result is not None:
        await result


def behind_jupyter_login(shared: type[_ServiceHandler]) -> type[tornado.web.RequestHandler]:
    """``shared`` (from ``range``) with Jupyter's login in front: same behaviour, authenticated."""
    doc = f"{shared.__name__}, only for users Jupyter has authenticated."
    return type(f"Jupyter{shared.__name__}", (_JupyterLogin, shared, APIHandler), {"__doc__": doc})


JupyterMediaHandler = behind_jupyter_login(MediaHandler)
JupyterHealthHandler = behind_jupyter_login(HealthHandler)
JupyterMetricsHandler = behind_jupyter_login(MetricsHandler)
# Any other URL under ``timeline-lab/media/``: a 404 before any login, as Jupyter's own 404 page.
JupyterNotFoundHandler = behind_jupyter_login(NotFoundHandler)


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
    data = {"pid": os.getpid(), "base_url": base_url, "version": __version__}
    runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write_bytes(path, json.dumps(data).encode(), mode=0o600)  # never through a planted link
    atexit.register(_remove, path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
