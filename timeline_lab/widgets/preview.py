"""``PreviewWidget``: a ``<video>`` fed by the media server, showing a media file or the edited timeline.

Playing uses the browser's decoder (HTTP range requests to the media server). Paused, the widget asks
the kernel for the exact frame, because a browser seek lands on "a" frame near the time, not
necessarily the one the model means. A timeline preview is a small proxy render of a window around
the playhead, redone after edits.
"""

from __future__ import annotations

import io
import logging
import threading
import uuid
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets
from PIL import Image

from ..errors import MediaError, TimelineLabError
from ..media.clips import shown_frame
from ..model.project import Project
from ..model.time import RationalTime
from ..server.urls import media_url, unregister_media
from ._boxes import on_canvas, shown_clip
from ._fields import whole
from ._sync import Coalescer, kernel_loop

if TYPE_CHECKING:
    import polars as pl

    from ..studio import Studio

__all__ = ["PreviewWidget"]

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _png(rgb: np.ndarray[Any, Any]) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


class PreviewWidget(anywidget.AnyWidget):  # type: ignore[misc]
    """Plays ``project`` (a proxy of the window around the playhead) or one ``source`` media file."""

    _esm = STATIC / "preview.js"
    _css = STATIC / "preview.css"

    src = traitlets.Unicode("").tag(sync=True)
    offset = traitlets.Int(0, help="timeline frame shown at the video's time 0").tag(sync=True)
    window_frames = traitlets.Int(0, help="frames the current video covers").tag(sync=True)
    rate = traitlets.List(traitlets.Int(), [30, 1]).tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Int(0).tag(sync=True)
    exact = traitlets.Bool(True, help="show the kernel's exact frame when paused").tag(sync=True)
    boxes = traitlets.List(traitlets.Dict()).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        project: Project | None = None,
        *,
        source: str | Path | None = None,
        studio: Studio | None = None,
        window_seconds: int = 60,
        scale: Fraction | int = Fraction(1, 2),
        **kwargs: Any,
    ) -> None:
        # set first: Widget.__del__ calls close() even when __init__ raised
        self._unsubscribe: Any = lambda: None
        self._timer: threading.Timer | None = None
        self._current: Path | None = None
        self._closed = False
        if (project is None) == (source is None):
            raise TimelineLabError(
                "PreviewWidget: give a project or a source media file, not both or neither"
            )
        super().__init__(**kwargs)
        self.project = project
        self.source = Path(source).resolve() if source is not None else None
        self._studio = studio
        self._window_seconds = window_seconds
        self._scale = scale
        self._detections: pl.DataFrame | None = None
        self._generation = 0
        self._rendering = False
        self._uid = uuid.uuid4().hex[:8]  # two previews of one project never share files
        self._loop = kernel_loop()
        self.on_msg(self._on_msg)
        self.observe(self._on_frame, names="frame")
        if self.source is not None:
            self._open_source(self.source)
        else:
            assert project is not None
            rate = project.settings.frame_rate
            self.rate = [rate.numerator, rate.denominator]
            self._stale = Coalescer(self._schedule_refresh)
            self._unsubscribe = project.subscribe(lambda op, how: self._stale())
            self.refresh()

    @traitlets.validate("frame")
    def _clamp_frame(self, proposal: dict[str, Any]) -> int:
        """The playhead stays on a frame that exists: playing to the end parks on the last one."""
        k = max(0, int(proposal["value"]))
        if getattr(self, "project", None) is not None:
            return min(k, max(0, self._total() - 1))
        if getattr(self, "source", None) is not None and self.window_frames:
            return min(k, self.window_frames - 1)
        return k

    # --- what the video shows --------------------------------------------------------------
    def _open_source(self, path: Path) -> None:
        from ..media.probe import probe

        video = probe(path).primary_video
        if video is None:
            raise MediaError(f"PreviewWidget: {path} has no video stream")
        self.rate = [video.frame_rate.numerator, video.frame_rate.denominator]
        self.offset = 0
        self.window_frames = video.frame_count or 0
        self.src = media_url(path, studio=self.studio())

    def studio(self) -> Studio:
        """The Studio this widget renders, decodes and serves media with.

        The one it was given, else (explicitly, on first need) the process default ``Studio.default()``.
        """
        if self._studio is None:
            from ..studio import Studio

            self._studio = Studio.default()
        return self._studio

    def _window(self, frame: int) -> tuple[int, int]:
        assert self.project is not None
        rate = self.project.settings.frame_rate
        total = self.project.duration().to_frames(rate)
        size = int(self._window_seconds * rate)
        if total <= size:
            return 0, total
        first = max(0, min(frame - size // 8, total - size))
        return first, first + size

    def _schedule_refresh(self) -> None:
        """Re-render half a second after the last edit, so a burst of edits renders once."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(0.5, self._on_main, args=(self.refresh,))
        self._timer.daemon = True
        self._timer.start()

    def _on_main(self, fn: Any, *args: Any) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(fn, *args)
        else:
            fn(*args)

    def refresh(self, *, wait: bool = False) -> None:
        """Render the window around the playhead again (in the background unless ``wait``)."""
        if self.project is None:
            return
        self._generation += 1
        gen = self._generation
        first, end = self._window(self.frame)
        if end <= first:
            self._rendering = False
            self.status = "the timeline is empty"
            return
        self._rendering = True
        self.status = "rendering preview…"
        # the worker renders a copy taken now: the kernel may edit the project meanwhile
        project = snapshot(self.project)
        rate = project.settings.frame_rate  # the proxy's rate: the browser maps its time to frames by it
        folder = self.studio().workspace / ".timeline_lab" / "previews"
        target = folder / f"{project.id}-{self._uid}-{gen}.mp4"

        def work(deliver: Any) -> None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                out = self.studio().preview(
                    project, target, first=first, end=end, scale=self._scale, announce=False
                )
                deliver(self._show, gen, out, first, end, None, rate)
            except Exception as exc:
                log.exception("preview render failed")
                deliver(self._show, gen, None, first, end, str(exc), rate)

        if wait:
            work(lambda fn, *args: fn(*args))
        else:
            threading.Thread(target=work, args=(self._on_main,), name="preview-render", daemon=True).start()

    def _show(
        self, gen: int, out: Path | None, first: int, end: int, error: str | None, rate: Fraction
    ) -> None:
        if gen != self._generation or self._closed:  # superseded or closed: drop this one
            if out is not None:
                out.unlink(missing_ok=True)
            return
        self._rendering = False
        if out is None:
            self.status = f"preview failed: {error}"
            return
        old, self._current = self._current, out
        self.rate = [rate.numerator, rate.denominator]
        self.offset, self.window_frames = first, end - first
        self.src = media_url(out, studio=self.studio())
        self.status = f"frames {first}–{end - 1}"
        if old is not None and old != out:
            unregister_media(old, studio=self.studio())
            old.unlink(missing_ok=True)
        if not first <= self.frame < end and self.frame < self._total():  # it moved on meanwhile
            self.refresh()

    def _on_frame(self, change: dict[str, Any]) -> None:
        self.boxes = self._boxes_at(int(change["new"]))
        k = int(change["new"])
        idle = self.project is not None and not self._rendering and not self.playing
        if idle and not self.offset <= k < self.offset + self.window_frames:
            self.refresh()

    # --- exact frames ------------------------------------------------------------------------
    def still(self, frame: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """RGB pixels of ``frame`` exactly as a render shows it (timeline) or as decoded (source)."""
        return self._still_maker(frame)()

    def _still_maker(self, frame: int) -> Callable[[], np.ndarray[Any, np.dtype[np.uint8]]]:
        """A function computing the still, safe to run in a worker (it holds a copy of the project)."""
        studio = self.studio()
        if self.source is not None:
            source, rate, readers = self.source, Fraction(*self.rate), studio.readers
            return lambda: readers.frame_at(source, RationalTime.from_frames(frame, rate), rate=rate)
        from ..render.frame import timeline_frame

        assert self.project is not None
        project, scale = snapshot(self.project), self._scale

        def still() -> np.ndarray[Any, np.dtype[np.uint8]]:
            with studio.effects.active():  # this Studio's plugin effects, in the worker's thread
                return timeline_frame(project, frame, scale=scale)

        return still

    def _total(self) -> int:
        assert self.project is not None
        return self.project.duration().to_frames(self.project.settings.frame_rate)

    def _on_msg(self, _widget: Any, content: object, buffers: Any) -> None:
        if not isinstance(content, dict):
            self._refuse(f"message: expected an object, got {type(content).__name__}")
            return
        kind = content.get("kind")
        try:
            if kind == "ended":  # played to the end of the window: render the next one from here
                if self.project is not None and self.offset + self.window_frames < self._total():
                    self.refresh()
            elif kind == "still":
                self._send_still(whole(content.get("frame", 0), "frame"))
        except TimelineLabError as exc:  # a refusal: said, no traceback
            self._refuse(f"{kind}: {exc}")

    def _refuse(self, error: str) -> None:
        """Say why a message from the browser was not followed (in the status line, and to the view)."""
        self.status = error
        self.send({"kind": "refused", "error": error})

    def _send_still(self, frame: int) -> None:
        """Send the exact picture of ``frame`` (clamped to the frames there are), made in a worker."""
        if self.project is not None and self._total() == 0:
            self.status = "the timeline is empty"  # nothing to show, and nothing is wrong
            return
        if self.project is not None:
            frame = min(max(0, frame), self._total() - 1)
        elif self.window_frames:
            frame = min(max(0, frame), self.window_frames - 1)
        pixels = self._still_maker(frame)

        def work() -> None:
            try:
                png = _png(pixels())
            except Exception as exc:
                self._on_main(setattr, self, "status", f"frame {frame}: {exc}")
                return
            self._on_main(self.send, {"kind": "still", "frame": frame}, [png])

        threading.Thread(target=work, name="preview-still", daemon=True).start()

    # --- detection boxes -----------------------------------------------------------------------
    def show_detections(self, detections: pl.DataFrame | None) -> None:
        """Draw these detections (``studio.recognize`` rows) over the frames they were found in."""
        self._detections = detections
        self.boxes = self._boxes_at(self.frame)

    def _boxes_at(self, frame: int) -> list[dict[str, Any]]:
        df = self._detections
        if df is None or df.is_empty():
            return []
        import polars as pl

        place: Callable[[tuple[float, float, float, float]], tuple[float, float, float, float] | None]
        if self.source is not None:  # the video is the source picture itself
            rows = df.filter(pl.col("frame") == frame)
            place = lambda box: box  # noqa: E731
        else:
            assert self.project is not None
            shown = shown_clip(self.project, frame)
            if shown is None:
                return []
            clip, k = shown
            settings = self.project.settings
            at_frame = shown_frame(clip, k, settings.frame_rate)  # through reverse, freeze, VFR times
            if at_frame is None:
                return []
            rows = df.filter(pl.col("frame") == at_frame)
            path = _norm(clip.media.path)
            rows = rows.filter(pl.Series([_norm(s) == path for s in rows["source"]], dtype=pl.Boolean))
            canvas = (settings.width, settings.height)
            place = lambda box: on_canvas(clip, k, settings.frame_rate, box, canvas)  # noqa: E731
        boxes = []
        for r in rows.iter_rows(named=True):
            at = place((r["nx1"], r["ny1"], r["nx2"], r["ny2"]))
            if at is None:  # cropped away or placed off the canvas
                continue
            label = f"{r['class_name']} {r['conf']:.2f}" + (f" #{r['track_id']}" if r.get("track_id") else "")
            boxes.append({"x1": at[0], "y1": at[1], "x2": at[2], "y2": at[3], "label": label})
        return boxes

    def source_frame_at(self, frame: int) -> tuple[str, int] | None:
        """The media file and its frame on screen at timeline ``frame`` (the top clip shown: switched-off
        tracks and clips skipped, nested sequences looked into)."""
        assert self.project is not None
        shown = shown_clip(self.project, frame)
        if shown is None:
            return None
        clip, k = shown
        at = shown_frame(clip, k, self.project.settings.frame_rate)  # what the render shows there
        return None if at is None else (_norm(clip.media.path), at)

    def close(self) -> None:
        """Stop following the project and drop the preview file (and any render still running)."""
        self._closed = True
        self._unsubscribe()
        if self._timer is not None:
            self._timer.cancel()
        if self._current is not None:
            unregister_media(self._current, studio=self.studio())
            self._current.unlink(missing_ok=True)
        super().close()


def snapshot(project: Project) -> Project:
    """An independent copy of the timeline (without its history) for a worker thread to render."""
    return Project.model_validate(project.model_dump())


def _norm(path: str) -> str:
    return str(Path(path).resolve())
