"""What an isolated plugin's child may reach, decided in the app before any plugin code runs.

:func:`plan` turns a target, its manifest's permissions and the workspace root into a
:class:`Sandbox`: the JSON config the child confines itself with (Landlock paths, limits, whether
it may start processes) and the clean environment it starts with. The child applies it in
:mod:`._confine` before importing the plugin.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _landlock
from .api import Permissions, PluginError

__all__ = ["ENV_UNCONFINED", "IsolationLimits", "Sandbox", "check_available", "plan"]

ENV_UNCONFINED = "TIMELINE_LAB_PLUGINS_UNCONFINED"
"""Set to ``1`` to run isolated plugins even where Landlock is missing (no filesystem/network sandbox)."""

_GiB = 1024**3
_SYSTEM_READ = ("/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime")
_SYSTEM_EXEC = ("/usr", "/bin", "/sbin", "/lib", "/lib64")
_DEVICES = {"/dev/null": "rw", "/dev/zero": "r", "/dev/urandom": "r", "/dev/random": "r"}
_LOCALE = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")


@dataclass(frozen=True)
class IsolationLimits:
    """Resource limits for an isolated plugin's process (``None``: leave that limit as inherited).

    Parameters
    ----------
    address_space
        Bytes of virtual memory (``RLIMIT_AS``); allocations beyond fail with ``MemoryError``.
    cpu_seconds
        CPU time over the child's whole life (``RLIMIT_CPU``); then it is killed (``SIGXCPU``).
    file_size
        Largest file it may write (``RLIMIT_FSIZE``); bigger writes fail with ``EFBIG``.
    processes
        ``RLIMIT_NPROC`` counts every process of the user, so it is set to the user's current count
        plus this many (the kernel does not enforce it for root). Only plugins with the
        ``subprocess`` permission may start processes at all.
    """

    address_space: int | None = 4 * _GiB
    cpu_seconds: int | None = 3600
    file_size: int | None = 1 * _GiB
    processes: int | None = 32


@dataclass(frozen=True)
class Sandbox:
    """The child's config (JSON, sent as the first message) and its environment."""

    config: dict[str, Any]
    env: dict[str, str]
    tmpdir: str = field(compare=False)


def check_available(target: str, unconfined: bool) -> int:
    """The Landlock ABI to use; raise unless it is enough or the user opted out of the sandbox."""
    level = _landlock.abi()
    if level >= _landlock.MIN_ABI or unconfined:
        return level
    where = f"Landlock ABI {level}" if level else f"no Landlock on {sys.platform}"
    msg = (
        f"isolated plugin {target!r} refused: it cannot be sandboxed here ({where}; needs Linux with "
        f"Landlock ABI >= {_landlock.MIN_ABI}, kernel 6.7 or later). Run only plugins you trust, in "
        f"process, or pass unconfined=True / set {ENV_UNCONFINED}=1 to run it without a sandbox."
    )
    raise PluginError(msg)


def _runtime_roots() -> list[str]:
    """Folders holding the interpreter, its standard library and installed packages (read-only)."""
    paths = sysconfig.get_paths()
    found = [paths.get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    found += [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix]
    found.append(str(Path(__file__).resolve().parents[1]))  # the timeline_lab package itself
    home = Path.home().resolve()
    out = []
    for raw in found:
        if not raw:
            continue
        p = Path(raw).resolve()
        if p == Path(p.anchor) or home.is_relative_to(p):
            continue  # never grant "/" or the home folder wholesale
        out.append(str(p))
    return out


def _plugin_location(target: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Where the plugin's top-level package lives, found without importing (running) any of it."""
    top = target.partition(":")[0].split(".")[0]
    try:
        spec = importlib.machinery.PathFinder.find_spec(top, sys.path)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return None, []  # the child reports ModuleNotFoundError
    locations = list(spec.submodule_search_locations or [])
    origin = spec.origin if spec.has_location else None
    pinned = {"name": top, "origin": origin, "locations": locations or None}
    return pinned, locations or ([origin] if origin else [])


def _root(base: Path, raw: str) -> str:
    p = Path(raw).expanduser()
    return str((p if p.is_absolute() else base / p).resolve())


def plan(
    target: str,
    base: Path,
    permissions: Permissions,
    *,
    tmpdir: str,
    limits: IsolationLimits,
    landlock: int,
    required: bool,
) -> Sandbox:
    """The sandbox for ``target`` given what its manifest declares (nothing, for the first start)."""
    pinned, package = _plugin_location(target)
    paths: list[tuple[str, str]] = [(p, "r") for p in _runtime_roots() + package + list(_SYSTEM_READ)]
    paths += [(p, mode) for p, mode in _DEVICES.items()]
    paths += [(_root(base, r), "r") for r in permissions.fs_read]
    paths += [(_root(base, w), "rw") for w in permissions.fs_write]
    paths.append((tmpdir, "rw"))
    if permissions.subprocess:
        paths += [(p, "rx") for p in _runtime_roots() + list(_SYSTEM_EXEC)]
    config = {
        "target": target,
        "pinned": pinned,
        "paths": sorted(set(paths)),
        "processes": permissions.subprocess,
        "limits": {
            "as": limits.address_space,
            "cpu": limits.cpu_seconds,
            "fsize": limits.file_size,
            "nproc": limits.processes,
        },
        "landlock": landlock,
        "required": required,
    }
    return Sandbox(config, _clean_env(permissions, tmpdir), tmpdir)


def _clean_env(permissions: Permissions, tmpdir: str) -> dict[str, str]:
    """Only PATH, locale, a private HOME/TMPDIR, and the variables the manifest names."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": tmpdir, "TMPDIR": tmpdir}
    for name in _LOCALE:
        if name in os.environ:
            env[name] = os.environ[name]
    env.setdefault("LANG", "C.UTF-8")
    for name in permissions.env:
        if name in os.environ:
            env[name] = os.environ[name]
    return env
