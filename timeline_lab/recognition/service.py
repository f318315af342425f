"""``recognize``: videos (or clips) in, one Polars table out; a job with progress, cancel and a cache."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ..core.events import EventBus
from ..core.jobs import JobRunner, submit_to
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
from .frames import FrameSampler, TimeSpan, normalize_spans
from .models import ModelManager, ModelSpec, default_manager
from .store import ResultCache, source_identity
from .tables import detections_frame, empty_detections, fraction_str
from .tracking import TrackerKind, make_tracker

__all__ = ["Source", "recognize", "start_recognition"]

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


def recognize(
    sources: Source | Sequence[Source],
    model: str | os.PathLike[str] | ModelSpec | Detector,
    *,
    bus: EventBus | None = None,
    job: RecognitionJob | None = None,
    manager: ModelManager | None = None,
    conf: float = 0.25,
    iou: float = 0.7,
    classes: Sequence[int | str] | int | str | None = None,
    max_det: int = 300,
    imgsz: int | tuple[int, int] | None = None,
    every: int = 1,
    fps: Fraction | int | str | None = None,
    ranges: Sequence[TimeSpan] | None = None,
    batch: int = 8,
    device: str = "auto",
    tracker: TrackerKind | None = None,
    tracker_options: dict[str, Any] | None = None,
    cache: bool | ResultCache = True,
    workspace: str | os.PathLike[str] | None = None,
    download: bool = False,
) -> pl.DataFrame:
    """Detect (and optionally track) objects in one or many videos; one row per detection.

    Frames are decoded in a background thread while the model runs; each file's result is
    cached as Parquet and reused when the same file, model and parameters come again. Events
    go to ``bus`` (RecognitionStarted / Progress / Completed / Failed / Cancelled); call
    ``job.cancel()`` from another thread to stop at the next batch. The columns are
    :data:`~timeline_lab.recognition.tables.DETECTION_SCHEMA` (plus keypoints/polygon for pose
    and segmentation models). ``download=True`` lets ultralytics fetch official weights named
    by file (``"yolo11n.pt"``) that are not in the models folder; nothing is downloaded otherwise.
    """
    bus = bus if bus is not None else EventBus()
    job = job if job is not None else RecognitionJob()
    root = Path(workspace) if workspace is not None else None
    inputs = _inputs(sources, ranges, root)
    if not 0 <= conf <= 1 or not 0 <= iou <= 1:
        raise RecognitionError(f"conf and iou must be within 0..1, got conf={conf}, iou={iou}")
    size = (imgsz, imgsz) if isinstance(imgsz, int) else imgsz
    detector = (
        model
        if isinstance(model, Detector)
        else (manager or default_manager()).get(model, device=device, download=download)
    )
    class_ids = detector.class_ids(classes)
    store = cache if isinstance(cache, ResultCache) else (ResultCache() if cache else None)
    started = time.perf_counter()
    bus.publish(RecognitionStarted(job.job_id, tuple(str(i.path) for i in inputs), detector.name))
    params = {
        "backend": detector.backend,
        "task": detector.task,
        "names": [detector.names[k] for k in sorted(detector.names)],
        "conf": conf,
        "iou": iou,
        "classes": class_ids,
        "max_det": max_det,
        "imgsz": list(size) if size else None,
        "every": every,
        "fps": fraction_str(to_fraction(fps, what="fps")) if fps is not None else None,
        "tracker": tracker,
        "tracker_options": tracker_options or {},
        "predict_args": getattr(detector, "predict_args", None),
    }
    tables: list[pl.DataFrame] = []
    frames_total = 0
    try:
        for k, item in enumerate(inputs):
            run = _Run(detector, item, k, len(inputs), job, bus, size)
            spans = item.ranges if item.ranges is not None else ranges
            file_params = {**params, "ranges": _spans_json(spans)}
            key = None
            if store is not None:
                key = store.key(source_identity(item.path), detector.sha256, file_params)
                hit = store.get(key)
                if hit is not None:
                    df, meta = hit
                    tables.append(df)
                    frames_total += int(meta.get("frames_sampled", 0))
                    bus.publish(
                        RecognitionProgress(job.job_id, str(item.path), 0, 0, k + 1, len(inputs), 0.0, True)
                    )
                    job.progress((k + 1) / len(inputs))
                    continue
            df, sampled, info = run.execute(
                conf=conf,
                iou=iou,
                classes=class_ids,
                max_det=max_det,
                every=every,
                fps=fps,
                ranges=spans,
                batch=batch,
                tracker=tracker,
                tracker_options=tracker_options or {},
            )
            frames_total += sampled
            tables.append(df)
            if store is not None and key is not None:
                store.put(
                    key,
                    df,
                    {
                        "source": source_identity(item.path),
                        "model": {
                            "name": detector.name,
                            "sha256": detector.sha256,
                            "backend": detector.backend,
                        },
                        "params": file_params,
                        "frames_sampled": sampled,
                        **info,
                    },
                )
    except RecognitionCancelledError:
        raise
    except BaseException as exc:
        bus.publish(RecognitionFailed(job.job_id, f"{type(exc).__name__}: {exc}"))
        raise
    result = pl.concat(tables, how="diagonal_relaxed") if tables else empty_detections()
    bus.publish(RecognitionCompleted(job.job_id, result.height, frames_total, time.perf_counter() - started))
    return result


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
        size: tuple[int, int] | None,
    ) -> None:
        self.detector, self.item, self.index, self.files = detector, item, index, files
        self.job, self.bus, self.size = job, bus, size

    def execute(self, **o: Any) -> tuple[pl.DataFrame, int, dict[str, Any]]:
        d = self.detector
        sampler = FrameSampler(
            self.item.path,
            every=o["every"],
            fps=o["fps"],
            ranges=o["ranges"],
            size=(self.size or d.input_size) if d.input_size is not None else None,
            pixel_format=d.pixel_format,
            batch=o["batch"],
        )
        vs = sampler.info
        total = sampler.expected_frames()
        sample_rate = (
            float(to_fraction(o["fps"])) if o["fps"] is not None else float(vs.frame_rate) / o["every"]
        )
        tracker = (
            make_tracker(o["tracker"], frame_rate=sample_rate, **o["tracker_options"])
            if o["tracker"]
            else None
        )
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
                batch,
                conf=o["conf"],
                iou=o["iou"],
                classes=o["classes"],
                max_det=o["max_det"],
                imgsz=self.size,
            )
            if tracker is not None:
                found.track_id = np.full(len(found), -1, dtype=np.int64)
                for i in range(len(batch)):
                    rows = np.flatnonzero(found.image == i)
                    image = batch.images[i] if batch.geometry.identity else None
                    found.track_id[rows] = tracker.update(found[rows], image)
            found.image = found.image + len(pts)
            parts.append(found)
            frames.append(batch.frames)
            pts.extend(batch.pts)
            fps_now = len(pts) / max(time.perf_counter() - t0, 1e-9)
            self.job.progress((self.index + min(len(pts) / max(total or 1, 1), 1.0)) / self.files)
            self.bus.publish(
                RecognitionProgress(
                    self.job.job_id, source, len(pts), total, self.index, self.files, fps=fps_now
                )
            )
        dets = Detections.merge(parts)
        if tracker is not None and dets.track_id is None:
            dets.track_id = np.full(len(dets), -1, dtype=np.int64)
        df = detections_frame(
            dets,
            source=source,
            frames=np.concatenate(frames) if frames else np.zeros(0, np.int64),
            pts=pts,
            names=d.names,
            size=(vs.height, vs.width),
            model=d.name,
        )
        info = {
            "frame_rate": fraction_str(vs.frame_rate),
            "width": vs.width,
            "height": vs.height,
            "sampled_pts": [fraction_str(t) for t in pts[:1]] + [fraction_str(t) for t in pts[-1:]],
        }
        return df, len(pts), info


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
