"""``media_url``: one call that works everywhere. Through the Jupyter server when the server that
started this kernel loaded our extension (the only way on Binder/JupyterHub), else through a
standalone server in this process.

How a kernel learns the server's base_url: the extension writes
``{runtime_dir}/timeline_lab_media-{pid}.json`` ({pid, base_url, version}); jupyter_client gives every
kernel it launches that pid as ``JPY_PARENT_PID`` (``os.getppid()`` is the fallback). Environment
variables like ``JUPYTERHUB_SERVICE_PREFIX`` or ``JPY_BASE_URL`` give a base URL but cannot say
whether the extension is loaded, and ``list_running_servers()`` cannot say which server owns this
kernel, so neither is trusted alone. Pass ``base_url=`` to override (e.g. a remote kernel gateway).

Whose server and registries: a Studio's. The standalone server and the sealed-token registries are
services of the Studio passed as ``studio=`` (its ``Services`` holds them, made on first use, and
``Studio.close()`` stops the server); given none, the process-default ``Studio.default()``'s.
Nothing here is process-wide.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ._errors import ServerError
from ._keyfile import marker_path
from .processes import MAX_PROCESSES, check_processes, process_exists
from .registry import MediaRegistry
from .sealing import TokenSealer, default_runtime_dir
from .standalone import MediaServer

if TYPE_CHECKING:
    from ..studio import Studio

__all__ = ["default_server", "jupyter_base_url", "media_server", "media_url", "unregister_media"]

_SERVER = "media_server"  # the names of a Studio's media services among its services
_SEALED = "sealed_media"
PROCESSES_ENV = "TIMELINE_LAB_SERVER_PROCESSES"
"""Processes of a Studio's standalone server (a count or ``auto``; default 1): ``MediaServer(processes=)``."""


class _SealedRegistries:
    """One Studio's registries of sealed tokens (for the Jupyter extension), one per runtime dir."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_dir: dict[Path, MediaRegistry] = {}

    def get(self, runtime_dir: Path) -> MediaRegistry:
        with self._lock:
            if runtime_dir not in self._by_dir:
                self._by_dir[runtime_dir] = MediaRegistry(sealer=TokenSealer(runtime_dir))
            return self._by_dir[runtime_dir]

    def all(self) -> list[MediaRegistry]:
        with self._lock:
            return list(self._by_dir.values())


def jupyter_base_url(runtime_dir: str | os.PathLike[str] | None = None) -> str | None:
    """The base_url of this kernel's Jupyter server if it serves our media, else None."""
    try:
        directory = Path(runtime_dir) if runtime_dir is not None else default_runtime_dir()
    except ImportError:  # no jupyter_core: not in Jupyter
        return None
    parents = [os.environ.get("JPY_PARENT_PID", ""), str(os.getppid())]
    for pid in dict.fromkeys(p for p in parents if p.isdigit()):
        try:
            data = json.loads(marker_path(directory, int(pid)).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("base_url"), str) and process_exists(int(pid)):
            return str(data["base_url"])
    return None


def _studio(studio: Studio | None) -> Studio:
    if studio is not None:
        return studio
    from ..studio import Studio

    return Studio.default()


def media_server(studio: Studio | None = None) -> MediaServer:
    """The standalone server of ``studio`` (default: ``Studio.default()``), started on first use.

    ``studio.close()`` stops it; its health route reports that Studio's services. It runs on
    ``TIMELINE_LAB_SERVER_PROCESSES`` processes (default 1).
    """
    services = _studio(studio).services
    assert services is not None
    processes = _processes()
    server = services.get_or_start(_SERVER, lambda: MediaServer(health=services.health, processes=processes))
    return server.start()


def _processes() -> int:
    """``TIMELINE_LAB_SERVER_PROCESSES`` as a count (``check_processes``); a bad value names the variable."""
    raw = os.environ.get(PROCESSES_ENV, "").strip()
    if not raw:
        return 1
    try:
        return check_processes(raw if raw == "auto" else int(raw))
    except ValueError:
        msg = f"{PROCESSES_ENV}={raw!r}: expected 'auto' or a whole number in 1..{MAX_PROCESSES}"
        raise ServerError(msg) from None


def default_server() -> MediaServer:
    """The process-default Studio's standalone server (see :func:`media_server`)."""
    return media_server(None)


def _sealed_registry(studio: Studio | None, runtime_dir: Path) -> MediaRegistry:
    services = _studio(studio).services
    assert services is not None
    return services.get_or_start(_SEALED, _SealedRegistries).get(runtime_dir)


def media_url(
    path: str | os.PathLike[str],
    *,
    base_url: str | None = None,
    ttl: float | None = None,
    mode: Literal["auto", "jupyter", "standalone"] = "auto",
    studio: Studio | None = None,
) -> str:
    """A URL a browser (``<video src>``) can load ``path`` from, registering it now with ``studio``.

    Jupyter mode returns ``{base_url}timeline-lab/media/<sealed token>`` (relative to the page's
    origin, authenticated by Jupyter's cookie; expires after ``ttl`` seconds, default 24 h).
    Standalone mode returns ``http://127.0.0.1:<port>/timeline-lab/media/<token>?key=<server key>``
    from ``studio``'s server (see :func:`media_server`; default: the process-default Studio).
    """
    if mode not in ("auto", "jupyter", "standalone"):
        msg = f"media_url: mode must be 'auto', 'jupyter' or 'standalone', not {mode!r}"
        raise ValueError(msg)
    if mode != "standalone":
        base = base_url if base_url is not None else jupyter_base_url()
        if base is not None:
            token = _sealed_registry(studio, default_runtime_dir()).register(path, ttl=ttl)
            return f"{base.rstrip('/')}/timeline-lab/media/{token}"
        if mode == "jupyter":
            msg = "media_url: no Jupyter server with the timeline_lab extension started this kernel"
            raise ServerError(msg)
    return media_server(studio).media_url(path, ttl=ttl)


def unregister_media(path_or_token: str | os.PathLike[str], *, studio: Studio | None = None) -> int:
    """Stop ``studio`` serving a path (every token) or one token, in every mode; returns how many
    were dropped (default: the process-default Studio's)."""
    services = _studio(studio).services
    assert services is not None
    sealed: _SealedRegistries | None = services.started(_SEALED)
    server: MediaServer | None = services.started(_SERVER)
    registries = (sealed.all() if sealed is not None else []) + (
        [server.registry] if server is not None else []
    )
    return sum(r.unregister(path_or_token) for r in registries)
