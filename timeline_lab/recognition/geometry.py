"""Letterbox geometry and box maths shared by the sampler, the detectors and the tracker."""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["PAD_VALUE", "Letterbox", "box_iou", "nms", "resize_linear"]

PAD_VALUE = 114
"""Grey used for letterbox padding (what ultralytics pads with and its models were trained on)."""

FloatArray = np.ndarray[Any, np.dtype[np.float32]]


@dataclass(frozen=True)
class Letterbox:
    """How a source frame fits a model input: scale keeping aspect, then pad (ultralytics' rounding).

    All sizes are ``(height, width)``; ``pad`` is ``(top, left)``.
    """

    src: tuple[int, int]
    dst: tuple[int, int]
    new: tuple[int, int]
    pad: tuple[int, int]

    @classmethod
    def fit(cls, src: tuple[int, int], dst: tuple[int, int], *, stretch: bool = False) -> Letterbox:
        """Centred letterbox as ultralytics' ``LetterBox(auto=False)``; ``stretch`` just resizes."""
        sh, sw = src
        dh, dw = dst
        if min(sh, sw, dh, dw) <= 0:
            raise ValueError(f"letterbox: sizes must be positive, got src={src} dst={dst}")
        if stretch:
            return cls(src, dst, dst, (0, 0))
        r = min(dh / sh, dw / sw)
        nw, nh = max(round(sw * r), 1), max(round(sh * r), 1)
        top = round((dh - nh) / 2 - 0.1)
        left = round((dw - nw) / 2 - 0.1)
        return cls(src, dst, (nh, nw), (top, left))

    @property
    def identity(self) -> bool:
        """True when the frame goes in unscaled and unpadded."""
        return self.src == self.dst == self.new

    def to_source(self, xyxy: np.ndarray[Any, Any]) -> FloatArray:
        """Boxes in model-input pixels -> source pixels, clipped to the frame (as ``scale_boxes``)."""
        out = np.asarray(xyxy, dtype=np.float32).copy()
        top, left = self.pad
        gy, gx = self.new[0] / self.src[0], self.new[1] / self.src[1]
        out[..., [0, 2]] = (out[..., [0, 2]] - left) / gx
        out[..., [1, 3]] = (out[..., [1, 3]] - top) / gy
        out[..., [0, 2]] = out[..., [0, 2]].clip(0, self.src[1])
        out[..., [1, 3]] = out[..., [1, 3]].clip(0, self.src[0])
        return out

    def points_to_source(self, xy: np.ndarray[Any, Any]) -> FloatArray:
        """Points (``[..., 2]``: x, y) in model-input pixels -> source pixels, clipped."""
        out = np.asarray(xy, dtype=np.float32).copy()
        top, left = self.pad
        gy, gx = self.new[0] / self.src[0], self.new[1] / self.src[1]
        out[..., 0] = ((out[..., 0] - left) / gx).clip(0, self.src[1])
        out[..., 1] = ((out[..., 1] - top) / gy).clip(0, self.src[0])
        return out


def box_iou(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> FloatArray:
    """IoU matrix between ``(n, 4)`` and ``(m, 4)`` xyxy boxes."""
    a = np.asarray(a, dtype=np.float32)[:, None, :]
    b = np.asarray(b, dtype=np.float32)[None, :, :]
    iw = (np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])).clip(0)
    ih = (np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])).clip(0)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0).astype(np.float32)


def nms(boxes: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], iou: float) -> np.ndarray[Any, Any]:
    """Greedy NMS like ``torchvision.ops.nms``: highest score first, drop overlaps with IoU > ``iou``."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    boxes = np.asarray(boxes, dtype=np.float32)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        if not rest.size:
            break
        iw = (np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest])).clip(0)
        ih = (np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest])).clip(0)
        inter = iw * ih
        union = areas[i] + areas[rest] - inter
        overlap = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[overlap <= iou]
    return np.asarray(keep, dtype=np.int64)


@functools.cache
def _cv2() -> Any:
    if importlib.util.find_spec("cv2") is None:
        return None
    import cv2

    return cv2


def resize_linear(img: np.ndarray[Any, Any], height: int, width: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """Bilinear resize with pixel-centre alignment, as OpenCV's INTER_LINEAR (what ultralytics uses).

    Uses OpenCV when installed (it comes with ultralytics); otherwise the same arithmetic in
    numpy, which agrees to within one grey level (OpenCV rounds its weights to 11 bits).
    """
    cv2 = _cv2()
    if cv2 is not None:
        return np.asarray(cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)
    h, w = img.shape[:2]
    ys = ((np.arange(height) + 0.5) * (h / height) - 0.5).clip(0, h - 1)
    xs = ((np.arange(width) + 0.5) * (w / width) - 0.5).clip(0, w - 1)
    y0, x0 = ys.astype(np.int64), xs.astype(np.int64)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    wy = (ys - y0).astype(np.float32)[:, None, None]
    wx = (xs - x0).astype(np.float32)[None, :, None]
    rows0, rows1 = img[y0].astype(np.float32), img[y1].astype(np.float32)
    top = rows0[:, x0] * (1 - wx) + rows0[:, x1] * wx
    bottom = rows1[:, x0] * (1 - wx) + rows1[:, x1] * wx
    out: np.ndarray[Any, np.dtype[np.uint8]] = (top + (bottom - top) * wy + 0.5).astype(np.uint8)
    return out
