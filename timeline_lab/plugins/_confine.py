"""The child confines itself (main thread, before any other thread and before any plugin code).

Order matters: close stray descriptors, set resource limits, make the plugin's package importable
without reading its parent folder, then drop capabilities, install the seccomp filter and apply
Landlock. Landlock and seccomp bind the calling thread and everything it starts later, which is why
this runs before the child's reader thread exists.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from . import _landlock, _seccomp

__all__ = ["confine"]

_MODES = {
    "r": _landlock.READ,
    "rw": _landlock.WRITE,
    "rx": _landlock.READ | _landlock.FS_EXECUTE,
}
_DEVICE_RW = _landlock.FS_READ_FILE | _landlock.FS_WRITE_FILE | _landlock.FS_TRUNCATE


class _PinnedFinder(importlib.abc.MetaPathFinder):
    """Finds the plugin's top-level package where the app located it (its parent stays unreadable)."""

    def __init__(self, pinned: dict[str, Any]) -> None:
        self.pinned = pinned

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.pinned["name"]:
            return None
        origin, locations = self.pinned["origin"], self.pinned["locations"]
        if origin:
            return importlib.util.spec_from_file_location(
                fullname, origin, submodule_search_locations=locations
            )
        spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = list(locations or [])
        return spec


def _close_fds(keep: int) -> None:
    """Close every descriptor but stdio and the IPC channel (Popen did; this is belt and braces)."""
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 16)


def _user_processes() -> int:
    uid = os.getuid()
    count = 0
    try:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    count += entry.stat().st_uid == uid
    except OSError:
        return 0
    return count


def _set_limits(limits: dict[str, int | None], notes: list[str], required: bool) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: no limits to set
        notes.append("no resource limits on this system")
        return
    wanted = {
        "RLIMIT_AS": limits.get("as"),
        "RLIMIT_FSIZE": limits.get("fsize"),
        "RLIMIT_CPU": limits.get("cpu"),
        "RLIMIT_NPROC": None
        if limits.get("nproc") is None
        else _user_processes() + int(limits["nproc"] or 0),
    }
    for name, value in wanted.items():
        which = getattr(resource, name, None)
        if value is None or which is None:
            continue
        _soft, hard = resource.getrlimit(which)
        # CPU: SIGXCPU at the soft limit, SIGKILL 5 s later; others: hard == soft, so no way back up
        top = value + 5 if name == "RLIMIT_CPU" else value
        if hard != resource.RLIM_INFINITY:
            value, top = min(value, hard), min(top, hard)
        try:
            resource.setrlimit(which, (value, top))
        except (ValueError, OSError) as exc:
            if required:
                raise OSError(f"{name}: {exc}") from None
            notes.append(f"{name} not set ({exc})")


def confine(config: dict[str, Any], channel_fd: int) -> list[str]:
    """Apply the sandbox the app planned; returns notes on what could not be applied.

    With ``config["required"]`` every step must succeed (an exception means: do not run the
    plugin); otherwise (the user opted into unconfined mode) each step is best effort.
    """
    required = bool(config["required"])
    notes: list[str] = []
    _close_fds(channel_fd)
    _set_limits(config["limits"], notes, required)
    if config.get("pinned"):
        sys.meta_path.insert(0, _PinnedFinder(config["pinned"]))
    if not sys.platform.startswith("linux"):
        if required:
            raise OSError(f"no sandbox on {sys.platform}")
        return [f"no kernel sandbox on {sys.platform}"]
    steps = [
        ("capabilities", _seccomp.drop_capabilities),
        ("seccomp", lambda: _seccomp.install_filter(allow_processes=bool(config["processes"]))),
        ("landlock", lambda: _landlock_rules(config)),
    ]
    for name, step in steps:
        try:
            step()
        except OSError as exc:
            if required:
                raise OSError(f"{name}: {exc}") from None
            notes.append(f"{name} not applied ({exc})")
    return notes


def _landlock_rules(config: dict[str, Any]) -> None:
    paths = []
    for path, mode in config["paths"]:
        rights = _MODES[mode]
        if path.startswith("/dev/"):
            rights = _DEVICE_RW if mode == "rw" else _landlock.FS_READ_FILE
        paths.append((path, rights))
    level = int(config["landlock"])
    if level < 1:
        raise OSError("Landlock is not available")
    _landlock.restrict_self(_landlock.Rules(tuple(paths)), version=level)
