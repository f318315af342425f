"""Studio: the one object a notebook user creates; it wires the services explicitly."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.events import (
    EventBus,
    MediaImported,
    ProjectOpened,
    ProjectSaved,
    TimelineChanged,
)
from .core.progress import render_bar
from .errors import MediaError, ProjectError, RenderError
from .fs import media_type_of
from .interchange._fcpx_media import BUNDLE_SUFFIX, bundle_document
from .media.clips import clip_of
from .media.project_media import accept_replaced as take_replaced
from .media.project_media import missing_message, relink_clips, relink_project
from .media.reference import reference_for
from .model import io
from .model.items import Clip
from .model.media_ref import STILL_RATE, MediaReference
from .model.project import Project
from .model.settings import ProjectSettings
from .model.time import RationalTime, parse_rate
from .services import Services

if TYPE_CHECKING:
    import polars as pl

    from .core.cache import CacheSet
    from .core.jobs import JobRunner
    from .media._decoder import ReaderPool
    from .media.probe import MediaInfo
    from .model.history import Operation
    from .recognition.events import RecognitionJob
    from .render.compile.effects import EffectRegistry
    from .render.execute.runner import RenderJob
    from .render.plan import RenderPlan

__all__ = ["Studio", "frames"]

TIMELINE_SUFFIXES = (".otio", ".edl", ".xml", ".fcpxml", ".aaf", ".otiod", ".otioz")
"""Timeline files other editors exchange: imported and exported through OpenTimelineIO's adapters."""

_default: Studio | None = None  # Studio.default(): created on first use, the one process default
_default_lock = threading.Lock()


@dataclass
class Studio:
    """Entry point for notebooks and the CLI: projects, media, renders, all on one event bus.

    ``services`` is the composition root (bus, plugins, caches, vault); pass your own to replace
    any of them, e.g. in tests.
    """

    workspace: Path = field(default_factory=Path.cwd)
    services: Services | None = None
    _media: dict[tuple[str, int | None, int | None, Fraction], MediaReference] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def default(cls) -> Studio:
        """The process-default Studio (workspace: the working directory when first asked for).

        For notebook convenience only: widgets given no Studio, and ``server.media_url`` given
        none, use this one, so they share one bus, one job pool, one set of plugins and one media
        server instead of each quietly starting its own. Its caches, warm decoders and detection
        models are the module-level defaults that media and recognition functions called without
        a Studio use (see ``Services``). It is the only process-wide Studio; it closes at exit.
        """
        global _default
        with _default_lock:
            if _default is None:
                workspace = Path.cwd().resolve()
                _default = cls(workspace, Services.create(workspace, process_default=True))
                atexit.register(_default.close)
            return _default

    def __post_init__(self) -> None:
        # absolute at once: a relative workspace would be re-applied to paths already under it,
        # and a later chdir (a notebook's %cd) must not move it
        self.workspace = Path(self.workspace).expanduser().resolve()
        if self.services is None:
            self.services = Services.create(self.workspace)

    def _services(self) -> Services:
        assert self.services is not None  # set by __post_init__
        return self.services

    @property
    def bus(self) -> EventBus:
        """The event bus every service publishes on."""
        return self._services().bus

    @property
    def effects(self) -> EffectRegistry:
        """This Studio's plugin effect kinds (its renders and previews use them, no other Studio's)."""
        return self._services().effects

    @property
    def caches(self) -> CacheSet:
        """This Studio's preview, filmstrip and waveform caches."""
        return self._services().caches

    @property
    def readers(self) -> ReaderPool:
        """This Studio's warm decoders (exact paused frames)."""
        return self._services().readers

    def close(self) -> None:
        """Shut plugins down (isolated plugin processes end here), stop this Studio's media server,
        and close its decoders and caches."""
        if self.services is not None:
            self.services.close()

    # --- projects -----------------------------------------------------------------------
    def new_project(
        self,
        name: str = "Untitled",
        *,
        width: int = 1920,
        height: int = 1080,
        frame_rate: int | str | Fraction = Fraction(30000, 1001),
        **settings: Any,
    ) -> Project:
        """A project with one empty video track, ready for ``project.tracks[0].append(...)``.

        Its undo history starts empty, as an opened file's does: undo must not take V1 away.
        """
        s = ProjectSettings(width=width, height=height, frame_rate=parse_rate(frame_rate), **settings)
        project = Project(name=name, settings=s)
        project.add_track("video", "V1")
        project.history.clear()
        return self.watch(project)

    def watch(self, project: Project) -> Project:
        """Announce every edit of ``project`` on the bus as a TimelineChanged event."""

        def changed(op: Operation, how: str) -> None:
            self.bus.publish(TimelineChanged(project.id, op.op, how))

        project.subscribe(changed)
        return project

    def open(
        self,
        path: str | Path,
        *,
        search: Sequence[str | Path] = (),
        rate: int | str | Fraction | None = None,
        accept_replaced: bool = False,
    ) -> Project:
        """Load a ``.tlproj`` file, or import another tool's timeline (``.otio``, ``.otiod``,
        ``.otioz``, CMX 3600 ``.edl``, FCP 7 ``.xml``, ``.fcpxml`` or an ``.fcpxmld`` bundle, ``.aaf``).

        Media that is not where the project says is looked for next to the project and in the
        ``search`` folders (same name, same size and fingerprint) and relinked; if any is still
        missing, one MediaError lists every missing file. ``accept_replaced=True`` takes the file
        now at a media path where another replaced the recorded one (a re-rendered shot), probed
        again. ``rate`` sets an imported timeline's rate (an EDL has none).
        """
        p = self._resolve(path)
        folders = [p.parent, *(self._resolve(f) for f in search)]
        if p.suffix.lower() == BUNDLE_SUFFIX and p.is_dir():  # Final Cut 10.6+: a folder, the XML inside
            p, folders = bundle_document(p), [p, *folders]
        if p.suffix.lower() in TIMELINE_SUFFIXES:
            from .interchange.otio import read_otio

            project = read_otio(p, rate=parse_rate(rate) if rate is not None else None, search=folders[1:])
        elif media_type_of(p) in ("video", "audio", "image"):
            msg = f"{p}: is a media file, not a project; open a .tlproj or a timeline (or use studio.clip)"
            raise ProjectError(msg)
        else:
            project = io.load(p)
        project, missing = relink_project(project, folders)
        if missing and accept_replaced:
            project, missing = take_replaced(project, missing)
        if missing:
            raise MediaError(missing_message(p, missing))
        self.bus.publish(ProjectOpened(project.id, p))
        return self.watch(project)

    def relink(self, project: Project, *folders: str | Path) -> list[str]:
        """Point clips whose media is missing at the same files found under ``folders``.

        One undo step (clips on locked tracks too); returns the media paths still missing.
        """
        return relink_clips(project, [self._resolve(f) for f in folders])

    def save(self, project: Project, path: str | Path, *, overwrite: bool = False) -> Path:
        """Save atomically (a .otio, .edl, .xml, .fcpxml or .aaf name exports that timeline format).

        Never onto the project's media; over an existing file only if it is a project (or, for an
        export, a timeline of that kind), unless ``overwrite``.
        """
        p = self._resolve(path)
        if p.suffix.lower() in TIMELINE_SUFFIXES:
            from .interchange.otio import write_otio

            what = f"a {p.suffix.lower()} timeline"
            io.check_save_target(p, project, io.is_timeline_file, what, overwrite=overwrite)
            out = write_otio(project, p)
        else:
            out = io.save(project, p, overwrite=overwrite)
        self.bus.publish(ProjectSaved(project.id, out))
        return out

    # --- media --------------------------------------------------------------------------
    def probe(self, path: str | Path) -> MediaInfo:
        """Full metadata of a media file."""
        from .media.probe import probe

        return probe(self._resolve(path))

    def media(
        self,
        path: str | Path,
        *,
        video_stream: int | None = None,
        audio_stream: int | None = None,
        rate: int | str | Fraction | None = None,
    ) -> MediaReference:
        """A reference to a media file (its default streams unless chosen), probed once per studio.

        ``rate`` is the frame rate at which a still image's frames are counted.
        """
        p = str(self._resolve(path))  # symbolic links kept: a project's media/ link stays relative
        still_rate = STILL_RATE if rate is None else parse_rate(rate)
        key = (p, video_stream, audio_stream, still_rate)
        if key not in self._media:
            self._media[key] = reference_for(
                p, video_stream=video_stream, audio_stream=audio_stream, still_rate=still_rate
            )
            self.bus.publish(MediaImported(Path(p)))
        return self._media[key]

    def clip(
        self,
        path: str | Path | MediaReference,
        first: int | str = 0,
        count: int | None = None,
        *,
        speed: int | Fraction = 1,
        name: str = "",
        video_stream: int | None = None,
        audio_stream: int | None = None,
        rate: int | str | Fraction | None = None,
    ) -> Clip:
        """A clip of source frames ``first .. first+count-1`` (all remaining frames by default).

        ``video_stream``/``audio_stream`` pick streams by container index (default: the ones a
        player picks). A still image makes a clip of ``count`` frames at ``rate`` (default: the
        default project rate; five seconds when ``count`` is None). ``first`` may be the source
        timecode the camera recorded (``"01:00:10:05"``), counted from the file's start timecode; a
        sound file's (a BWF recorder's time of day) counts frames at ``rate``, the project's.
        """
        if isinstance(path, MediaReference):
            ref = path
        else:
            ref = self.media(path, video_stream=video_stream, audio_stream=audio_stream, rate=rate)
        tc_rate = parse_rate(rate) if rate is not None else None
        return clip_of(ref, first, count, speed=speed, name=name, timecode_rate=tc_rate)

    # --- rendering ----------------------------------------------------------------------
    def plan(
        self, project: Project, output: str | Path, *, frames: tuple[int, int] | None = None, **export: Any
    ) -> RenderPlan:
        """The render plan (filter graph, segments, ffmpeg command) without running it.

        ``frames=(first, end)`` plans timeline frames [first, end) only (within the timeline).
        """
        if frames is not None:
            frames = _checked_range(project, frames, f"frames={frames!r}")
        return self._compile(project, output, frames=frames, export=export)

    def _compile(
        self,
        project: Project,
        output: str | Path,
        *,
        frames: tuple[int, int] | None,
        export: dict[str, Any],
        scale: Fraction | int = 1,
    ) -> RenderPlan:
        """Compile with this Studio's effect kinds, and the NVENC encoders that work here."""
        from .media.capabilities import hardware_encoder_available
        from .render.compile.compiler import compile_plan
        from .render.encoding.presets import FORMATS
        from .render.plan import ExportSettings
        from .render.targets import check_output_name

        fmt = FORMATS.get(str(export.get("format", "auto")))
        check_output_name(output, self._resolve(output), folder_ok=fmt is not None and fmt.kind == "images")
        export_settings = ExportSettings.of(self._resolve(output), **export)
        with self.effects.active():  # the compiler renders plugin effects with this Studio's registry
            if export_settings.loudnorm:  # the whole mix measured first: one gain lands on the target
                from .render.loudness import with_measured_loudness

                def whole(mix: ExportSettings) -> RenderPlan:
                    return compile_plan(project, mix, hardware=hardware_encoder_available)

                export_settings = with_measured_loudness(export_settings, whole)
            return compile_plan(
                project, export_settings, frames=frames, scale=scale, hardware=hardware_encoder_available
            )

    def render(
        self,
        project: Project,
        output: str | Path,
        *,
        progress: bool = True,
        job: RenderJob | None = None,
        cluster: Any = None,
        **export: Any,
    ) -> Path:
        """Render to ``output`` (MP4) with a progress bar; returns the finished path. ``cluster`` (a Dask
        Client, an address, ``"local"``, a worker count; False: here; None: ``pick_cluster`` decides)
        renders in segments joined by stream copy."""
        from .cluster.render import pick_cluster, render_on_cluster
        from .render.execute.runner import execute

        plan = self.plan(project, output, **export)
        if not plan.export.path.parent.is_dir():  # say so before a progress bar appears
            raise RenderError(f"{plan.export.path}: folder {plan.export.path.parent} does not exist")
        # a range (frames=...) is a short excerpt: rendered here, where it is trimmed exactly
        where = pick_cluster(plan, cluster) if export.get("frames") is None else None

        def run() -> Path:
            if where is None:
                return execute(plan, bus=self.bus, job=job)
            with self.effects.active():
                return render_on_cluster(project, plan.export, where, bus=self.bus, job=job)

        if not progress:
            return run()
        with render_bar(self.bus, plan.total_frames, Path(output).name):
            return run()

    def preview(
        self,
        project: Project,
        output: str | Path,
        *,
        first: int = 0,
        end: int | None = None,
        scale: Fraction | int = Fraction(1, 2),
        announce: bool = True,
        **export: Any,
    ) -> Path:
        """A fast, small render of frames [first, end) (e.g. around the playhead) for previewing.

        ``announce=False`` keeps it off the bus: a preview widget's own renders are not the user's,
        and must not show in their progress bar.
        """
        from .render.compile.canvas import scale_of
        from .render.execute.runner import execute

        stop = project.duration().to_frames(project.settings.frame_rate) if end is None else end
        frames = _checked_range(project, (first, stop), f"first={first!r}, end={stop!r}")
        scale = scale_of(scale)  # before the compiler makes a Fraction of it ("0.5" too)
        settings = {"crf": 30, "preset": "ultrafast", **export}
        plan = self._compile(project, output, frames=frames, export=settings, scale=scale)
        return execute(plan, bus=self.bus if announce else None)

    def recognize(self, sources: Any, model: Any, **options: Any) -> pl.DataFrame:
        """Detect (and track) objects in videos or clips with a local model; one Polars row per detection."""
        from .recognition.service import recognize

        options.setdefault("manager", self._services().models)
        return recognize(sources, model, bus=self.bus, workspace=self.workspace, **options)

    def recognize_many(self, sources: Any, model: str | Path, dataset: str | Path, **options: Any) -> Any:
        """Detect over a library of videos on a Dask cluster into a Parquet dataset (cluster.library)."""
        from .cluster.library import recognize_many

        return recognize_many(sources, self._resolve(model), self._resolve(dataset), **options)

    @property
    def jobs(self) -> JobRunner:
        """The runner of this Studio's background jobs (renders, recognition, proxies)."""
        assert self.services is not None
        if self.services.jobs is None:
            from .core.jobs import JobRunner

            self.services.jobs = JobRunner(self.bus, workers=2, name="timeline-lab-job")
        return self.services.jobs

    def render_in_background(
        self, project: Project, output: str | Path, **export: Any
    ) -> tuple[RenderJob, Future[Path]]:
        """Start a render as a job; returns the job (to cancel, or follow) and a future result."""
        from .render.execute.runner import RenderJob, execute

        plan = self.plan(project, output, **export)
        job = RenderJob()
        self.jobs.submit(lambda j: execute(plan, bus=self.bus, job=j), job)
        return job, job.future

    def recognize_in_background(
        self, sources: Any, model: Any, **options: Any
    ) -> tuple[RecognitionJob, Future[pl.DataFrame]]:
        """Start :meth:`recognize` as a job; returns the job (to cancel, or follow) and a future table."""
        from .recognition.service import start_recognition

        options.setdefault("workspace", self.workspace)
        options.setdefault("manager", self._services().models)
        return start_recognition(sources, model, runner=self.jobs, bus=self.bus, **options)

    def _resolve(self, path: str | Path) -> Path:
        """A path as given when absolute; else under the workspace, unless it already names a file
        there from the current directory (``workspace/media/a.mp4`` typed from its parent), or an
        output in a folder of the workspace that only that reading finds (``workspace/out.mp4``)."""
        p = Path(path).expanduser()
        if p.is_absolute():
            return p
        here, there = p.resolve(), self.workspace / p
        if here.is_relative_to(self.workspace) and (
            here.exists() or (here.parent.is_dir() and not there.parent.is_dir())  # an output to be
        ):
            return here
        return there


def _checked_range(project: Project, frames: object, label: str) -> tuple[int, int]:
    """Timeline frames [first, end) as ints, refused where a render cannot show them (the CLI's
    ``--range`` rule)."""
    from .render.compile.excerpt import range_error

    pair = tuple(frames) if isinstance(frames, tuple | list) else ()
    why = range_error(project, *pair) if len(pair) == 2 else "expected (first, end): two frame numbers"
    if why is not None:
        raise RenderError(f"{label}: {why}")
    return int(pair[0]), int(pair[1])


def frames(n: int, rate: int | str | Fraction) -> RationalTime:
    """Shorthand for ``RationalTime.from_frames`` in notebooks."""
    return RationalTime.from_frames(n, rate)
