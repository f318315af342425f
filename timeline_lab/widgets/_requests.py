"""The timeline widget's requests that the kernel turns into operations: clipboard, nudge, drops,
titles and ducking.

The browser says what was pressed and where (ids, track, frame); the kernel builds the registered
operations (``clipboard.py``, ``drops.py``) and applies them as one undo step, or refuses with
one message the widget shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ProjectError, TimelineLabError
from ._ducking import DUCK_WORKER, DuckJob, duck_ops
from ._fields import number, object_of, seq_of, strings, whole
from ._keyframes import add_keyframe_op, curve_message
from ._sync import kernel_loop
from ._titles import edit_changes, title_from_form
from .clipboard import CLIPBOARD, ClipData, PasteMode, attribute_ops, copy, cut_ops, nudge_ops, paste_ops
from .drops import DropError, Upload, drop_ops, files_path, new_upload, probe_clip

if TYPE_CHECKING:
    from ..model.history import Operation
    from ..model.items import Clip, TextClip
    from ..model.project import Project
    from ..studio import Studio
    from ..titles import Title

__all__ = ["GestureRequests"]

Ops = list[dict[str, Any]]


class GestureRequests:
    """Mixed into ``TimelineWidget``: the handlers of ``copy``, ``paste``, ``nudge``, ``drop``..."""

    project: Project
    upload_limit: int
    selection: list[str]
    files_root: Path
    _media_folder: Path | None
    _uploads: dict[str, tuple[Upload, dict[str, Any]]]
    _cancelled: set[str]
    _batches: dict[str, tuple[str, int]]

    if TYPE_CHECKING:  # provided by TimelineWidget

        def send(self, content: dict[str, Any], buffers: Sequence[bytes] | None = None) -> None: ...
        def studio(self) -> Studio: ...
        def _edit(self, seq: int, ops: object, view: str | None = None) -> bool: ...
        def _refuse(self, seq: int, error: str, view: str | None = None) -> None: ...
        def apply(self, ops: Sequence[dict[str, Any]]) -> list[Operation]: ...
        def _send_patch(self) -> None: ...
        def add_title(self, title: Title, at: int | None = None) -> list[TextClip]: ...
        def edit_title(self, clip_id: str, **changes: Any) -> TextClip: ...

        playhead: int
        message: str

    REQUESTS = frozenset(
        {
            "copy",
            "cut",
            "paste",
            "paste_attributes",
            "nudge",
            "duplicate",
            "drop",
            "upload",
            "keyframe",
            "curve",
            "title_add",
            "title_edit",
            "duck",
        }
    )
    """Message kinds ``request`` handles."""

    @property
    def media_folder(self) -> Path:
        """Where files dropped from the desktop are written: ``media/`` in the Studio's workspace."""
        return self._media_folder or self.studio().workspace / "media"

    # --- the same from Python ---------------------------------------------------------------
    def copy_clips(self, ids: Sequence[str] | None = None) -> ClipData:
        """Put items (default: the selection) on the kernel's clipboard, as Ctrl/Cmd-C does."""
        data = copy(self.project, list(self.selection if ids is None else ids))
        CLIPBOARD["clips"] = data
        return data

    def paste_clips(
        self, frame: int | None = None, track: str | None = None, mode: PasteMode = "overwrite"
    ) -> list[Operation]:
        """Paste the clipboard at ``frame`` (default: the playhead) on ``track``, one undo step."""
        at = self.playhead if frame is None else frame
        return self.apply(paste_ops(self.project, self._clipboard(), track, at, mode))

    def drop_files(self, *paths: str, track: str | None = None, frame: int | None = None) -> list[Operation]:
        """Place media files as a drop from the file browser does (paths under ``files_root``)."""
        at = self.playhead if frame is None else frame
        return self.apply(self._drop_paths(list(paths), track, at))

    def request(self, kind: str, content: dict[str, Any], buffers: Sequence[bytes]) -> None:
        """Handle one of ``REQUESTS`` (content as the widget sent it; ``buffers``: an upload's bytes)."""
        seq, view = seq_of(content.get("seq")), content.get("view")
        ids = strings(content.get("ids", []), "ids")
        track = content.get("track")
        frame = whole(content.get("frame", 0), "frame")
        if kind == "copy":
            self._copy(seq, view, ids)
        elif kind == "cut":
            self._apply(seq, view, lambda: self._cut(ids))
        elif kind == "paste":
            mode: PasteMode = "insert" if content.get("mode") == "insert" else "overwrite"
            self._apply(seq, view, lambda: paste_ops(self.project, self._clipboard(), track, frame, mode))
        elif kind == "paste_attributes":
            self._apply(seq, view, lambda: attribute_ops(self.project, self._clipboard(), ids))
        elif kind == "nudge":
            frames = whole(content.get("frames", 0), "frames")
            self._apply(seq, view, lambda: nudge_ops(self.project, ids, frames))
        elif kind == "duplicate":
            self._apply(seq, view, lambda: paste_ops(self.project, copy(self.project, ids), track, frame))
        elif kind == "drop":
            paths = strings(content.get("paths", []), "paths")
            self._apply(seq, view, lambda: self._drop_paths(paths, track, frame))
        elif kind == "upload":
            self._upload(seq, view, content, buffers)
        elif kind == "keyframe":
            item, prop = str(content.get("item", "")), str(content.get("property", ""))
            self._apply(seq, view, lambda: [add_keyframe_op(self.project, item, prop, frame)])
        elif kind == "curve":
            self._curve(view, content)
        elif kind == "title_add":
            template, fields = str(content.get("template", "")), object_of(content.get("fields"), "fields")
            self._run(seq, view, lambda: self.add_title(title_from_form(self.project, template, fields)))
        elif kind == "title_edit":
            item, fields = str(content.get("item", "")), object_of(content.get("fields"), "fields")
            self._run(seq, view, lambda: self.edit_title(item, **edit_changes(fields)))
        elif kind == "duck":
            under = strings(content.get("under", []), "under")
            amount = number(content.get("amount_db", -12), "amount_db")
            self._duck(seq, view, str(track or ""), under, amount)

    def _run(self, seq: int, view: str | None, fn: Callable[[], object]) -> None:
        """Run an edit made by Python (a template, ``edit_title``: one undo step) and ack, or refuse."""
        try:
            fn()
        except (TimelineLabError, ValueError, TypeError) as exc:  # pydantic's refusals are ValueErrors
            self._refuse(seq, str(exc), view)
            return
        self.message = ""
        self._send_patch()
        self.send({"kind": "ack", "seq": seq, "view": view})

    def _duck(self, seq: int, view: str | None, track: str, under: list[str], amount_db: float) -> None:
        """Duck ``track`` under ``under`` on a worker; the result is applied here as one undo step."""
        try:
            job = DuckJob.of(self.project, track, under, amount_db)
        except TimelineLabError as exc:
            self._refuse(seq, str(exc), view)
            return
        loop = kernel_loop()

        def finish(ops: Ops | None, error: str) -> None:
            try:
                if ops is None:
                    raise ProjectError(error)
                ops = duck_ops(self.project, job, ops)
            except TimelineLabError as exc:
                self._refuse(seq, str(exc), view)
                return
            if self._edit(seq, ops, view):
                self.send({"kind": "ducked", "seq": seq, "view": view, "clips": len(ops)})

        def work() -> None:
            try:
                ops, error = job.run(), ""
            except Exception as exc:  # decoding can fail many ways: each is reported to the widget
                ops, error = None, f"duck: {exc}"
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(finish, ops, error)
            else:
                finish(ops, error)

        DUCK_WORKER.submit(work)

    def add_keyframe_here(self, item_id: str, prop: str, frame: int | None = None) -> list[Operation]:
        """Key ``prop`` of a clip at the playhead (or clip ``frame``) with its current value, as K does."""
        if frame is None:
            frame = self.playhead - self._item_start(item_id)
        return self.apply([add_keyframe_op(self.project, item_id, prop, frame)])

    def _item_start(self, item_id: str) -> int:
        rate = self.project.settings.frame_rate
        for track in self.project.tracks:
            for item in track.items:
                if item.id == item_id:
                    return item.start.to_frames(rate)
        raise ProjectError(f"keyframe: no clip {item_id!r} on the timeline")

    def _curve(self, view: str | None, content: dict[str, Any]) -> None:
        """Send one property's evaluated values over the clip frames asked for (the curve view)."""
        item, prop = str(content.get("item", "")), str(content.get("property", ""))
        first, count = whole(content.get("first", 0), "first"), whole(content.get("count", 0), "count")
        try:
            msg = curve_message(self.project, item, prop, first, count)
        except (TimelineLabError, ValueError) as exc:
            self.send({"kind": "curve", "item": item, "property": prop, "error": str(exc), "view": view})
            return
        self.send({**msg, "view": view})

    def _apply(self, seq: int, view: str | None, make: Callable[[], Ops]) -> None:
        """Build the ops (a refusal there changes nothing), apply them as one step, select what was placed."""
        try:
            ops = make()
        except (TimelineLabError, ValueError, TypeError) as exc:
            self._refuse(seq, str(exc), view)
            return
        if self._edit(seq, ops, view):
            placed = [op["item"]["id"] for op in ops if op.get("op") == "overwrite"]
            if placed:
                self.selection = placed

    def _clipboard(self) -> Any:
        data = CLIPBOARD.get("clips")
        if data is None:
            raise ProjectError("paste: the clipboard is empty (copy clips with Ctrl/Cmd-C first)")
        return data

    def _copy(self, seq: int, view: str | None, ids: list[str]) -> None:
        try:
            data = copy(self.project, ids)
        except TimelineLabError as exc:
            self._refuse(seq, str(exc), view)
            return
        CLIPBOARD["clips"] = data
        what = f"{len(data.items)} clip(s)" if data.items else f"{len(data.transitions)} transition(s)"
        self.send({"kind": "copied", "seq": seq, "view": view, "text": data.to_text(), "what": what})

    def _cut(self, ids: list[str]) -> Ops:
        data = copy(self.project, ids)
        CLIPBOARD["clips"] = data
        return cut_ops(self.project, ids)

    def _clip(self, path: Path) -> Clip:
        return probe_clip(path, lambda p: self.studio().clip(p))

    def _drop_paths(self, paths: list[str], track: str | None, frame: int) -> Ops:
        if not paths:
            raise DropError("drop: no file in what was dropped")
        clips = [self._clip(files_path(self.files_root, p)) for p in paths]
        return drop_ops(self.project, clips, track, frame)

    def _upload(self, seq: int, view: str | None, content: dict[str, Any], buffers: Sequence[bytes]) -> None:
        """One chunk of a desktop file: the first reserves a new name, the last probes and places it."""
        key = str(content.get("upload", ""))
        if key in self._cancelled:
            return  # refused at an earlier chunk: the rest of the file is dropped
        try:
            offset = whole(content.get("offset", 0), "offset")
            if offset == 0:
                name, size = str(content.get("name", "")), whole(content.get("size", 0), "size")
                if key in self._uploads:  # the first chunk sent again: start over, leaving no staging file
                    self._uploads.pop(key)[0].cancel()
                self._uploads[key] = (new_upload(self.media_folder, name, size, self.upload_limit), content)
            upload, first = self._uploads[key]
            upload.write(offset, b"".join(bytes(b) for b in buffers))
            if not content.get("last"):
                return
            del self._uploads[key]
            path = upload.finish()
        except (TimelineLabError, KeyError, OSError, ValueError) as exc:
            self._cancelled.add(key)
            if key in self._uploads:
                self._uploads.pop(key)[0].cancel()
            self._refuse(
                seq, str(exc) if not isinstance(exc, KeyError) else f"upload {key!r} was not started", view
            )
            return
        track, frame = first.get("track"), whole(first.get("frame", 0), "frame")
        batch = str(first.get("batch", key))
        if whole(first.get("index", 0), "index") > 0 and batch in self._batches:
            track, frame = self._batches[batch]  # the files of one drop follow one another

        def place() -> Ops:
            try:
                clip = self._clip(path)
                ops = drop_ops(self.project, [clip], track, frame)
            except TimelineLabError:
                path.unlink(missing_ok=True)  # not media: do not leave it in the media folder
                raise
            placed = ops[-1]
            self._batches[batch] = (
                placed["track"],
                placed["at"] + clip.frames(self.project.settings.frame_rate),
            )
            return ops

        self._apply(seq, view, place)
