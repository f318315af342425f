"""Tracking: a stable ``track_id`` per object across sampled frames.

``bytetrack`` and ``botsort`` are ultralytics' own trackers, driven with our detections (no
ultralytics predictor involved). They need the small ``lap`` package, which ultralytics would
otherwise try to pip-install at import time; we check for it first and never let it install.
``iou`` is a dependency-free greedy IoU tracker for onnx-only installs.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from types import SimpleNamespace
from typing import Any, Literal, cast

import numpy as np

from . import _lazy
from .detections import Detections
from .errors import RecognitionError
from .geometry import box_iou

__all__ = ["IouTracker", "Tracker", "TrackerKind", "UltralyticsTracker", "make_tracker"]

TrackerKind = Literal["bytetrack", "botsort", "iou"]
Array = np.ndarray[Any, Any]

# ultralytics/cfg/trackers/{bytetrack,botsort}.yaml; BoT-SORT's global motion compensation is off
# by default because frames may reach us letterboxed (pass gmc_method="sparseOptFlow" to enable).
_BYTETRACK = {
    "tracker_type": "bytetrack",
    "track_high_thresh": 0.25,
    "track_low_thresh": 0.1,
    "new_track_thresh": 0.25,
    "track_buffer": 30,
    "match_thresh": 0.8,
    "fuse_score": True,
}
_BOTSORT = {
    **_BYTETRACK,
    "tracker_type": "botsort",
    "gmc_method": "none",
    "proximity_thresh": 0.5,
    "appearance_thresh": 0.8,
    "with_reid": False,
    "model": "auto",
}


class Tracker(ABC):
    """Feeds one frame's detections at a time; returns a track id per row (-1: not confirmed yet)."""

    @abstractmethod
    def update(self, detections: Detections, image: Array | None = None) -> Array:
        """Track ids for the rows of ``detections`` (all from the same frame)."""


class _Boxes:
    """The slice of ultralytics' ``Boxes`` API its trackers read: numpy columns and boolean indexing."""

    def __init__(self, xyxy: Array, conf: Array, cls: Array) -> None:
        self.xyxy, self.conf, self.cls = xyxy, conf, cls
        wh = xyxy[:, 2:4] - xyxy[:, 0:2]
        self.xywh = np.concatenate([xyxy[:, 0:2] + wh / 2, wh], axis=1)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index: Any) -> _Boxes:
        return _Boxes(self.xyxy[index], self.conf[index], self.cls[index])


class UltralyticsTracker(Tracker):
    """ByteTrack or BoT-SORT from ``ultralytics.trackers``, configured like its YAML defaults."""

    def __init__(
        self, kind: Literal["bytetrack", "botsort"], *, frame_rate: float = 30, **options: Any
    ) -> None:
        if not _lazy.has_module("lap"):
            msg = (
                f"tracker {kind!r} uses ultralytics' trackers, which need the 'lap' package: "
                "pip install lap (or pass tracker='iou')"
            )
            raise RecognitionError(msg)
        _lazy.ultralytics()
        from ultralytics.trackers.bot_sort import BOTSORT
        from ultralytics.trackers.byte_tracker import BYTETracker

        defaults = _BYTETRACK if kind == "bytetrack" else _BOTSORT
        unknown = set(options) - set(defaults)
        if unknown:
            raise RecognitionError(
                f"tracker {kind!r}: unknown options {sorted(unknown)}; known: {sorted(defaults)}"
            )
        args = {**defaults, **options}
        # the buffer is in frames at 30 fps; scale it to the rate frames reach the tracker
        args["track_buffer"] = max(1, round(args["track_buffer"] * frame_rate / 30))
        cls = BYTETracker if kind == "bytetrack" else BOTSORT
        params = inspect.signature(cls.__init__).parameters
        extra = {"frame_rate": 30} if "frame_rate" in params else {}  # older releases rescale themselves
        self._tracker: Any = cast("Any", cls)(SimpleNamespace(**args), **extra)

    def update(self, detections: Detections, image: Array | None = None) -> Array:
        """Run one tracker step; unmatched or unconfirmed rows get -1."""
        boxes = _Boxes(
            detections.xyxy.astype(np.float32),
            detections.conf.astype(np.float32),
            detections.class_id.astype(np.float32),
        )
        out = np.asarray(self._tracker.update(boxes, image))
        ids = np.full(len(detections), -1, dtype=np.int64)
        if out.size:
            ids[out[:, -1].astype(np.int64)] = out[:, -4].astype(np.int64)
        return ids


class IouTracker(Tracker):
    """Greedy IoU matching within a class; a track is dropped after ``max_age`` unmatched frames."""

    def __init__(self, *, iou: float = 0.3, max_age: int = 30, min_hits: int = 1) -> None:
        self.iou, self.max_age, self.min_hits = iou, max_age, min_hits
        self._next = 1
        self._boxes = np.zeros((0, 4), np.float32)
        self._cls = np.zeros(0, np.int64)
        self._ids = np.zeros(0, np.int64)
        self._age = np.zeros(0, np.int64)
        self._hits = np.zeros(0, np.int64)

    def update(self, detections: Detections, image: Array | None = None) -> Array:
        """Match detections to live tracks by IoU (best pairs first), start tracks for the rest."""
        n = len(detections)
        owner = np.full(n, -1, dtype=np.int64)  # index into the live tracks
        if n and len(self._ids):
            iou = box_iou(self._boxes, detections.xyxy)
            iou[self._cls[:, None] != detections.class_id[None, :]] = 0
            pairs = np.argwhere(iou >= self.iou)
            order = np.argsort(-iou[pairs[:, 0], pairs[:, 1]], kind="stable")
            used_t: set[int] = set()
            for t, d in pairs[order]:
                if t in used_t or owner[d] >= 0:
                    continue
                used_t.add(int(t))
                owner[d] = t
        matched = owner[owner >= 0]
        self._age += 1
        self._age[matched] = 0
        self._hits[matched] += 1
        self._boxes[matched] = detections.xyxy[owner >= 0]
        new = np.flatnonzero(owner < 0)
        if len(new):
            start = len(self._ids)
            self._boxes = np.concatenate([self._boxes, detections.xyxy[new].astype(np.float32)])
            self._cls = np.concatenate([self._cls, detections.class_id[new]])
            self._ids = np.concatenate([self._ids, np.arange(self._next, self._next + len(new))])
            self._age = np.concatenate([self._age, np.zeros(len(new), np.int64)])
            self._hits = np.concatenate([self._hits, np.ones(len(new), np.int64)])
            self._next += len(new)
            owner[new] = np.arange(start, start + len(new))
        ids = np.where(self._hits[owner] >= self.min_hits, self._ids[owner], -1) if n else owner
        alive = self._age <= self.max_age
        self._boxes, self._cls, self._ids = self._boxes[alive], self._cls[alive], self._ids[alive]
        self._age, self._hits = self._age[alive], self._hits[alive]
        return np.asarray(ids, dtype=np.int64)


def make_tracker(kind: TrackerKind, *, frame_rate: float = 30, **options: Any) -> Tracker:
    """A fresh tracker (one per video); ``frame_rate`` is the rate of the sampled frames."""
    if kind in ("bytetrack", "botsort"):
        return UltralyticsTracker(kind, frame_rate=frame_rate, **options)
    if kind == "iou":
        return IouTracker(**options)
    raise RecognitionError(f"tracker: expected 'bytetrack', 'botsort' or 'iou', got {kind!r}")
