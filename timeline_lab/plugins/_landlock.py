"""Landlock (Linux >= 5.13) through raw syscalls: filesystem, TCP and scope rules for a plugin child.

Landlock is an unprivileged, stackable LSM: once ``landlock_restrict_self`` returns, this thread's
process and every process it starts can reach only what the rules allow, for good. Rights unknown
to the running kernel's ABI are masked out (best effort), so the same rules work on older kernels;
:func:`abi` says what the kernel offers and the host refuses to run untrusted plugins below
:data:`MIN_ABI` unless the user opts out.
"""

from __future__ import annotations

import ctypes
import os
import platform
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["MIN_ABI", "LandlockError", "Rules", "abi", "restrict_self"]

MIN_ABI = 4
"""Filesystem (ABI 1-3), plus TCP bind/connect (ABI 4): below this a plugin could reach the network."""

_SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446), "arm64": (444, 445, 446)}
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# filesystem rights, by the ABI that introduced them
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_REMOVE_DIR, FS_REMOVE_FILE, FS_MAKE_CHAR, FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
FS_MAKE_REG, FS_MAKE_SOCK, FS_MAKE_FIFO, FS_MAKE_BLOCK, FS_MAKE_SYM = (
    1 << 8,
    1 << 9,
    1 << 10,
    1 << 11,
    1 << 12,
)
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_ONLY = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ = FS_READ_FILE | FS_READ_DIR
"""Read files and list folders."""
WRITE = (READ | FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SYM) | (
    FS_REFER | FS_TRUNCATE
)
"""Read, create, change, rename and delete regular files and folders (no devices, sockets, fifos)."""


class LandlockError(OSError):
    """Landlock is missing or refused a step; the message says which."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _numbers() -> tuple[int, int, int] | None:
    if not sys.platform.startswith("linux"):
        return None
    return _SYSCALLS.get(platform.machine().lower())


def abi() -> int:
    """The kernel's Landlock ABI version (0 where Landlock is missing, disabled or not Linux)."""
    nums = _numbers()
    if nums is None:
        return 0
    version = _libc().syscall(nums[0], None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


@dataclass(frozen=True)
class Rules:
    """What a confined process may reach: paths with rights; TCP and scopes are all-or-nothing here.

    ``paths`` maps an existing file or folder to its rights (``READ``, ``WRITE``, or any mix of the
    ``FS_*`` bits); everything not listed is refused. ``deny_tcp`` refuses every TCP bind and connect;
    ``scope`` refuses signals to, and abstract unix sockets of, processes outside the sandbox.
    """

    paths: tuple[tuple[str, int], ...]
    deny_tcp: bool = True
    scope: bool = True


def restrict_self(rules: Rules, *, version: int | None = None) -> int:
    """Confine this process (and its future children) to ``rules``; returns the ABI applied.

    Sets ``PR_SET_NO_NEW_PRIVS`` first (required without CAP_SYS_ADMIN, and wanted anyway).
    Paths that do not exist are skipped: nothing can be granted on them. Raises
    :class:`LandlockError` when the kernel lacks Landlock or refuses a step.
    """
    level = abi() if version is None else version
    nums = _numbers()
    if level < 1 or nums is None:
        raise LandlockError("Landlock is not available on this system")
    create, add_rule, restrict = nums
    handled_fs = _FS_BY_ABI[max(k for k in _FS_BY_ABI if k <= level)]
    attr = _RulesetAttr(handled_fs, 0, 0)
    if rules.deny_tcp and level >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
    if rules.scope and level >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
    size = ctypes.sizeof(_RulesetAttr) if level >= 6 else (16 if level >= 4 else 8)
    libc = _libc()
    fd = libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if fd < 0:
        raise LandlockError(ctypes.get_errno(), f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        for path, rights in _merged(rules.paths):
            _add_path(libc, add_rule, fd, path, rights & handled_fs)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise LandlockError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(restrict, ctypes.c_int(fd), ctypes.c_uint32(0)) != 0:
            err = ctypes.get_errno()
            raise LandlockError(err, f"landlock_restrict_self: {os.strerror(err)}")
    finally:
        os.close(fd)
    return level


def _merged(paths: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """One entry per path, rights OR-ed (the same folder may be granted for several reasons)."""
    out: dict[str, int] = {}
    for path, rights in paths:
        out[path] = out.get(path, 0) | rights
    return sorted(out.items())


def _add_path(libc: ctypes.CDLL, add_rule: int, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a root that does not exist grants nothing
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FILE_ONLY
        if not rights:
            return
        attr = _PathBeneathAttr(rights, fd)
        if libc.syscall(
            add_rule, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(attr), 0
        ):
            err = ctypes.get_errno()
            raise LandlockError(err, f"landlock_add_rule({path!r}): {os.strerror(err)}")
    finally:
        os.close(fd)
