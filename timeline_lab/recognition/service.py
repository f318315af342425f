"""``recognize``: videos (or clips) in, one Polars table out; a job with progress, cancel and a cache."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, fields
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ..core.events import EventBus
from ..core.jobs import JobRunner, submit_to
from ..media.probe import VideoStreamInfo
from ..model.items import Clip
from ..model.media_ref import MediaReference
from ..model.time import to_fraction
from .detections import Detections
from .detectors import Detector
from .errors import RecognitionCancelledError, RecognitionError
from .events import (
    RecognitionCancelled,
    RecognitionCompleted,
    RecognitionFailed,
    RecognitionJob,
    RecognitionProgress,
    RecognitionStarted,
)
from .frames import FrameBatch, FrameSampler, TimeSpan, normalize_spans
from .models import ModelManager, ModelSpec, default_manager
from .store import ResultCache, source_identity
from .tables import detections_frame, empty_detections, fraction_str
from .tracking import Tracker, TrackerKind, make_tracker

__all__ = ["DetectOptions", "Source", "recognize", "start_recognition"]

Source = str | os.PathLike[str] | MediaReference | Clip
"""A video file, a media reference, or a clip (only its source range is read)."""


@dataclass(frozen=True)
class _Input:
    path: Path
    ranges: tuple[tuple[Fraction, Fraction], ...] | None


def _inputs(
    sources: Source | Sequence[Source], ranges: Sequence[TimeSpan] | None, root: Path | None
) -> list[_Input]:
    items: Sequence[Source] = (
        [sources] if isinstance(sources, str | os.PathLike | MediaReference | Clip) else sources
    )
    if not items:
        raise RecognitionError("sources: nothing to recognize (empty list)")
    out = []
    for item in items:
        if isinstance(item, Clip):
            rng = item.source_range
            if ranges is not None:
                raise RecognitionError(
                    "ranges: a clip already says which part to read; pass one or the other"
                )
            span = ((rng.start.to_seconds(), rng.end_exclusive().to_seconds()),)
            out.append(_Input(Path(item.media.path), span))
            continue
        path = Path(item.path if isinstance(item, MediaReference) else item).expanduser()
        if not path.is_absolute() and root is not None:
            path = root / path
        if not path.is_file():
            raise RecognitionError(f"{path}: no such video file")
        out.append(_Input(path.resolve(), None))
    return out


def _spans_json(ranges: Sequence[TimeSpan] | None) -> Any:
    if ranges is None:
        return None
    return [[fraction_str(a), None if b is None else fraction_str(b)] for a, b in normalize_spans(ranges)]


@dataclass(frozen=True)
class DetectOptions:
    """How to detect: thresholds, classes, sampling and tracking (checked when made)."""

    conf: float = 0.25
    iou: float = 0.7
    classes: Sequence[int | str] | int | str | None = None
    max_det: int = 300
    imgsz: int | tuple[int, int] | None = None
    every: int = 1
    fps: Fraction | int | str | None = None
    ranges: Sequence[TimeSpan] | None = None
    batch: int = 8
    tracker: TrackerKind | None = None
    tracker_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tracker_options", dict(self.tracker_options or {}))  # None: none
        if not 0 <= self.conf <= 1 or not 0 <= self.iou <= 1:
            raise RecognitionError(f"conf and iou must be within 0..1, got conf={self.conf}, iou={self.iou}")
        for name in ("max_det", "every", "batch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RecognitionError(f"{name}: must be an int >= 1, got {value!r}")

    @property
    def size(self) -> tuple[int, int] | None:
        """The model input size asked for, as (width, height)."""
        return (self.imgsz, self.imgsz) if isinstance(self.imgsz, int) else self.imgsz


def recognize(
    sources: Source | Sequence[Source],
    model: str | os.PathLike[str] | ModelSpec | Detector,
    options: DetectOptions | None = None,
    *,
    bus: EventBus | None = None,
    job: RecognitionJob | None = None,
    manager: ModelManager | None = None,
    device: str = "auto",
    cache: bool | ResultCache = True,
    workspace: str | os.PathLike[str] | None = None,
    download: bool = False,
    **settings: Any,
) -> pl.DataFrame:
    """Detect (and optionally track) objects in one or many videos; one row per detection.

    How to detect is ``options`` (or the same fields as keywords: ``conf=0.4, tracker="bytetrack"``;
    see :class:`DetectOptions`). Frames are decoded in a background thread while the model runs;
    each file's result is cached as Parquet and reused when the same file, model and parameters
    come again. Events go to ``bus`` (RecognitionStarted / Progress / Completed / Failed /
    Cancelled); call ``job.cancel()`` from another thread to stop at the next batch. The columns
    are :data:`~timeline_lab.recognition.tables.DETECTION_SCHEMA` (plus keypoints/polygon for pose
    and segmentation models). ``download=True`` lets ultralytics fetch official weights named by
    file (``"yolo11n.pt"``) that are not in the models folder; nothing is downloaded otherwise.
    """
    opts = _options(options, settings)
    bus = bus if bus is not None else EventBus()
    job = job if job is not None else RecognitionJob()
    inputs = _inputs(sources, opts.ranges, Path(workspace) if workspace is not None else None)
    detector = (
        model
        if isinstance(model, Detector)
        else (manager or default_manager()).get(model, device=device, download=download)
    )
    store = cache if isinstance(cache, ResultCache) else (ResultCache() if cache else None)
    started = time.perf_counter()
    bus.publish(RecognitionStarted(job.job_id, tuple(str(i.path) for i in inputs), detector.name))
    params = _params(detector, opts)
    tables: list[pl.DataFrame] = []
    frames_total = 0
    try:
        for k, item in enumerate(inputs):
            run = _Run(detector, item, k, len(inputs), job, bus, opts)
            df, sampled = run.cached_or_run(store, params)
            tables.append(df)
            frames_total += sampled
    except RecognitionCancelledError:
        raise
    except BaseException as exc:
        bus.publish(RecognitionFailed(job.job_id, f"{type(exc).__name__}: {exc}"))
        raise
    result = pl.concat(tables, how="diagonal_relaxed") if tables else empty_detections()
    bus.publish(RecognitionCompleted(job.job_id, result.height, frames_total, time.perf_counter() - started))
    return result


def _options(options: DetectOptions | None, settings: dict[str, Any]) -> DetectOptions:
    """``options``, or the keywords given instead (an unknown keyword is named, not ignored)."""
    if options is not None and settings:
        raise RecognitionError(f"pass DetectOptions or keywords, not both (got {sorted(settings)})")
    if options is not None:
        return options
    known = {f.name for f in fields(DetectOptions)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise TypeError(f"recognize() got unknown options {unknown}; known: {sorted(known)}")
    return DetectOptions(**settings)


def _params(detector: Detector, opts: DetectOptions) -> dict[str, Any]:
    """What a cached result depends on (besides the file and the model's bytes)."""
    size = opts.size
    return {
        "backend": detector.backend,
        "task": detector.task,
        "names": [detector.names[k] for k in sorted(detector.names)],
        "conf": opts.conf,
        "iou": opts.iou,
        "classes": detector.class_ids(opts.classes),
        "max_det": opts.max_det,
        "imgsz": list(size) if size else None,
        "every": opts.every,
        "fps": fraction_str(to_fraction(opts.fps, what="fps")) if opts.fps is not None else None,
        "tracker": opts.tracker,
        "tracker_options": opts.tracker_options,
        "predict_args": getattr(detector, "predict_args", None),
    }


class _Run:
    """One file: sample, detect, track, tabulate."""

    def __init__(
        self,
        detector: Detector,
        item: _Input,
        index: int,
        files: int,
        job: RecognitionJob,
        bus: EventBus,
        opts: DetectOptions,
    ) -> None:
        self.detector, self.item, self.index, self.files = detector, item, index, files
        self.job, self.bus, self.opts, self.size = job, bus, opts, opts.size
        self.spans = item.ranges if item.ranges is not None else opts.ranges

    def cached_or_run(self, store: ResultCache | None, params: dict[str, Any]) -> tuple[pl.DataFrame, int]:
        """This file's table and how many frames it sampled: from the cache, else run and cache it."""
        d, path = self.detector, self.item.path
        file_params = {**params, "ranges": _spans_json(self.spans)}
        key = store.key(source_identity(path), d.sha256, file_params) if store is not None else None
        hit = store.get(key) if store is not None and key is not None else None
        if hit is not None:
            df, meta = hit
            progress = RecognitionProgress(
                self.job.job_id, str(path), 0, 0, self.index + 1, self.files, 0.0, True
            )
            self.bus.publish(progress)
            self.job.progress((self.index + 1) / self.files)
            return df, int(meta.get("frames_sampled", 0))
        df, sampled, info = self.execute()
        if store is not None and key is not None:
            model = {"name": d.name, "sha256": d.sha256, "backend": d.backend}
            meta = {"source": source_identity(path), "model": model, "params": file_params}
            store.put(key, df, {**meta, "frames_sampled": sampled, **info})
        return df, sampled

    def execute(self) -> tuple[pl.DataFrame, int, dict[str, Any]]:
        """Sample, detect and track this file: its table, how many frames it sampled, what to cache."""
        d, o = self.detector, self.opts
        sampler = self._sampler()
        vs = sampler.info
        total = sampler.expected_frames()
        sample_rate = float(to_fraction(o.fps)) if o.fps is not None else float(vs.frame_rate) / o.every
        tracker = make_tracker(o.tracker, frame_rate=sample_rate, **o.tracker_options) if o.tracker else None
        class_ids = d.class_ids(o.classes)
        parts: list[Detections] = []
        frames: list[np.ndarray[Any, Any]] = []
        pts: list[Fraction] = []
        t0 = time.perf_counter()
        source = str(self.item.path)
        for batch in sampler:
            if self.job.cancelled:
                self.bus.publish(RecognitionCancelled(self.job.job_id, source))
                raise RecognitionCancelledError(f"{source}: recognition cancelled after {len(pts)} frames")
            found = d.detect(
                batch, conf=o.conf, iou=o.iou, classes=class_ids, max_det=o.max_det, imgsz=self.size
            )
            if tracker is not None:
                _track(tracker, found, batch)
            found.image = found.image + len(pts)
            parts.append(found)
            frames.append(batch.frames)
            pts.extend(batch.pts)
            self._progress(source, len(pts), total, t0)
        dets = Detections.merge(parts)
        if tracker is not None and dets.track_id is None:
            dets.track_id = np.full(len(dets), -1, dtype=np.int64)
        df = detections_frame(
            dets,
            source=source,
            frames=np.concatenate(frames) if frames else np.zeros(0, np.int64),
            pts=pts,
            names=d.names,
            size=(vs.display_height, vs.display_width),  # boxes are in the pixels a player shows
            model=d.name,
            shapes=d.shape_columns,
        )
        return df, len(pts), _video_facts(vs, pts)

    def _sampler(self) -> FrameSampler:
        """The frames to look at (every n-th, or at a rate, within the spans), sized for the model."""
        d, o = self.detector, self.opts
        return FrameSampler(
            self.item.path,
            every=o.every,
            fps=o.fps,
            ranges=self.spans,
            size=(self.size or d.input_size) if d.input_size is not None else None,
            pixel_format=d.pixel_format,
            batch=o.batch,
        )

    def _progress(self, source: str, done: int, total: int | None, t0: float) -> None:
        """The job's fraction over all files, and a progress event with the sampling speed."""
        fps_now = done / max(time.perf_counter() - t0, 1e-9)
        self.job.progress((self.index + min(done / max(total or 1, 1), 1.0)) / self.files)
        self.bus.publish(
            RecognitionProgress(self.job.job_id, source, done, total, self.index, self.files, fps=fps_now)
        )


def _track(tracker: Tracker, found: Detections, batch: FrameBatch) -> None:
    """Give one batch's detections their track ids, image by image in order (-1: not tracked)."""
    found.track_id = np.full(len(found), -1, dtype=np.int64)
    for i in range(len(batch)):
        rows = np.flatnonzero(found.image == i)
        image = batch.images[i] if batch.geometry.identity else None
        found.track_id[rows] = tracker.update(found[rows], image)


def _video_facts(vs: VideoStreamInfo, pts: list[Fraction]) -> dict[str, Any]:
    """What the cache keeps beside the table: the video's rate and shown size, first and last time sampled."""
    return {
        "frame_rate": fraction_str(vs.frame_rate),
        "width": vs.display_width,
        "height": vs.display_height,
        "sampled_pts": [fraction_str(t) for t in pts[:1]] + [fraction_str(t) for t in pts[-1:]],
    }


def start_recognition(
    sources: Source | Sequence[Source],
    model: str | os.PathLike[str] | ModelSpec | Detector,
    *,
    runner: JobRunner | None = None,
    **options: Any,
) -> tuple[RecognitionJob, Future[pl.DataFrame]]:
    """Run :func:`recognize` as a job on ``runner`` (a Studio's; else a runner of its own).

    Returns the job (to cancel, or to follow its progress) and a future table.
    """
    job: RecognitionJob = options.pop("job", None) or RecognitionJob()
    submit_to(runner, lambda j: recognize(sources, model, job=job, **options), job, options.get("bus"))
    return job, job.future
