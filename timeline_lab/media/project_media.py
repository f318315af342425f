"""A project's files (media, and the LUTs, fonts and detections tables it names): which are missing
or replaced by another file, and relinking them to where they moved.

Files are found again by :func:`~timeline_lab.media.relink.find_media` (media: same name, size and
fingerprint; a detections table: its SHA-256; a LUT or font: its name). On open the paths are
rewritten in the document itself (:func:`relink_project`, no history); a later relink is one undoable
group of item updates (:func:`relink_clips`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.file_hash import file_sha256
from ..errors import MediaError
from ..model import io
from ..model.items import Clip, TextClip
from ..model.media_ref import MediaReference
from ..model.project import Project
from ..model.track import Track
from .relink import find_media, find_sequence, fingerprint
from .sequence import is_sequence
from .urls import as_url, stat_url

__all__ = [
    "Missing",
    "accept_replaced",
    "media_refs",
    "missing_media",
    "missing_message",
    "relink_clips",
    "relink_project",
]


@dataclass(frozen=True)
class Missing:
    """A file the project names that is not usable where it says: ``what`` it is, and ``why``."""

    path: str
    what: str = "media"
    why: str = ""

    def describe(self) -> str:
        """``name (was path)``, with why when it is there but another file."""
        name = Path(self.path).name
        kind = "" if self.what == "media" else f"{self.what}, "
        return f"{name} ({kind}at {self.path}: {self.why})" if self.why else f"{name} ({kind}was {self.path})"


def missing_message(source: Path, missing: Sequence[Missing]) -> str:
    """One message naming every missing file (and what differs, for a replaced one)."""
    noun = "media file(s)" if all(m.what == "media" for m in missing) else "file(s)"
    names = "; ".join(m.describe() for m in missing)
    replaced = any(m.what == "media" and m.why for m in missing)
    take = "; to use the files now at those paths, open with accept_replaced=True" if replaced else ""
    return (
        f"{source}: {len(missing)} {noun} missing: {names}. Put them next to the project, "
        f"or pass search=[folder] (command line: timeline-lab relink PROJECT FOLDER){take}"
    )


def media_refs(project: Project) -> dict[str, MediaReference]:
    """Each media file the project's clips use (nested sequences' too), by path."""
    return {c.media.path: c.media for c in project.clips()}


def _mib(n: int) -> str:
    return f"{n} bytes" if n < 1 << 20 else f"{n} bytes ({n / (1 << 20):.1f} MiB)"


def _unusable(ref: MediaReference) -> str | None:
    """None when the media is where the reference says and is the file recorded; else why not
    ("" when it is not there). The size first (a stat), then the fingerprint when sizes agree."""
    if (url := as_url(ref.path)) is not None:  # its size (no download; the render checks the rest)
        try:
            size = stat_url(url).size
        except MediaError:
            return ""
        return _differs(ref, size, None)
    path = Path(ref.path)
    if ref.sequence:  # a folder of images, or a pattern in a folder (a moved folder is missing)
        return None if path.is_dir() or (is_sequence(path) and path.parent.is_dir()) else ""
    try:
        st = path.stat()
    except OSError:
        return ""
    if not path.is_file():
        return None  # (a folder read as an image sequence)
    return _differs(ref, st.st_size, path)


def _differs(ref: MediaReference, size: int, path: Path | None) -> str | None:
    if ref.size is not None and size != ref.size:
        return f"another file: {_mib(size)}, the project recorded {_mib(ref.size)}"
    if path is not None and ref.fingerprint is not None:
        try:
            now = fingerprint(path)  # cached by file identity: once per file
        except OSError:
            return ""
        if now != ref.fingerprint:
            return (
                "another file of the same size: its first or last MiB differs from the recorded fingerprint"
            )
    return None


def _missing_media(project: Project) -> list[tuple[MediaReference, str]]:
    """Each media reference not usable where it says, and why (see :func:`_unusable`)."""
    out = []
    for ref in media_refs(project).values():
        why = _unusable(ref)
        if why is not None:
            out.append((ref, why))
    return out


def missing_media(project: Project) -> list[MediaReference]:
    """The media files the project uses that are not where it says, or are another file there."""
    return [ref for ref, _ in _missing_media(project)]


_WHAT = {"font": "font", "lut": "LUT", "table": "detections table"}


def _files(project: Project) -> dict[str, tuple[str, str | None]]:
    """The other files the project names (LUTs, fonts, detections tables): path -> (what, sha256)."""
    out: dict[str, tuple[str, str | None]] = {}
    for track in project.all_tracks():
        for item in track.items:
            if isinstance(item, TextClip) and item.style.font is not None:
                out.setdefault(item.style.font, (_WHAT["font"], None))
            if not isinstance(item, Clip):
                continue
            for fx in item.effects:
                if fx.kind == "lut" and isinstance(fx.params.get("path"), str):
                    out.setdefault(fx.params["path"], (_WHAT["lut"], None))
                table = fx.params.get("table") if fx.kind == "annotate" else None
                if isinstance(table, dict) and isinstance(table.get("path"), str):
                    out.setdefault(table["path"], (_WHAT["table"], table.get("sha256")))
    return out


def _missing_files(project: Project) -> list[Missing]:
    """The LUTs, fonts and tables the project names that are not files where it says (by URL: the
    render checks them)."""
    return [
        Missing(path, what)
        for path, (what, _) in _files(project).items()
        if as_url(path) is None and not Path(path).is_file()
    ]


def _find_file(path: str, sha256: str | None, folders: Sequence[Path]) -> Path | None:
    def same(candidate: Path) -> bool:
        return sha256 is None or file_sha256(candidate) == sha256

    return find_media(Path(path).name, None, None, folders, check=same)


def _found(project: Project, folders: Sequence[Path]) -> tuple[dict[str, str], list[Missing]]:
    """Where the missing files were found under ``folders`` (old path -> new), and those still missing."""
    found: dict[str, str] = {}
    left: list[Missing] = []
    for ref, why in _missing_media(project):
        if not folders:
            hit = None
        elif ref.sequence:  # a folder or pattern of images: found by its folder's name
            hit = find_sequence(Path(ref.path), folders)
        else:
            hit = find_media(Path(ref.path).name, ref.size, ref.fingerprint, folders)
        if hit is not None:
            found[ref.path] = str(hit)
        else:
            left.append(Missing(ref.path, "media", why))
    files = _files(project)
    for gone in _missing_files(project):
        hit = _find_file(gone.path, files[gone.path][1], folders) if folders else None
        if hit is not None:
            found[gone.path] = str(hit)
        else:
            left.append(gone)
    return found, left


def relink_project(project: Project, folders: Sequence[Path]) -> tuple[Project, list[Missing]]:
    """The project with missing files found under ``folders`` relinked, and what is still missing.

    Used on open: the paths are rewritten in the document itself, so no edit enters the history.
    """
    found, left = _found(project, folders)
    if found:
        data = json.loads(io.dumps(project))
        for media in io.media_refs(data):
            media["path"] = found.get(media["path"], media["path"])
        for holder, key in io.file_refs(data):
            holder[key] = found.get(holder[key], holder[key])
        project = io.loads(json.dumps(data))
    return project, left


def accept_replaced(project: Project, missing: Sequence[Missing]) -> tuple[Project, list[Missing]]:
    """The project taking the files now at its media paths where another file replaced the one it
    recorded (a re-rendered shot of the same name): each probed again and its reference renewed.
    Only what the user asks for; a clip the new file is too short for is refused by the load."""
    from .reference import reference_for

    replaced = {m.path for m in missing if m.what == "media" and m.why}
    if not replaced:
        return project, list(missing)
    fresh = {}
    for media in media_refs(project).values():
        if media.path in replaced:
            renewed = reference_for(
                media.path, video_stream=media.video_stream, audio_stream=media.audio_stream
            )
            fresh[media.path] = renewed.model_dump(mode="json")
    project = io.loads(json.dumps(_renewed(json.loads(io.dumps(project)), fresh)))
    return project, [m for m in missing if m.path not in replaced]


def _renewed(data: Any, fresh: dict[str, Any]) -> Any:
    """``data`` with each media reference named in ``fresh`` replaced by its renewed one."""
    for media in io.media_refs(data):
        renewed = fresh.get(media["path"])
        if renewed is not None:
            media.update(renewed)
    return data


def relink_clips(project: Project, folders: Sequence[Path]) -> list[str]:
    """Point items whose media, LUT, font or detections table is missing at the same files found
    under ``folders``.

    One undo step for the whole relink (all of it, or on a refusal none of it); locked tracks are
    relinked too: where a file lies is not the cut a lock protects. Returns the paths still missing.
    """
    found, left = _found(project, folders)
    refs = {
        p: ref.model_copy(update={"path": found[p]}) for p, ref in media_refs(project).items() if p in found
    }
    edits = [(track, edits) for track in project.all_tracks() if (edits := _track_edits(track, found, refs))]
    if edits:
        with project.group("relink"):
            for track, changes in edits:
                _apply(track, changes)
    return [m.path for m in left]


_Edits = list[tuple[str, dict[str, Any]]]


def _track_edits(track: Track, found: dict[str, str], refs: dict[str, MediaReference]) -> _Edits:
    """(item id, field changes) for each item of ``track`` naming a file found elsewhere."""
    return [(item.id, changes) for item in track.items if (changes := _relinked(item, found, refs))]


def _apply(track: Track, changes: _Edits) -> None:
    """The item updates, on a locked track between an unlock and a lock again (in the same group,
    so an undo leaves it locked as it was)."""
    locked = track.locked
    if locked:
        track.configure(locked=False)
    for item_id, fields in changes:
        track.update(item_id, **fields)
    if locked:
        track.configure(locked=True)


def _relinked(item: Any, found: dict[str, str], refs: dict[str, MediaReference]) -> dict[str, Any]:
    """The field changes that point ``item`` at the files found (none when it names none of them)."""
    if isinstance(item, TextClip) and item.style.font in found:
        return {"style": item.style.model_copy(update={"font": found[item.style.font]})}
    if not isinstance(item, Clip):
        return {}
    changes: dict[str, Any] = {}
    if item.media.path in refs:
        changes["media"] = refs[item.media.path]
    effects, moved = [], False
    for fx in item.effects:
        params = fx.params
        if fx.kind == "lut" and params.get("path") in found:
            params, moved = {**params, "path": found[params["path"]]}, True
        table = params.get("table") if fx.kind == "annotate" else None
        if isinstance(table, dict) and table.get("path") in found:
            params, moved = {**params, "table": {**table, "path": found[table["path"]]}}, True
        effects.append(fx if params is fx.params else fx.model_copy(update={"params": params}))
    if moved:
        changes["effects"] = effects
    return changes
