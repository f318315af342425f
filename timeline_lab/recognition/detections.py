"""Detections as one dataclass of parallel arrays (supervision's model): boxes in source pixels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Detections"]

Array = np.ndarray[Any, Any]


def _empty_f(*shape: int) -> Array:
    return np.zeros(shape, dtype=np.float32)


def _empty_i(n: int = 0) -> Array:
    return np.zeros(n, dtype=np.int64)


@dataclass
class Detections:
    """Detections of a batch of frames; row ``i`` belongs to frame ``image[i]`` of the batch."""

    image: Array = field(default_factory=_empty_i)
    """``(n,)`` int64: position of the frame within its batch."""
    xyxy: Array = field(default_factory=lambda: _empty_f(0, 4))
    """``(n, 4)`` float32: corners in source pixels."""
    conf: Array = field(default_factory=lambda: _empty_f(0))
    class_id: Array = field(default_factory=_empty_i)
    track_id: Array | None = None
    """``(n,)`` int64 track ids, -1 where no track was confirmed; None when not tracked."""
    keypoints: Array | None = None
    """``(n, K, 3)`` float32 (x, y, visibility) in source pixels, for pose models."""
    polygons: list[Array] | None = None
    """Per detection an ``(m, 2)`` float32 outline in source pixels, for segmentation models."""

    def __post_init__(self) -> None:
        n = len(self.conf)
        if self.xyxy.shape != (n, 4) or self.image.shape != (n,) or self.class_id.shape != (n,):
            msg = f"Detections: columns disagree: xyxy {self.xyxy.shape}, conf {n}, image {self.image.shape}"
            raise ValueError(msg)

    @classmethod
    def empty(cls) -> Detections:
        """No detections."""
        return cls()

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index: Array | slice | Sequence[int]) -> Detections:
        """Rows selected by a boolean mask, an index array or a slice."""
        idx = np.arange(len(self))[index]
        return Detections(
            image=self.image[idx],
            xyxy=self.xyxy[idx],
            conf=self.conf[idx],
            class_id=self.class_id[idx],
            track_id=None if self.track_id is None else self.track_id[idx],
            keypoints=None if self.keypoints is None else self.keypoints[idx],
            polygons=None if self.polygons is None else [self.polygons[i] for i in idx],
        )

    @classmethod
    def merge(cls, parts: Sequence[Detections]) -> Detections:
        """Concatenate rows; optional columns survive only when every part has them."""
        parts = [p for p in parts if len(p)] or list(parts[:1])
        if not parts:
            return cls.empty()
        tracks = [p.track_id for p in parts]
        kps = [p.keypoints for p in parts]
        polys = [p.polygons for p in parts]
        return cls(
            image=np.concatenate([p.image for p in parts]),
            xyxy=np.concatenate([p.xyxy for p in parts]),
            conf=np.concatenate([p.conf for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            track_id=np.concatenate(tracks) if all(t is not None for t in tracks) else None,  # type: ignore[arg-type]
            keypoints=np.concatenate(kps) if all(k is not None for k in kps) else None,  # type: ignore[arg-type]
            polygons=[q for p in polys for q in p] if all(p is not None for p in polys) else None,  # type: ignore[union-attr]
        )
