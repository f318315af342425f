"""``media_url``: one call that works everywhere. Through the Jupyter server when the server that
started this kernel loaded our extension (the only way on Binder/JupyterHub), else through a
standalone server in this process.

How a kernel learns the server's base_url: the extension writes
``{runtime_dir}/timeline_lab_media-{pid}.json`` ({pid, base_url, version}); jupyter_client gives every
kernel it launches that pid as ``JPY_PARENT_PID`` (``os.getppid()`` is the fallback). Environment
variables like ``JUPYTERHUB_SERVICE_PREFIX`` or ``JPY_BASE_URL`` give a base URL but cannot say
whether the extension is loaded, and ``list_running_servers()`` cannot say which server owns this
kernel, so neither is trusted alone. Pass ``base_url=`` to override (e.g. a remote kernel gateway).
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from pathlib import Path
from typing import Literal

from ._errors import ServerError
from ._keyfile import marker_path
from .registry import MediaRegistry
from .sealing import TokenSealer, default_runtime_dir
from .standalone import MediaServer

__all__ = ["default_server", "jupyter_base_url", "media_url", "unregister_media"]

_lock = threading.Lock()
_server: MediaServer | None = None
_sealed: dict[Path, MediaRegistry] = {}


def _alive(pid: int) -> bool:
    """True if a process with this pid exists (a stale marker must not send URLs to nowhere)."""
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by someone else
        return True
    return True


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
        if isinstance(data, dict) and isinstance(data.get("base_url"), str) and _alive(int(pid)):
            return str(data["base_url"])
    return None


def default_server() -> MediaServer:
    """The process-wide standalone server, started on first use and stopped at exit."""
    global _server
    with _lock:
        if _server is None:
            _server = MediaServer()
            atexit.register(_server.stop)
        return _server.start()


def _sealed_registry(runtime_dir: Path) -> MediaRegistry:
    with _lock:
        if runtime_dir not in _sealed:
            _sealed[runtime_dir] = MediaRegistry(sealer=TokenSealer(runtime_dir))
        return _sealed[runtime_dir]


def media_url(
    path: str | os.PathLike[str],
    *,
    base_url: str | None = None,
    ttl: float | None = None,
    mode: Literal["auto", "jupyter", "standalone"] = "auto",
) -> str:
    """A URL a browser (``<video src>``) can load ``path`` from, registering it now.

    Jupyter mode returns ``{base_url}timeline-lab/media/<sealed token>`` (relative to the page's
    origin, authenticated by Jupyter's cookie; expires after ``ttl`` seconds, default 24 h).
    Standalone mode returns ``http://127.0.0.1:<port>/timeline-lab/media/<token>?key=<server key>``.
    """
    if mode not in ("auto", "jupyter", "standalone"):
        msg = f"media_url: mode must be 'auto', 'jupyter' or 'standalone', not {mode!r}"
        raise ValueError(msg)
    if mode != "standalone":
        base = base_url if base_url is not None else jupyter_base_url()
        if base is not None:
            token = _sealed_registry(default_runtime_dir()).register(path, ttl=ttl)
            return f"{base.rstrip('/')}/timeline-lab/media/{token}"
        if mode == "jupyter":
            msg = "media_url: no Jupyter server with the timeline_lab extension started this kernel"
            raise ServerError(msg)
    return default_server().media_url(path, ttl=ttl)


def unregister_media(path_or_token: str | os.PathLike[str]) -> int:
    """Stop serving a path (every token) or one token, in every mode; returns how many were dropped."""
    with _lock:
        registries = list(_sealed.values()) + ([_server.registry] if _server is not None else [])
    return sum(r.unregister(path_or_token) for r in registries)
