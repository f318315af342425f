"""Where a detection found in a clip's source picture lands on the timeline's canvas.

Detections are fractions of the source picture; the preview draws fractions of the canvas. A box
goes through what the render does to the clip's picture: crop, fit (letterbox or pillarbox), scale,
anchor, offset and rotation, each at the frame shown (keyframed ones too).
"""

from __future__ import annotations

import math
from fractions import Fraction

from ..model.items import Clip, SequenceClip
from ..model.keyframes import value_at
from ..model.project import Project
from ..render.compile.motion import fitted

__all__ = ["on_canvas", "shown_clip"]

Box = tuple[float, float, float, float]


def shown_clip(project: Project, frame: int, rate: Fraction | None = None) -> tuple[Clip, int] | None:
    """The media clip whose picture is on top at timeline ``frame`` and its clip-relative frame.

    Switched-off tracks and clips show nothing; a nested sequence's clip shows the sequence's own top
    clip at its frame (its empty parts show what is below, as the render composites them).
    """
    rate = Fraction(rate if rate is not None else project.settings.frame_rate)
    for track in reversed(project.video_tracks()):
        if not track.enabled:
            continue
        item = track.item_at(frame)
        if item is None or not item.enabled:
            continue
        k = frame - item.start.to_frames(rate)
        if isinstance(item, SequenceClip):
            inner = shown_clip(
                project.sequence(item.sequence), item.source_range.start.to_frames(rate) + k, rate
            )
            if inner is not None:
                return inner
        elif isinstance(item, Clip) and item.media.has_video:
            return item, k
    return None


def on_canvas(clip: Clip, k: int, rate: Fraction, box: Box, canvas: tuple[int, int]) -> Box | None:
    """``box`` (fractions of the clip's source picture) as fractions of a ``canvas`` (width, height)
    at clip frame ``k``: the bounds of its corners as placed, cut to the canvas; None off it."""
    src_w, src_h = clip.media.width, clip.media.height
    if not src_w or not src_h:
        return None
    width, height = canvas

    def at(path: str) -> float:
        return value_at(clip, path, k, rate)

    left, top, right, bottom = (math.floor(at(f"crop.{e}") + 0.5) for e in ("left", "top", "right", "bottom"))
    cw, ch = src_w - left - right, src_h - top - bottom
    if cw <= 0 or ch <= 0:
        return None
    fit = min(width / cw, height / ch)
    sw, sh = cw * fit * at("transform.scale_x"), ch * fit * at("transform.scale_y")
    cx = width / 2 + at("transform.x") + (0.5 - at("transform.anchor_x")) * sw
    cy = height / 2 + at("transform.y") + (0.5 - at("transform.anchor_y")) * sh
    theta = math.radians(at("transform.rotation"))
    if clip.transform.is_identity and not any(p.startswith("transform.") for p in clip.keyframes):
        fw, fh, bx, by = fitted(cw, ch, width, height)  # where the render puts a fitted picture
        sw, sh, cx, cy = fw, fh, bx + fw / 2, by + fh / 2
    # the part of the box the crop kept, as fractions of the cropped picture
    u1, u2 = (min(max((u * src_w - left) / cw, 0.0), 1.0) for u in (box[0], box[2]))
    v1, v2 = (min(max((v * src_h - top) / ch, 0.0), 1.0) for v in (box[1], box[3]))
    if u2 <= u1 or v2 <= v1:
        return None
    cos, sin = math.cos(theta), math.sin(theta)
    xs, ys = [], []
    for u, v in ((u1, v1), (u2, v1), (u1, v2), (u2, v2)):
        dx, dy = (u - 0.5) * sw, (v - 0.5) * sh  # from the picture's centre, at its placed size
        xs.append(cx + dx * cos - dy * sin)  # FFmpeg's rotate turns clockwise on screen
        ys.append(cy + dx * sin + dy * cos)
    x1, x2 = max(min(xs), 0.0), min(max(xs), float(width))
    y1, y2 = max(min(ys), 0.0), min(max(ys), float(height))
    if x2 <= x1 or y2 <= y1:
        return None
    return x1 / width, y1 / height, x2 / width, y2 / height
