"""A small seccomp-BPF filter for plugin children, and dropping root's capabilities.

Landlock confines files, TCP and signals; it does not see UDP, raw or unix-socket creation,
process-group changes or io_uring. This filter closes those gaps:

- ``socket()`` is allowed only for TCP over IPv4/IPv6 (which Landlock then refuses to bind or
  connect); UDP, raw, netlink, packet and unix sockets fail with ``EACCES``. The IPC channel is
  inherited, never created.
- ``setsid``/``setpgid`` fail with ``EPERM``: every descendant stays in the plugin's process group,
  so killing that group on shutdown leaves no detached survivor.
- without the ``subprocess`` permission, new processes (``fork``, ``vfork``, ``clone`` without
  ``CLONE_THREAD``) fail with ``EPERM``; threads still work (``clone3`` answers ``ENOSYS`` so the C
  library falls back to ``clone``, whose flags the filter can read).
- io_uring (whose operations bypass seccomp) answers ``ENOSYS``; foreign syscall ABIs (x32, i386)
  kill the process.
- metadata changes fail with ``EPERM``: ``chmod``/``chown``/``utime*``/``*setxattr``/``*removexattr``
  in every form (by path, by descriptor, ``*at``) and the inode-flag ioctls. Landlock checks none of
  them, so a plugin could otherwise make the vault's key file 0666, or forge the
  ``user.timeline_lab.project`` mark on any file of the user's; a descriptor form cannot be allowed
  alone, since a read-only descriptor is enough for it. Nothing the app does for a plugin needs
  them (``atomic`` creates files with their final mode); a plugin copies with ``shutil.copyfile``:
  ``shutil.copy``/``copy2`` copy the mode too and fail.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import sys

__all__ = ["SeccompError", "drop_capabilities", "install_filter", "supported"]


class SeccompError(OSError):
    """The kernel refused the filter or a capability change."""


_ARCH = {  # machine -> (AUDIT_ARCH, syscall numbers)
    "x86_64": (
        0xC000003E,
        {"socket": 41, "setsid": 112, "setpgid": 109, "clone": 56, "fork": 57, "vfork": 58, "ioctl": 16},
    ),
    "aarch64": (0xC00000B7, {"socket": 198, "setsid": 157, "setpgid": 154, "clone": 220, "ioctl": 29}),
}
_ARCH["arm64"] = _ARCH["aarch64"]
_METADATA = {  # machine -> the calls that change a file's mode, owner, times or extended attributes
    "x86_64": {
        "chmod": 90, "fchmod": 91, "chown": 92, "fchown": 93, "lchown": 94, "utime": 132,
        "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "removexattr": 197, "lremovexattr": 198,
        "fremovexattr": 199, "utimes": 235, "fchownat": 260, "futimesat": 261, "fchmodat": 268,
        "utimensat": 280,
    },
    "aarch64": {  # the generic table: no chmod, chown, lchown, utime, utimes, futimesat
        "setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14, "lremovexattr": 15,
        "fremovexattr": 16, "fchmod": 52, "fchmodat": 53, "fchownat": 54, "fchown": 55, "utimensat": 88,
    },
}  # fmt: skip
_METADATA["arm64"] = _METADATA["aarch64"]
# one number on every architecture: fchmodat2 (6.6), setxattrat/removexattrat (6.13), file_setattr (6.17)
_METADATA_NEW = {"fchmodat2": 452, "setxattrat": 463, "removexattrat": 466, "file_setattr": 469}
# FS_IOC_SETFLAGS and its 32-bit twin (no-dump, no-atime... on a file it may open) and
# FS_IOC_FSSETXATTR (the same flags and the project id): the ioctl command is an unsigned int, the
# low half of the argument seccomp sees
_IOCTL_SETATTR = (0x40086602, 0x40046602, 0x401C5820)
_CLONE3, _IO_URING = 435, (425, 426, 427)
_X32_BIT = 0x40000000
_CLONE_THREAD = 0x00010000
_AF_INET, _AF_INET6, _SOCK_STREAM, _IPPROTO_TCP = 2, 10, 1, 6

_LD_ABS, _JEQ, _JGE, _JSET, _AND, _RET = 0x20, 0x15, 0x35, 0x45, 0x54, 0x06
_ALLOW, _KILL_PROCESS = 0x7FFF0000, 0x80000000
_OFF_NR, _OFF_ARCH, _OFF_ARG = 0, 4, 16  # struct seccomp_data (little endian: low half of each arg)
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4


def _errno(code: int) -> int:
    return 0x00050000 | code


class _Filter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def supported() -> bool:
    """True on Linux x86_64/aarch64, where the filter below knows the syscall numbers."""
    return sys.platform.startswith("linux") and platform.machine().lower() in _ARCH


class _Asm:
    """Straight-line BPF with forward jumps to named labels (resolved in :meth:`build`)."""

    def __init__(self) -> None:
        self.code: list[tuple[int, int | str, int | str, int]] = []
        self.labels: dict[str, int] = {}

    def op(self, code: int, k: int, jt: int | str = 0, jf: int | str = 0) -> None:
        self.code.append((code, jt, jf, k))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def build(self) -> list[tuple[int, int, int, int]]:
        def rel(i: int, target: int | str) -> int:
            return target if isinstance(target, int) else self.labels[target] - i - 1

        return [(c, rel(i, jt), rel(i, jf), k) for i, (c, jt, jf, k) in enumerate(self.code)]


def _program(machine: str, allow_processes: bool) -> list[tuple[int, int, int, int]]:
    arch, nr = _ARCH[machine]
    a = _Asm()
    a.op(_LD_ABS, _OFF_ARCH)
    a.op(_JEQ, arch, 1, 0)
    a.op(_RET, _KILL_PROCESS)
    a.op(_LD_ABS, _OFF_NR)
    if machine == "x86_64":
        a.op(_JGE, _X32_BIT, 0, 1)
        a.op(_RET, _errno(errno.ENOSYS))
    denied = [(nr["setsid"], errno.EPERM), (nr["setpgid"], errno.EPERM), (_CLONE3, errno.ENOSYS)]
    denied += [(n, errno.ENOSYS) for n in _IO_URING]
    denied += [(n, errno.EPERM) for n in (*_METADATA[machine].values(), *_METADATA_NEW.values())]
    if not allow_processes:
        denied += [(nr[name], errno.EPERM) for name in ("fork", "vfork") if name in nr]
    for number, code in denied:
        a.op(_JEQ, number, 0, 1)
        a.op(_RET, _errno(code))
    a.op(_JEQ, nr["ioctl"], 0, "not_ioctl")
    a.op(_LD_ABS, _OFF_ARG + 8)  # the command (an int: the low half of the argument)
    for command in _IOCTL_SETATTR:
        a.op(_JEQ, command, "no_setattr", 0)
    a.op(_RET, _ALLOW)
    a.label("no_setattr")
    a.op(_RET, _errno(errno.EPERM))
    a.label("not_ioctl")
    a.op(_JEQ, nr["socket"], 0, "not_socket")
    a.op(_LD_ABS, _OFF_ARG)  # domain
    a.op(_JEQ, _AF_INET, "type", 0)
    a.op(_JEQ, _AF_INET6, "type", "no_socket")
    a.label("type")
    a.op(_LD_ABS, _OFF_ARG + 8)  # type, with SOCK_NONBLOCK/SOCK_CLOEXEC in the high bits
    a.op(_AND, 0xF)
    a.op(_JEQ, _SOCK_STREAM, 0, "no_socket")
    a.op(_LD_ABS, _OFF_ARG + 16)  # protocol: default or TCP (not SCTP or MPTCP)
    a.op(_JEQ, 0, "allow", 0)
    a.op(_JEQ, _IPPROTO_TCP, "allow", "no_socket")
    a.label("no_socket")
    a.op(_RET, _errno(errno.EACCES))
    a.label("not_socket")
    if not allow_processes:
        a.op(_JEQ, nr["clone"], 0, "allow")
        a.op(_LD_ABS, _OFF_ARG)  # clone flags (x86_64 and aarch64 both pass them first)
        a.op(_JSET, _CLONE_THREAD, "allow", 0)
        a.op(_RET, _errno(errno.EPERM))
    a.label("allow")
    a.op(_RET, _ALLOW)
    return a.build()


def install_filter(*, allow_processes: bool) -> None:
    """Install the filter on this process (inherited by threads started later and by children).

    Needs ``PR_SET_NO_NEW_PRIVS`` (set here) or CAP_SYS_ADMIN.
    """
    machine = platform.machine().lower()
    if not supported():
        raise SeccompError(errno.ENOSYS, f"seccomp filter: unsupported platform {sys.platform}/{machine}")
    prog = _program(machine, allow_processes)
    table = (_Filter * len(prog))(*[_Filter(c, jt, jf, k) for c, jt, jf, k in prog])
    fprog = _Prog(len(prog), table)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise SeccompError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SeccompError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) refused the filter")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> None:
    """Give up every capability (bounding, ambient, effective, permitted): root becomes ordinary."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    cap = 0
    while libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) == 0 or ctypes.get_errno() == errno.EPERM:
        cap += 1  # EPERM: no CAP_SETPCAP (not root) -> nothing to drop there; EINVAL ends the list
        if cap > 63:
            break
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise SeccompError(ctypes.get_errno(), "capset() could not drop capabilities")
