"""``TimelineWidget``: the project drawn as a timeline in the notebook, edited from both sides.

The browser sends operations (the JSON ``Operation.to_json`` gives); the project validates and
applies them, exactly as the Python API would, and the resulting change flows back as a diff.
Python-side edits reach the widget the same way, whether or not they came from it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..errors import ProjectError, TimelineLabError
from ..media.project_media import media_refs
from ..model.history import Operation
from ..model.items import TextClip
from ..model.marker import Marker
from ..model.project import Project
from ..model.time import RationalTime
from ..titles import Title, place, relabel_lower_third, template_of
from ._fields import seq_of, whole
from ._live_view import LiveView
from ._requests import GestureRequests
from ._sync import Coalescer, kernel_loop
from .drops import UPLOAD_LIMIT, DropError, files_path
from .lanes import lane_from
from .thumbnails import media_message

if TYPE_CHECKING:
    from ..studio import Studio

__all__ = ["TimelineWidget"]

log = logging.getLogger(__name__)
# thumbnails decode video: two at a time, however many clips (and views) ask at once
_MEDIA_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="timeline-media")
STATIC = Path(__file__).parent / "static"


def _media_failed(path: str, exc: Exception) -> dict[str, Any]:
    """The media answer that says why ``path``'s thumbnails could not be made (logged with its trace)."""
    log.exception("thumbnails of %s failed", path, exc_info=exc)
    return {"kind": "media", "media": path, "error": f"{type(exc).__name__}: {exc}"}


class TimelineWidget(anywidget.AnyWidget, GestureRequests):  # type: ignore[misc]
    """Tracks, clips, transitions and markers of ``project``, with playhead, zoom, selection and edits.

    ``files_root``: where paths dragged from JupyterLab's file browser are found (default: the
    kernel's working folder); ``media_folder``: where files dragged from the desktop are written
    (default: ``media/`` in the Studio's workspace), each under a new name.
    """

    _esm = STATIC / "timeline.js"
    _css = STATIC / "timeline.css"

    playhead = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Int(0, help="J/K/L shuttle speed: 0 stopped, 1 play, 2/4/8 faster, <0 backwards").tag(
        sync=True
    )
    zoom = traitlets.Float(4.0, help="pixels per frame").tag(sync=True)
    selection = traitlets.List(traitlets.Unicode()).tag(sync=True)
    in_point = traitlets.Int(None, allow_none=True).tag(sync=True)
    out_point = traitlets.Int(None, allow_none=True).tag(sync=True)
    lanes = traitlets.List(traitlets.Dict()).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    upload_limit = traitlets.Int(UPLOAD_LIMIT, help="bytes a file dropped from the desktop may have").tag(
        sync=True
    )
    clock = traitlets.Unicode(
        "self", help="'self': the widget animates playback; 'external': a preview does"
    ).tag(sync=True)

    def __init__(
        self,
        project: Project,
        *,
        studio: Studio | None = None,
        files_root: str | Path | None = None,
        media_folder: str | Path | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project = project
        self._studio = studio
        self.files_root = Path(files_root or Path.cwd()).expanduser().resolve()
        self._media_folder = Path(media_folder).expanduser().resolve() if media_folder else None
        self._uploads = {}
        self._cancelled = set()
        self._batches = {}
        self._rev = 0
        self._live = LiveView(project, self._rev)  # the view last sent, kept current by each edit's steps
        self._dirty = False  # the project changed since the last patch
        self._flush_soon = Coalescer(self._send_patch)
        self._lock = threading.Lock()
        self._unsubscribe = project.subscribe(self._on_change)
        self.on_msg(self._on_msg)

    # --- model -> browser -----------------------------------------------------------------
    def _on_change(self, op: Operation, how: str) -> None:
        with self._lock:
            self._live.note(op, how)
            self._dirty = True
        self._flush_soon()

    def refresh(self) -> None:
        """Send the browser what changed since the last update, also changes made behind our back
        (``clip.name = ...`` assigns in place: every view is recomputed)."""
        with self._lock:
            self._live.invalidate()
            self._dirty = True
        self._send_patch()

    def _send_patch(self) -> None:
        """The diff since the last update, from the views of what the edits' steps touched.

        Only after a change: an edit from the browser sends its patch at once, and the coalesced
        change notice that follows finds nothing new without walking the timeline again.
        """
        with self._lock:
            if not self._dirty:
                return
            self._dirty = False
            msg = self._live.update(self._rev + 1)
            if msg is None:
                return
            self._rev += 1
        self.send(msg)  # a reset when update_settings changed the frame rate: every frame number is new

    def _reset(self) -> None:
        with self._lock:
            self._live = LiveView(self.project, self._rev)
            doc = self._live.view(self._rev).to_json()
        self.send({"kind": "reset", "doc": doc})

    # --- browser -> model -----------------------------------------------------------------
    def _on_msg(self, _widget: Any, content: dict[str, Any], buffers: Sequence[bytes]) -> None:
        if not isinstance(content, dict):
            self._refuse(0, f"message: expected an object, got {type(content).__name__}")
            return
        kind, seq = content.get("kind"), seq_of(content.get("seq"))
        content = {**content, "seq": seq}  # parsed once: a handler's refusal can always answer it
        try:
            if kind == "ready":
                self._reset()
            elif kind == "edit":
                self._edit(seq, content.get("ops", []), content.get("view"))
            elif kind == "undo":
                self.undo()
            elif kind == "redo":
                self.redo()
            elif kind == "media":
                self._send_media(str(content.get("media", "")), content.get("audio_stream"))
            elif kind == "marker":
                self.add_marker(whole(content.get("frame", 0), "frame"))
            elif kind in self.REQUESTS:
                self.request(str(kind), content, buffers)
        except TimelineLabError as exc:  # a refusal: no traceback in the log
            self._refuse(seq, f"{kind}: {exc}", content.get("view"))
        except Exception as exc:  # never let a bad message kill the comm; say what happened
            log.exception("timeline widget message %r failed", kind)
            self._refuse(seq, f"{kind}: {exc}", content.get("view"))

    def apply(self, ops: Sequence[dict[str, Any]]) -> list[Operation]:
        """Apply operations as one edit and one undo step (the project groups them): all of them,
        or (on the first refusal) none; each is checked by its registered arguments model first,
        so a bad one raises one ProjectError naming the op and the field."""
        return self.project.apply_all(list(ops), name="gesture")

    def undo(self) -> None:
        """Undo the last edit (a whole gesture if the widget sent several operations at once)."""
        if self.project.undo() is None:
            self._refuse(0, "nothing to undo")
            return
        self._dirty = True
        self._send_patch()

    def redo(self) -> None:
        """Redo the last undone edit (a whole gesture if it was one)."""
        if self.project.redo() is None:
            self._refuse(0, "nothing to redo")
            return
        self._dirty = True
        self._send_patch()

    def _edit(self, seq: int, ops: object, view: str | None = None) -> bool:
        """Apply ``ops`` as one undo step and ack, or refuse (nothing changed); True when applied."""
        try:
            if not isinstance(ops, list):
                raise ProjectError(f"edit: ops must be a list of operations, got {type(ops).__name__}")
            self.apply(ops)
        except (TimelineLabError, ValueError, TypeError) as exc:  # a refusal: no traceback in the log
            self._refuse(seq, str(exc), view)
            self._send_patch()
            return False
        self.message = ""
        self._send_patch()
        self.send({"kind": "ack", "seq": seq, "view": view})
        return True

    def _refuse(self, seq: int, error: str, view: str | None = None) -> None:
        self.message = error
        self.send({"kind": "refused", "seq": seq, "error": error, "view": view})

    def studio(self) -> Studio:
        """The Studio whose caches keep the filmstrips and waveforms this widget draws.

        The one it was given, else (explicitly, on first need) the process default ``Studio.default()``.
        """
        if self._studio is None:
            from ..studio import Studio

            self._studio = Studio.default()
        return self._studio

    def _send_media(self, path: str, audio_stream: object = None) -> None:
        """Thumbnails and peaks of ``path`` (of its ``audio_stream``: the one a clip plays), made on
        a worker; every request is answered, an error included, since the view waits for each file
        it asked for. Only media the project's clips use, or a file under ``files_root``, is
        decoded: any other path is refused by name."""
        asked = {"media": path} | ({} if audio_stream is None else {"audio_stream": audio_stream})
        try:
            source = self._media_source(path)
            stream = None if audio_stream is None else whole(audio_stream, "audio_stream")
        except TimelineLabError as exc:
            self.send({"kind": "media", **asked, "error": str(exc)}, [])
            return
        try:
            loop, caches = kernel_loop(), self.studio().caches

            def work() -> None:
                try:
                    msg, buffers = media_message(source, audio_stream=stream, caches=caches)
                    msg = msg | asked  # the key the view asked by
                except Exception as exc:  # the pool would swallow it
                    msg, buffers = _media_failed(path, exc) | asked, []
                if loop is not None and not loop.is_closed():
                    loop.call_soon_threadsafe(self.send, msg, buffers)
                else:
                    self.send(msg, buffers)

            _MEDIA_WORKERS.submit(work)
        except Exception as exc:  # no Studio, or the pool is shut down
            self.send(_media_failed(path, exc) | asked, [])

    def _media_source(self, path: str) -> str:
        """The file a thumbnail request may decode: media a clip of the project uses (the view asks by
        those paths), or a file under ``files_root`` as a drop would take it; else refused."""
        if path in media_refs(self.project):
            return path
        try:
            return str(files_path(self.files_root, path))
        except DropError:
            raise ProjectError(
                f"{path!r}: not media of this project's clips nor a file under files_root"
            ) from None

    def add_marker(self, frame: int, name: str = "") -> Marker:
        """A marker at timeline ``frame`` (M in the widget), drawn on the ruler: the playhead's range,
        0 to the timeline's end, as the project refuses markers before 0."""
        rate = self.project.settings.frame_rate
        end = self.project.duration().to_frames(rate)
        if not 0 <= frame <= end:
            raise ProjectError(f"frame {frame} is outside the timeline (0 to {end})")
        marker = Marker(
            time=RationalTime.from_frames(frame, rate), name=name or f"marker {len(self.project.markers) + 1}"
        )
        self.project.add_marker(marker)
        self._dirty = True
        self._send_patch()  # now, not when the coalesced change notice comes
        return marker

    # --- titles ---------------------------------------------------------------------------
    def add_title(self, title: Title, at: int | None = None) -> list[TextClip]:
        """Place a template (``timeline_lab.titles``) at ``at``, default the playhead: one undo step."""
        placed = place(self.project, title, self.playhead if at is None else at)
        self.selection = [c.id for c in placed]
        return placed

    def edit_title(self, clip_id: str, **changes: Any) -> TextClip:
        """Change a title's fields (text, x, y, opacity, name...; ``style`` a partial dict): one undo step.

        What a title inspector in the browser would send; ``style={"color": "#ff0"}`` keeps the rest.
        A new text for a lower third's name or role refits its bar (``titles.relabel_lower_third``).
        A new x, y or opacity of a property that is keyframed moves its curve along (x and y by the
        change, opacity in proportion), so the title changes on screen as the inspector shows.
        """
        track = next((t for t in self.project.tracks if any(i.id == clip_id for i in t.items)), None)
        clip = track.item(clip_id) if track is not None else None
        if track is None or not isinstance(clip, TextClip):
            raise ProjectError(f"edit_title: no title {clip_id!r} on the project's tracks")
        part = clip.name.partition(":")[2] if template_of(clip) == "lower_third" else ""
        if part in ("name", "role") and set(changes) == {"text"}:
            placed = {c.id: c for c in relabel_lower_third(self.project, clip_id, **{part: changes["text"]})}
            return placed[clip_id]  # relabel_lower_third refuses, changing nothing, when it is not one
        if isinstance(changes.get("style"), dict):
            changes["style"] = clip.style.model_copy(update=changes["style"]).model_dump(mode="json")
        keyed = _keyed_along(clip, changes)
        if keyed is not None:
            changes["keyframes"] = keyed
        edited = track.update(clip_id, **changes)
        assert isinstance(edited, TextClip)
        return edited

    # --- analysis lanes -------------------------------------------------------------------
    def add_lane(self, data: Any, name: str | None = None, **options: Any) -> dict[str, Any]:
        """Draw recognition results (a Polars segments or detections frame) as a lane under the tracks."""
        lane = lane_from(self.project, data, name=name, **options)
        self.lanes = [*[x for x in self.lanes if x["name"] != lane["name"]], lane]
        return lane

    def clear_lanes(self) -> None:
        """Remove every analysis lane."""
        self.lanes = []

    def close(self) -> None:
        """Stop following the project, drop unfinished uploads, then close the comm."""
        self._unsubscribe()
        for upload, _ in self._uploads.values():
            upload.cancel()
        self._uploads.clear()
        super().close()

    def __repr__(self) -> str:
        tracks = len(self.project.tracks)
        return f"TimelineWidget({self.project.name!r}, tracks={tracks}, playhead={self.playhead})"


def _keyed_along(clip: TextClip, changes: dict[str, Any]) -> dict[str, Any] | None:
    """The title's keyframes with each keyed property ``changes`` sets moved along: x and y by the
    change of the static value, opacity scaled by it (a fade stays a fade); None: none keyed."""
    moved: dict[str, list[Any]] = {}
    for prop in ("x", "y", "opacity"):
        frames = clip.keyframes.get(prop)
        if prop not in changes or not frames:
            continue
        new, old = float(changes[prop]), float(getattr(clip, prop))
        if prop == "opacity" and old > 0:
            moved[prop] = [kf.model_copy(update={"value": kf.value * new / old}) for kf in frames]
        else:
            moved[prop] = [kf.model_copy(update={"value": kf.value + new - old}) for kf in frames]
    if not moved or "keyframes" in changes:
        return None
    every: dict[str, list[Any]] = {**clip.keyframes, **moved}
    return {k: [kf.model_dump(mode="json") for kf in v] for k, v in every.items()}
