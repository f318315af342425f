"""``MediaBin``: the project's media (and a folder's) as thumbnails, a source viewer marking in and
out, and three-point insert/overwrite onto a linked timeline.

The kernel probes, filters and edits; the browser draws tiles, scrubs filmstrips on hover, plays the
source from the media server and sends which frames were marked. Edits go through the project's
operation registry, one undo step each, so the linked ``TimelineWidget`` redraws itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..errors import ProjectError, TimelineLabError
from ..media.project_media import media_refs
from ..model.items import Clip
from ..model.media_ref import MediaReference
from ..model.project import Project
from ._bin_items import KINDS, BinItem, error_item, probe_item, scan_folder, select, with_usage
from ._bin_media import frame_png, strip_message
from ._fields import whole
from ._sync import Coalescer, kernel_loop
from ._three_point import source_frames, target_track, three_point_edit

if TYPE_CHECKING:
    from ..studio import Studio
    from .timeline import TimelineWidget

__all__ = ["MediaBin"]

log = logging.getLogger(__name__)
# thumbnails and viewer frames decode video: two at a time, however many tiles ask at once
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="media-bin")
STATIC = Path(__file__).parent / "static"


def _norm(path: str | Path) -> str:
    return str(Path(path).expanduser().resolve())


class MediaBin(anywidget.AnyWidget):  # type: ignore[misc]
    """Tiles of ``project``'s media and ``folder``'s, searchable; double-click opens a source viewer
    where I/O mark frames and ``,``/``.`` insert/overwrite them at the linked timeline's playhead."""

    _esm = STATIC / "bin.js"
    _css = STATIC / "bin.css"

    items = traitlets.List(traitlets.Dict(), help="every tile's facts (BinItem.to_json)").tag(sync=True)
    visible = traitlets.List(traitlets.Unicode(), help="paths shown, in order").tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
    kinds = traitlets.List[str](traitlets.Unicode(), default_value=[*KINDS]).tag(sync=True)
    usage = traitlets.Unicode("all", help="'all', 'used' or 'unused'").tag(sync=True)
    sort = traitlets.Unicode("name", help="'name', 'duration', 'kind' or 'size'").tag(sync=True)
    folder = traitlets.Unicode("").tag(sync=True)
    source = traitlets.Unicode("", help="path open in the source viewer ('' closed)").tag(sync=True)
    source_src = traitlets.Unicode("").tag(sync=True)
    source_kind = traitlets.Unicode("").tag(sync=True)
    source_rate = traitlets.List(traitlets.Int(), [25, 1], help="the media rate frames count at").tag(
        sync=True
    )
    source_frames = traitlets.Int(0).tag(sync=True)
    source_step = traitlets.Int(1, help="frames one step moves (audio: one timeline frame)").tag(sync=True)
    source_frame = traitlets.Int(0).tag(sync=True)
    mark_in = traitlets.Int(None, allow_none=True).tag(sync=True)
    mark_out = traitlets.Int(None, allow_none=True).tag(sync=True)
    target = traitlets.Unicode("", help="track edits land on ('': automatic)").tag(sync=True)
    tracks = traitlets.List(traitlets.Dict()).tag(sync=True)
    linked = traitlets.Bool(False).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        project: Project,
        *,
        folder: str | Path | None = None,
        recursive: bool = False,
        timeline: TimelineWidget | None = None,
        studio: Studio | None = None,
        **kwargs: Any,
    ) -> None:
        self._unsubscribe: Any = lambda: (
            None
        )  # set first: Widget.__del__ calls close() even when __init__ raised
        super().__init__(**kwargs)
        self.project = project
        self._studio = studio
        self._timeline: TimelineWidget | None = None
        self._found: dict[str, BinItem] = {}
        self._refs: dict[str, MediaReference] = {}
        self._recursive = recursive
        self._sync_project()
        if folder is not None:
            self.scan(folder, recursive=recursive)
        if timeline is not None:
            self.link(timeline)
        self._changed = Coalescer(self._sync_project)
        self._unsubscribe = project.subscribe(lambda op, how: self._changed())
        self.observe(lambda _: self._show(), names=["query", "kinds", "usage", "sort"])
        self.observe(self._on_source, names="source")
        self.on_msg(self._on_msg)

    # --- what the bin holds ---------------------------------------------------------------
    def studio(self) -> Studio:
        """The Studio whose caches, readers and media server this bin uses (else the process default)."""
        if self._studio is None:
            from ..studio import Studio

            self._studio = Studio.default()
        return self._studio

    def add(self, *paths: str | Path) -> list[BinItem]:
        """Probe media files into the bin (a file that is not media becomes an error tile)."""
        added = [self._probe(_norm(p)) for p in paths]
        self._show()
        return added

    def scan(self, folder: str | Path, *, recursive: bool = False) -> list[BinItem]:
        """Add every media file of ``folder`` (and its subfolders when ``recursive``)."""
        self.folder, self._recursive = _norm(folder), recursive
        return self.add(*scan_folder(folder, recursive=recursive))

    def _probe(self, path: str) -> BinItem:
        rate = self.project.settings.frame_rate
        if not Path(path).exists():
            item = error_item(path, f"{Path(path).name}: missing (not at {path})")
        else:
            item, ref = probe_item(path, display_rate=rate)
            if ref is not None:
                self._refs[path] = ref
        self._found[path] = item
        return item

    def _sync_project(self) -> None:
        """Take in media new clips use, mark which files are used, list the tracks; then redraw."""
        used = {_norm(p) for p in media_refs(self.project)}
        for path in sorted(used - self._found.keys()):
            self._probe(path)
        self._found = {i.path: i for i in with_usage(self._found.values(), used)}
        self.tracks = [{"id": t.id, "name": t.name or t.id, "kind": t.kind} for t in self.project.tracks]
        self._show()

    def _show(self) -> None:
        self.items = [i.to_json() for i in self._found.values()]
        try:
            self.visible = select(
                list(self._found.values()),
                query=self.query,
                kinds=self.kinds,
                usage=self.usage,
                sort=self.sort,
            )
        except ValueError as exc:
            self.message = str(exc)

    def item(self, path: str | Path) -> BinItem:
        """The tile of ``path``."""
        try:
            return self._found[_norm(path)]
        except KeyError:
            raise TimelineLabError(f"media bin: {Path(path).name} is not in the bin") from None

    # --- the source viewer ----------------------------------------------------------------
    def open_source(self, path: str | Path) -> None:
        """Show ``path`` in the source viewer, in and out cleared."""
        self.source = _norm(path)

    def _on_source(self, change: dict[str, Any]) -> None:
        path = str(change["new"])
        self.mark_in = self.mark_out = None
        self.source_frame = 0
        if not path:
            self.source_src = self.source_kind = ""
            return
        ref = self._refs.get(path)
        if ref is None:
            self.message = (
                self._found[path].error if path in self._found else f"{Path(path).name}: not in the bin"
            )
            self.source_src, self.source_kind = "", "error"
            return
        from ..server.urls import media_url

        self.source_kind = self._found[path].kind
        self.source_rate = [ref.rate.numerator, ref.rate.denominator]
        self.source_frames = source_frames(ref)
        step = ref.rate / self.project.settings.frame_rate if not ref.has_video else Fraction(1)
        self.source_step = max(1, round(step))
        self.source_src = "" if ref.still else media_url(path, studio=self.studio())
        self.message = ""

    # --- three-point edits -------------------------------------------------------------------
    def link(self, timeline: TimelineWidget) -> None:
        """Edit onto ``timeline``'s project at its playhead (and on the track of its selection)."""
        if timeline.project is not self.project:
            raise TimelineLabError("media bin: link a timeline of the bin's own project")
        self._timeline = timeline
        self.linked = True

    def insert(self, **where: Any) -> Clip:
        """Insert the viewer's in..out at the playhead, rippling later items (``,`` in the viewer)."""
        return self.edit("insert", **where)

    def overwrite(self, **where: Any) -> Clip:
        """Place the viewer's in..out at the playhead over what is there (``.`` in the viewer)."""
        return self.edit("overwrite", **where)

    def edit(
        self,
        mode: str,
        *,
        path: str | Path | None = None,
        source_in: int | None = None,
        source_out: int | None = None,
        at: int | None = None,
        track: str | None = None,
    ) -> Clip:
        """Three-point edit: source in/out (default: the viewer's marks, else the whole file) and the
        timeline point (default: the linked timeline's playhead); one undo step; raises on refusal."""
        source = _norm(path) if path is not None else self.source
        if not source:
            raise ProjectError(f"{mode}: open a file in the source viewer first")
        if source not in self._refs:
            item = self._found.get(source)
            raise ProjectError(item.error if item and item.error else f"{Path(source).name}: not in the bin")
        ref = self.studio().media(source)  # probed once per Studio, with the identity relinking needs
        first = source_in if source_in is not None else self.mark_in if self.mark_in is not None else 0
        last = source_out if source_out is not None else self.mark_out
        if last is None:
            last = source_frames(ref) - 1
        if at is None:
            if self._timeline is None:
                raise ProjectError(f"{mode}: no timeline linked (bin.link(timeline)) and no frame given")
            at = self._timeline.playhead
        selection: Sequence[str] = self._timeline.selection if self._timeline is not None else ()
        chosen = target_track(self.project, ref, preferred=track or self.target, selection=selection)
        clip, _ = three_point_edit(self.project, ref, first, last, at, chosen.id, mode, name=ref.name)
        rate = self.project.settings.frame_rate
        end = clip.start.to_frames(rate) + clip.frames(rate)
        if self._timeline is not None:
            self._timeline.playhead = end  # as an editor's does: the next edit follows this one
        self.message = f"{mode}: {ref.name} frames {first}–{last} at frame {at} on {chosen.name or chosen.id}"
        return clip

    # --- browser messages --------------------------------------------------------------------
    def _on_msg(self, _widget: Any, content: object, buffers: Sequence[bytes]) -> None:
        if not isinstance(content, dict):
            self._refuse(f"message: expected an object, got {type(content).__name__}")
            return
        kind = content.get("kind")
        try:
            if kind == "thumb":
                self._send_later(self._thumb, _text(content.get("path", ""), "path"))
            elif kind == "frame":
                path = _text(content.get("path", ""), "path")
                self._send_later(self._frame, path, whole(content.get("frame", 0), "frame"))
            elif kind in ("insert", "overwrite"):
                self._edit_from_browser(str(kind), content)
            elif kind == "rescan" and self.folder:
                self.scan(self.folder, recursive=self._recursive)
        except TimelineLabError as exc:  # a refusal: said, no traceback
            self._refuse(f"{kind}: {exc}")
        except Exception as exc:  # never let a bad message kill the comm; say what happened
            log.exception("media bin message %r failed", kind)
            self._refuse(f"{kind}: {exc}")

    def _refuse(self, error: str) -> None:
        """Say why a message from the browser was not followed (the bin's message line, the viewer)."""
        self.message = error
        self.send({"kind": "refused", "error": error})

    def _edit_from_browser(self, mode: str, content: dict[str, Any]) -> None:
        try:
            path = _text(content.get("path") or self.source, "path")
            # in and out are checked (and refused by name) where every three-point edit checks them
            self.edit(mode, path=path, source_in=content.get("in"), source_out=content.get("out"))
        except (TimelineLabError, ValueError, TypeError) as exc:  # a refusal: said, not a traceback
            self._refuse(str(exc))
            return
        self.send({"kind": "edited", "mode": mode})

    def _thumb(self, path: str) -> tuple[dict[str, Any], list[bytes]]:
        item = self._found.get(path)
        if item is None:
            return {"kind": "thumb", "path": path, "tiles": [], "error": "not in the bin"}, []
        return strip_message(path, item.kind, caches=self.studio().caches)

    def _frame(self, path: str, frame: int) -> tuple[dict[str, Any], list[bytes]]:
        ref = self._refs.get(path)
        msg: dict[str, Any] = {"kind": "frame", "path": path, "frame": frame}
        if ref is None or not ref.has_video:
            return msg | {"error": "no picture"}, []
        k = 0 if ref.still else min(max(0, frame), source_frames(ref) - 1)
        try:
            return msg, [frame_png(path, k, ref.rate, readers=self.studio().readers)]
        except Exception as exc:  # a frame that cannot be decoded: say which, keep the viewer
            return msg | {"error": f"{Path(path).name} frame {frame}: {exc}"}, []

    def _send_later(self, make: Any, *args: Any) -> None:
        loop = kernel_loop()
        self.studio()  # resolved here, in the kernel's thread, not in a worker

        def work() -> None:
            msg, buffers = make(*args)
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self.send, msg, buffers)
            else:
                self.send(msg, buffers)

        _WORKERS.submit(work)

    def close(self) -> None:
        """Stop following the project, then close the comm."""
        self._unsubscribe()
        super().close()

    def __repr__(self) -> str:
        return f"MediaBin({self.project.name!r}, items={len(self._found)}, shown={len(self.visible)})"


def _text(value: object, field: str) -> str:
    """A string field of a browser message (a path): anything else is refused by name."""
    if isinstance(value, str):
        return value
    raise ProjectError(f"{field} must be a string, got {type(value).__name__}")
