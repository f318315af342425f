"""Files dropped on the timeline: paths from JupyterLab's file browser, and files from the desktop.

The browser only says where (track, frame) and what (a path relative to the Jupyter server's
root, or a file's bytes); here the path is confined to the files root, uploads are written into
the media folder under a new name (never over a file), the file is probed, and the clip is placed
by the model's registered operations: one undo step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .. import atomic
from ..errors import MediaError, ProjectError, TimelineLabError
from ..fs import WorkspaceEscape, media_type_of, resolve_inside
from ..model.items import Clip
from ..model.project import Project
from ..model.track import Track

__all__ = ["UPLOAD_LIMIT", "DropError", "Upload", "drop_ops", "files_path", "new_upload"]

UPLOAD_LIMIT = 2 * 1024**3
"""Bytes a desktop file dropped on the timeline may have (2 GiB; ``TimelineWidget(upload_limit=...)``)."""

_SAFE_NAME = re.compile(r"[^\w.\- ]+")


class DropError(TimelineLabError):
    """A drop the timeline refuses: outside the files root, not media, too large."""


def files_path(root: Path, path: str) -> Path:
    """The file a file-browser ``path`` (relative to the Jupyter server's root) names under ``root``.

    ``root`` is the kernel's folder (or the ``files_root`` given): the leading folders of ``path``
    that are ``root``'s own last folders are dropped (a notebook in ``sub/`` gets ``sub/a.mp4``),
    then the path is resolved with every link followed and refused unless it stays inside ``root``.
    """
    root = root.resolve()
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts or "\x00" in path:
        raise DropError(f"{path!r}: not a path inside the Jupyter server's folder")
    candidates = [parts]
    for k in range(min(len(parts) - 1, len(root.parts)), 0, -1):
        if tuple(root.parts[-k:]) == parts[:k]:
            candidates.insert(0, parts[k:])
            break
    for candidate in candidates:
        try:
            real = resolve_inside(root, PurePosixPath(*candidate))
        except WorkspaceEscape:
            raise DropError(
                f"{path!r}: resolves outside {root}; only files under it can be dropped"
            ) from None
        if real.is_file():
            return real
    msg = f"{path!r}: no such file under {root} (files elsewhere: TimelineWidget(files_root=...))"
    raise DropError(msg)


def check_media(path: Path) -> None:
    """Refuse a file whose name says it is not video, audio or an image (before probing it)."""
    if media_type_of(path) not in ("video", "audio", "image"):
        raise DropError(f"{path.name}: not a media file (video, audio or image); nothing was added")


@dataclass
class Upload:
    """A desktop file arriving in chunks: written to a hidden, locked staging file, then given a name
    of its own (``target``, else ``name-1``...) that no file had, only once it is whole."""

    name: str
    size: int
    part: Path
    target: Path
    received: int = 0

    def write(self, offset: int, data: bytes) -> None:
        """Append one chunk (chunks come in order; anything else is refused)."""
        if offset != self.received or self.received + len(data) > self.size:
            raise DropError(f"{self.name}: upload chunk at {offset} out of order; the upload was cancelled")
        with atomic.write_path(self.part).open("ab") as fh:  # the file made, never a link put in its place
            fh.write(data)
        self.received += len(data)

    def finish(self) -> Path:
        """Give the whole file the first free name of ``target``'s (linked only where no file is)."""
        if self.received != self.size:
            raise DropError(
                f"{self.name}: got {self.received} of {self.size} bytes; the upload was cancelled"
            )
        for name in _names(self.target):
            try:
                atomic.commit(self.part, name, exclusive=True)
            except FileExistsError:
                continue
            except atomic.OutputError as exc:
                raise DropError(f"{self.name}: {exc}; the upload was cancelled") from None
            self.target = name
            return name
        raise DropError(f"{self.name}: too many files of that name in {self.target.parent}")

    def cancel(self) -> None:
        """Remove what was written (no name was taken yet)."""
        self.part.unlink(missing_ok=True)
        atomic.release(self.part)


def _names(target: Path) -> list[Path]:
    """``target``, then ``stem-1.ext``... ``stem-999.ext``: the names an upload may take, in order."""
    stem, suffix = target.stem, target.suffix
    return [target, *(target.with_name(f"{stem}-{n}{suffix}") for n in range(1, 1000))]


def new_upload(folder: Path, name: str, size: int, limit: int = UPLOAD_LIMIT) -> Upload:
    """Start an upload of ``name`` into ``folder``: a hidden staging file of its own, locked while
    this process lives (so what a killed kernel left is removed by the next upload of that name);
    the file gets its name only when whole (:meth:`Upload.finish`), never replacing one."""
    if size > limit:
        raise DropError(f"{name}: {size / 1e6:.1f} MB is over the upload limit of {limit / 1e6:.0f} MB")
    if size <= 0:
        raise DropError(f"{name}: empty file, not a media file")
    clean = _SAFE_NAME.sub("_", PurePosixPath(name.replace("\\", "/")).name).strip(" .") or "upload"
    check_media(Path(clean))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / clean
    try:
        part = atomic.staging_file(target, hidden=True, replacing=False)
    except atomic.OutputError as exc:
        raise DropError(f"{name}: {exc}") from None
    return Upload(name=clean, size=size, part=part, target=target)


def _track_for(
    project: Project, track_id: str | None, clip: Clip, made: dict[str, str]
) -> str | dict[str, Any]:
    """The track a dropped clip goes on (its id), or the ``add_track`` op of a new one.

    The track under the pointer if it can hold the clip (audio-only media needs an audio track);
    else the lowest unlocked track of the kind needed; a new track when dropped below the last one
    (``track_id`` None) or when none fits. ``made``: tracks this drop already added, by kind.
    """
    needed = "video" if clip.media.has_video else "audio"
    if needed in made:
        return made[needed]
    target = next((t for t in project.tracks if t.id == track_id), None)
    fits = target is not None and (target.kind == needed or (target.kind == "audio" and clip.media.has_audio))
    if target is not None and fits and not target.locked:
        return target.id
    free = [t for t in project.tracks if t.kind == needed and not t.locked]
    if free and track_id is not None:
        return free[0].id
    count = sum(t.kind == needed for t in project.tracks)
    new = Track(kind=needed, name=f"{needed[0].upper()}{count + 1}")
    made[needed] = new.id
    return {"op": "add_track", "track_data": new.model_dump(mode="json")}


def drop_ops(project: Project, clips: list[Clip], track_id: str | None, frame: int) -> list[dict[str, Any]]:
    """Ops placing ``clips`` one after another from ``frame`` (overwriting what is there, as an NLE's
    drop does) on the track ``track_id`` (None: a new track, dropped below the last one)."""
    rate = project.settings.frame_rate
    ops: list[dict[str, Any]] = []
    made: dict[str, str] = {}
    at = max(0, frame)
    for clip in clips:
        track = _track_for(project, track_id, clip, made)
        if isinstance(track, dict):
            ops.append(track)
            track = track["track_data"]["id"]
        ops.append({"op": "overwrite", "track": track, "item": clip.model_dump(mode="json"), "at": at})
        at += clip.frames(rate)
    return ops


def probe_clip(path: Path, make: Callable[[Path], Clip]) -> Clip:
    """The clip ``make`` builds for a dropped file, or one clear refusal when it is not media."""
    check_media(path)
    try:
        return make(path)
    except (MediaError, ProjectError) as exc:
        raise DropError(f"{path.name}: not a media file this timeline can use ({exc})") from None
