"""Where a render may write: never onto a file the project reads, however the path is spelled."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .. import atomic
from ..atomic_folder import StagedFolder
from ..errors import RenderError
from ..fs import is_regular_file

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ..model.project import Project

__all__ = [
    "check_folder_target",
    "check_output_name",
    "check_pattern_target",
    "check_replace",
    "check_target",
    "frame_names",
    "frame_pattern",
    "mark_output",
    "output_tag",
    "previous_output_of",
    "project_sources",
    "staged_folder",
    "staged_frames",
    "staging_file",
]

_TAG = "timeline_lab project "
_NAME = "name="
_XATTR = "user.timeline_lab.project"  # the same mark for containers without metadata (GIF, WebP)
# demuxers of the containers whose renders carry the tag (what FORMATS writes, read back)
_TAGGED = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "wav", "flac", "ogg"})


def project_sources(project: Project) -> tuple[Path, ...]:
    """Every media file the project refers to, on any track, enabled or not."""
    paths = {Path(c.media.path) for c in project.clips()}
    return tuple(sorted(paths))


_WINDOWS = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")  # C:\out, C:/out, \\server\share


def check_output_name(output: str | os.PathLike[str], resolved: Path, *, folder_ok: bool) -> None:
    """Refuse an output named otherwise than the user meant: a Windows path on POSIX (it made a file
    literally named ``C:\\out\\x.mp4`` in the current folder), or a folder (``resolved``: where it
    is) for a format that writes one file (``folder_ok``: an image sequence's folder)."""
    text = os.fspath(output)
    if os.sep == "/" and _WINDOWS.match(text):
        msg = f"{text}: is a Windows path; on this system name the output with / (e.g. /home/me/out/x.mp4)"
        raise RenderError(msg)
    if not folder_ok and resolved.is_dir():
        msg = f"{text}: is a folder; name a file in it ({Path(text) / 'out.mp4'}), or pass "
        raise RenderError(msg + "format='png-sequence' to write its frames there")


def check_target(target: Path, sources: Iterable[Path]) -> None:
    """Refuse a render whose output (or its ``.part``) is one of ``sources``: it would destroy it.

    Compared by resolved path and by inode, so links and other spellings of a source are caught.
    """
    outputs = [target, target.with_name(target.name + ".part")]
    for src in sources:
        for out in outputs:
            if atomic.same_file(out, src):
                msg = f"{target}: is a source of this project ({src}); render to another file"
                raise RenderError(msg)


def staging_file(target: Path) -> Path:
    """A new, empty file beside ``target`` that nobody else names (``O_CREAT|O_EXCL``, no link followed).

    The finished output is renamed onto ``target``; a planted ``<target>.part`` link is never used.
    """
    try:
        return atomic.staging_file(target)
    except atomic.OutputError as exc:
        raise RenderError(str(exc)) from None
    except OSError as exc:  # a read-only or full folder: the user's target, not our hidden file
        raise _unwritable(target, exc) from None


def staged_folder(target: Path) -> StagedFolder:
    """A new folder beside ``target`` for an image sequence, written through its descriptor
    (``atomic_folder``: never through a link swapped in for its name)."""
    try:
        return StagedFolder(target)
    except atomic.OutputError as exc:
        raise RenderError(str(exc)) from None
    except OSError as exc:
        raise _unwritable(target, exc) from None


def _unwritable(target: Path, exc: OSError) -> RenderError:
    """The error for a target whose folder refuses a new file: the target, its folder and why."""
    return RenderError(f"{target}: cannot write in {target.parent} ({exc.strerror or exc})")


def staged_frames(pattern: Path) -> StagedFolder:
    """A new folder beside the frames of ``pattern`` (``out/frame_%06d.png``), named without its
    ``%``, whose frames are moved into ``out/`` when done (``StagedFolder.commit_into``)."""
    parsed = frame_pattern(pattern.name)
    stem = (parsed[0] + parsed[2] if parsed else pattern.name.replace("%", "")) or "frames"
    try:
        return StagedFolder(pattern.with_name(stem), replacing=False)
    except atomic.OutputError as exc:
        raise RenderError(f"{pattern}: {exc}") from None
    except OSError as exc:
        raise _unwritable(pattern, exc) from None


def output_tag(project_id: str, project_name: str = "") -> str:
    """The ``comment`` a render writes into its output: which project made it (id, then name)."""
    return _TAG + project_id + (f" {_NAME}{project_name}" if project_name else "")


def mark_output(path: Path, project_id: str, project_name: str = "") -> None:
    """Mark a finished render as this project's in an extended attribute, where the filesystem has them."""
    with contextlib.suppress(OSError, AttributeError):  # no xattrs (or not Linux): the comment tag stays
        os.setxattr(path, _XATTR, output_tag(project_id, project_name).encode(), follow_symlinks=False)


def _owner(tag: str) -> tuple[str, str] | None:
    """(project id, name) from a render's tag, or None when it is not one of our renders."""
    if not tag.startswith(_TAG):
        return None
    project_id, _, rest = tag[len(_TAG) :].partition(" ")
    return project_id, rest.removeprefix(_NAME) if rest.startswith(_NAME) else ""


def _file_tag(path: Path) -> tuple[str, bool] | None:
    """(our comment tag or "", whether the container keeps one), or None when it is not media."""
    import av

    try:
        with av.open(str(path), metadata_errors="replace") as c:
            # Matroska names it COMMENT; Ogg keeps it on the stream
            found = [c.metadata, *(st.metadata for st in c.streams)]
            tags = [str(m.get(k, "")) for m in found for k in m if str(k).lower() == "comment"]
            return next((t for t in tags if t.startswith(_TAG)), ""), c.format.name in _TAGGED
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        return None


def _xattr_tag(path: Path) -> str:
    with contextlib.suppress(OSError, AttributeError, UnicodeDecodeError):
        return os.getxattr(path, _XATTR, follow_symlinks=False).decode()
    return ""


def previous_output_of(path: Path, project_id: str, project_name: str = "") -> bool:
    """True when ``path`` is a render of this project: its tag names the project's id or its name.

    The name counts too, so a notebook run again (a new project of the same name) may replace what
    its last run rendered; nobody else's file carries our tag. A container that keeps our tag
    (MP4, MOV, M4A, MKV, WebM, WAV, FLAC, Ogg) must carry it inside: the extended attribute, which
    any process of the user's may set on any file, counts only for files that keep no tag (GIF,
    WebP, subtitle sidecars).
    """
    if not is_regular_file(path):  # a FIFO named like the output would block av.open
        return False
    inside = _file_tag(path)
    tag = inside[0] if inside is not None and (inside[0] or inside[1]) else _xattr_tag(path)
    owner = _owner(tag)
    return owner is not None and (owner[0] == project_id or bool(project_name and owner[1] == project_name))


def check_replace(target: Path, project_id: str, project_name: str = "", *, overwrite: bool = False) -> None:
    """Refuse to replace an existing file that is not an earlier render of this project.

    Someone's ``film.mp4`` is never lost to a render that happens to name it; ``overwrite`` says
    the user means it. A render of the same project (its tag) is replaced freely.
    """
    try:
        atomic.check_replaceable(target)  # a link or a device is refused even with overwrite
    except atomic.OutputError as exc:
        raise RenderError(str(exc)) from None
    if overwrite or not target.is_file() or previous_output_of(target, project_id, project_name):
        return
    msg = f"{target}: exists and is not a render of this project; move it away or render with overwrite"
    msg += " (overwrite=True; on the command line --overwrite)"
    raise RenderError(msg)


_PRINTF = re.compile(r"%0?(\d*)d")


def frame_pattern(name: str) -> tuple[str, int, str] | None:
    """The text before, the digits (0: unpadded) and the text after the one printf frame number of a
    file name (``frame_%06d.png``: ``("frame_", 6, ".png")``); None unless it has exactly one ``%``,
    a ``%d`` or ``%0Nd`` (what an image-sequence muxer numbers)."""
    m = _PRINTF.search(name)
    if m is None or name.count("%") != 1:
        return None
    return name[: m.start()], int(m.group(1) or 0), name[m.end() :]


def frame_names(member: str) -> Callable[[str], bool]:
    """Which names the printf pattern ``member`` writes (``frame_%06d.png``: ``frame_000007.png``,
    ``frame_1234567.png``; ``%d``: unpadded): the frames an image-sequence render of it owns."""
    parsed = frame_pattern(member)
    if parsed is None:
        return lambda name: name == member
    head, width, tail = parsed
    rx = re.compile(re.escape(head) + r"(\d+)" + re.escape(tail))
    return lambda name: (x := rx.fullmatch(name)) is not None and x[1] == str(int(x[1])).zfill(width)


def check_pattern_target(pattern: Path, sources: Iterable[Path]) -> None:
    """Frames written by pattern into an existing folder replace only earlier frames of that pattern:
    refuse a source among them, and any of their names that is not a regular file (a link, a folder)."""
    folder, ours = pattern.parent.resolve(), frame_names(pattern.name)
    for src in sources:
        where = Path(src).resolve()
        if where == folder or (where.parent == folder and (ours(where.name) or where.name == pattern.name)):
            msg = f"{pattern}: would replace {src}, a source of this project; render the frames elsewhere"
            raise RenderError(msg)
    try:
        there = [e for e in os.scandir(pattern.parent) if ours(e.name)]
    except OSError:
        return  # no such folder: said where it is opened
    for entry in there:
        if not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
            msg = f"{pattern.parent / entry.name}: is named as a frame of {pattern.name} but is not a "
            raise RenderError(msg + "rendered frame (a link, a folder...); move it away or render elsewhere")


def check_folder_target(target: Path, sources: Iterable[Path], member: str) -> None:
    """An image-sequence output replaces a whole folder: refuse one that holds a source, or any file
    that is not a frame an earlier render wrote there (``member`` is the frame pattern, ``%06d``)."""
    folder = target.resolve()
    for src in sources:
        where = Path(src).resolve()
        if where == folder or folder in where.parents:
            msg = f"{target}: holds {src}, a source of this project; render the frames elsewhere"
            raise RenderError(msg)
    if not target.exists():
        return
    if not target.is_dir():
        raise RenderError(f"{target}: exists and is not a folder of rendered frames; refusing to replace it")
    ours = frame_names(member)
    strangers = [p.name for p in target.iterdir() if not ours(p.name)]
    if strangers:
        msg = f"{target}: holds files that are not rendered frames ({', '.join(sorted(strangers)[:3])}...); "
        raise RenderError(msg + "render the frames into a new folder")
