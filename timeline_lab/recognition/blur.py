"""Region blur: one effect kind, ``blur.region``, for fixed boxes and tracked objects alike.

Its parameters (:class:`BlurParams`, plain JSON saved with the project) hold fixed boxes in source
pixels (each optionally between two source times), the whole frame, and tracks: per track, its
boxes at exact source times, e.g. from ``blur_effect(results)``. :func:`render_blur` maps those
source times onto the clip's chain frames (trim, speed, handles and crop, through
``EffectContext``) and returns ``render.compile.regions.RegionBlur`` fragments: the fixed boxes,
then a box per track that ``sendcmd`` moves every frame.

Older projects hold ``recognition.blur_regions`` effects (tracks only; :data:`LEGACY_KIND`, an
alias rendered by the same function) or ``blur.region`` effects with a flat ``detections`` list
(read as tracks by :class:`BlurParams`); both render exactly as they did.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    ValidationError,
    WrapSerializer,
    model_validator,
)

from ..errors import RenderError, first_error
from ..model.properties import Effect
from ..model.time import to_fraction
from ._detections_table import frame_spans
from .errors import RecognitionError

if TYPE_CHECKING:
    import polars as pl

    from ..render.compile.effects import EffectContext
    from ..render.compile.graph import ChainItem
    from ..render.compile.regions import Box, MovingBox, Rect

__all__ = [
    "KIND",
    "LEGACY_KIND",
    "BlurParams",
    "blur_effect",
    "blur_params",
    "register_blur",
    "render_blur",
]

KIND = "blur.region"
"""The one region-blur effect kind (rendered by the built-in ``blur`` plugin)."""
LEGACY_KIND = "recognition.blur_regions"
"""What ``blur_effect`` wrote before; an alias of :data:`KIND` so saved projects still render."""

Mode = Literal["gaussian", "pixelate"]


def _seconds(v: Any) -> Fraction:
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError("floats are not exact; write an integer or 'num/den' seconds")
        v = int(v)
    try:
        return to_fraction(v, what="seconds")
    except TypeError as exc:  # pydantic reports ValueErrors with the field's location
        raise ValueError(str(exc)) from None


def _seconds_json(v: Fraction) -> str:
    return f"{v.numerator}/{v.denominator}" if v.denominator != 1 else str(v.numerator)


Seconds = Annotated[Fraction, BeforeValidator(_seconds), PlainSerializer(_seconds_json, return_type=str)]
"""Exact source seconds: an integer or a 'num/den' string (saved as text)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class BlurBox(_Strict):
    """A fixed box in source pixels, optionally only between two source times."""

    x: int
    y: int
    w: int = Field(gt=0)
    h: int = Field(gt=0)
    start: Seconds | None = None
    end: Seconds | None = None


def _with_end(v: Any) -> Any:
    """A sighting saved without its frame's end (``[t, x1, y1, x2, y2]``) reads with none."""
    return [*v, None] if isinstance(v, list | tuple) and len(v) == 5 else v


def _end_if_known(v: Any, write: SerializerFunctionWrapHandler) -> Any:
    out = write(v)
    return out[:5] if out[5] is None else out


Sample = Annotated[
    tuple[Seconds, float, float, float, float, Seconds | None],
    BeforeValidator(_with_end),
    WrapSerializer(_end_if_known),
]
"""``[t, x1, y1, x2, y2, end]``: a sighting's source time, box and when its frame leaves the screen."""


class BlurTrack(_Strict):
    """One tracked object: its box ``[t, x1, y1, x2, y2, end]`` (source seconds, pixel corners, and
    when that frame leaves the screen) per sighting; without ``end`` a sighting lasts ``frame_duration``."""

    track_id: int | None = None
    class_name: str = ""
    samples: list[Sample]


class Detection(_Strict):
    """One row of the older flat ``detections`` form of ``blur.region`` (read as tracks)."""

    t: Seconds
    x1: float
    y1: float
    x2: float
    y2: float
    track_id: int = 0


class BlurParams(_Strict):
    """Parameters of ``blur.region`` (and its alias ``recognition.blur_regions``)."""

    mode: Mode = "gaussian"
    strength: float = Field(12.0, gt=0, le=200)
    """Gaussian sigma, or the pixelation block size in pixels."""
    whole_frame: bool = False
    boxes: list[BlurBox] = Field(default_factory=list)
    padding: int = Field(0, ge=0, le=500)
    """Pixels added on every side of every box, fixed or tracked."""
    tracks: list[BlurTrack] = Field(default_factory=list)
    margin: float = Field(0.15, ge=0, le=10)
    """Tracked boxes grow by this fraction of their size on every side (they lag a little)."""
    frame_duration: Seconds | None = None
    """How long a sighting without its own ``end`` stays on screen; default: the smallest step
    between sightings."""
    hold: Seconds | None = None
    """How long a box stays after its last sighting, and the longest hole bridged between two
    (from one sighting to the next); default 1.5 steps (at least one frame), so strided results
    still cover. A sighting's box always stays while its frame is on screen."""
    source: str | None = None
    """The media file the tracks were recognized in (for people reading the project)."""
    detections: list[Detection] = Field(default_factory=list, exclude=True)
    """Older form of tracks (flat rows, no margin); read into ``tracks`` on load."""

    @model_validator(mode="after")
    def _resolve(self) -> BlurParams:
        if self.detections:
            if self.tracks:
                raise ValueError("give either tracks or detections (the older form), not both")
            rows: dict[int, list[Detection]] = defaultdict(list)
            for d in self.detections:
                rows[d.track_id].append(d)
            self.tracks = [
                BlurTrack(track_id=tid, samples=[(d.t, d.x1, d.y1, d.x2, d.y2) for d in ds])
                for tid, ds in rows.items()
            ]
            self.detections = []
            if "margin" not in self.model_fields_set:
                self.margin = 0.0  # the older form blurred the boxes as given (plus padding)
        if self.tracks and (self.frame_duration is None or self.hold is None):
            times = sorted({s[0] for track in self.tracks for s in track.samples})
            step = min((b - a for a, b in itertools.pairwise(times)), default=None)
            if self.frame_duration is None:
                self.frame_duration = step if step is not None else Fraction(0)
            if self.hold is None:
                fd = self.frame_duration
                self.hold = max(fd, (step if step is not None else fd) * Fraction(3, 2))
        return self


def blur_params(
    params: Mapping[str, Any], *, what: str = KIND, error: type[Exception] = RenderError
) -> BlurParams:
    """Validate effect params; ``error`` names the field: ``blur.region params.boxes.0.w: ...``."""
    try:
        return BlurParams.model_validate(params)
    except ValidationError as exc:
        where, msg = first_error(exc)
        raise error(f"{what} params{'.' + where if where else ''}: {msg}") from None


def blur_effect(
    results: pl.DataFrame,
    *,
    source: str | None = None,
    classes: Sequence[str] | None = None,
    track_ids: Sequence[int] | None = None,
    margin: float = 0.15,
    strength: float = 12.0,
    mode: Mode = "gaussian",
    hold: Fraction | None = None,
) -> Effect:
    """A ``blur.region`` effect blurring the detected objects of one source wherever a clip shows them.

    Parameters
    ----------
    margin:
        Grow each box by this fraction of its size on every side (tracked boxes lag a little).
    hold:
        How long (seconds) a box stays after its last sighting and the longest hole bridged
        between two sightings; default 1.5 sampling steps, so strided results still cover (a hole
        of up to 1.5 strides of frames gets a box per frame, each held while its frame is, on a
        variable-rate source too). Each sighting's box stays while its frame is on screen.
    """
    import polars as pl

    from ._detections_table import frame_durations, frame_ends

    if source is None:
        sources = results["source"].unique().to_list()
        if len(sources) != 1:
            raise RecognitionError(f"source: results hold {len(sources)} sources, say which one to blur")
        source = str(sources[0])
    rows = results.filter(pl.col("source") == source)
    if classes is not None:
        rows = rows.filter(pl.col("class_name").is_in(list(classes)))
    if track_ids is not None:
        rows = rows.filter(pl.col("track_id").is_in(list(track_ids)))
    tracks: list[dict[str, Any]] = []
    track_frames: list[list[int]] = []
    cols = ("pts", "x1", "y1", "x2", "y2", "end")
    rows = rows.with_columns(frame_ends(rows).alias("end") if rows.height else pl.lit("").alias("end"))
    ordered = rows.sort("pts_s")
    for (track_id,), group in ordered.filter(pl.col("track_id").is_not_null()).group_by(
        "track_id", maintain_order=True
    ):
        samples = [list(r) for r in group.select(cols).iter_rows()]
        tracks.append({"track_id": track_id, "class_name": group["class_name"][0], "samples": samples})
        track_frames.append(group["frame"].to_list())
    for r in ordered.filter(pl.col("track_id").is_null()).iter_rows(named=True):  # each sighting alone
        sample = [r["pts"], r["x1"], r["y1"], r["x2"], r["y2"], r["end"]]
        tracks.append({"track_id": None, "class_name": r["class_name"], "samples": [sample]})
        track_frames.append([r["frame"]])
    params = {
        "source": source,
        "frame_duration": frame_durations(rows).get(source, Fraction(0)) if rows.height else Fraction(0),
        "hold": None if hold is None else to_fraction(hold, what="hold"),
        "margin": margin,
        "strength": strength,
        "mode": mode,
        "tracks": tracks,
    }
    checked = blur_params(params, what="blur_effect", error=RecognitionError)  # defaults: the sightings'
    stride = _stride(rows["frame"].to_list())
    bridged = (lambda k0, k1, t0, t1: k1 - k0 <= stride * 3 // 2) if hold is None else (
        lambda k0, k1, t0, t1: t1 - t0 <= (checked.hold or 0))  # fmt: skip
    for track, frames, seen in zip(tracks, track_frames, checked.tracks, strict=True):
        track["samples"] = _filled(source, frames, seen.samples, bridged)
    params["hold"] = checked.hold
    checked = blur_params(params, what="blur_effect", error=RecognitionError)
    return Effect(kind=KIND, params=checked.model_dump(mode="json", exclude_none=True))


def _stride(frames: Sequence[int]) -> int:
    """Frames from one analysed frame to the next (1: every frame), as the results show it."""
    steps = [b - a for a, b in itertools.pairwise(sorted(set(frames)))]
    return min(steps, default=1)


def _filled(
    source: str,
    frames: Sequence[int],
    samples: Sequence[Any],
    bridged: Callable[[int, int, Fraction, Fraction], bool],
) -> list[Any]:
    """A track's sightings with a box for every frame not analysed in each bridged hole between
    two (interpolated by frame index), each lasting while its frame is on screen: strided results
    cover the frames between, however long each is held (a variable-rate source)."""
    holes = [(i, k0, k1) for i, (k0, k1) in enumerate(itertools.pairwise(frames))
             if k1 - k0 > 1 and bridged(k0, k1, samples[i][0], samples[i + 1][0])]  # fmt: skip
    spans = frame_spans(source, [k for _, k0, k1 in holes for k in range(k0 + 1, k1)]) if holes else None
    if spans is None:  # nothing to fill, or no frame times to fill with: bridged by time as before
        return list(samples)
    out: list[Any] = []
    at, taken = 0, iter(spans)
    for i, k0, k1 in holes:
        out += samples[at : i + 1]
        a, b = samples[i], samples[i + 1]
        for k in range(k0 + 1, k1):
            w = (k - k0) / (k1 - k0)
            start, end = next(taken)
            out.append((start, *(p + (q - p) * w for p, q in zip(a[1:5], b[1:5], strict=True)), end))
        at = i + 1
    return out + list(samples[at:])


def _box_at(
    times: Sequence[Fraction], rects: Sequence[Rect], ends: Sequence[Fraction], t: Fraction, hold: Fraction
) -> Rect | None:
    """Box shown at source time ``t``: the sighting whose frame is on screen, else interpolated
    across a short hole, else the last one for ``hold`` after it."""
    j = bisect.bisect_right(times, t) - 1
    if j < 0:
        return None
    seen, box = times[j], rects[j]
    if t < ends[j]:  # its picture is still on screen (a held frame included)
        return box
    if j + 1 < len(times) and times[j + 1] - seen <= hold:
        w = float((t - seen) / (times[j + 1] - seen))
        return tuple(a + (b - a) * w for a, b in zip(box, rects[j + 1], strict=True))  # type: ignore[return-value]
    return box if t < seen + hold else None


def _tracked(p: BlurParams, ctx: EffectContext) -> tuple[list[Box], list[MovingBox]]:
    """Each track's box on every chain frame it is shown (source times mapped through ``ctx``)."""
    from ..render.compile.regions import follow

    fd, hold, pad = p.frame_duration or Fraction(0), p.hold or Fraction(0), p.padding
    boxes: list[Box] = []
    moving: list[MovingBox] = []
    for track in p.tracks:
        samples = sorted(track.samples, key=lambda s: s[0])
        times = [s[0] for s in samples]
        rects = [(s[1] - pad, s[2] - pad, s[3] + pad, s[4] + pad) for s in samples]
        ends = [s[0] + fd if s[5] is None else s[5] for s in samples]
        shown: dict[int, Rect] = {}
        for k in range(ctx.frames):
            box = _box_at(times, rects, ends, ctx.instant(k), hold)  # reverse/freeze followed
            if box is not None:
                x1, y1, x2, y2 = box
                mx, my = (x2 - x1) * p.margin, (y2 - y1) * p.margin
                shown[k] = (x1 - mx - ctx.crop_left, y1 - my - ctx.crop_top,
                            x2 + mx - ctx.crop_left, y2 + my - ctx.crop_top)  # fmt: skip
        still, moves = follow(shown, ctx.width, ctx.height)
        boxes += still
        moving += moves
    return boxes, moving


def _fixed(p: BlurParams, ctx: EffectContext) -> list[Box]:
    """The whole frame and the fixed boxes, on the chain frames between their source times."""
    from ..render.compile.regions import Box

    pad = p.padding
    boxes = [Box(0, 0, ctx.width, ctx.height)] if p.whole_frame else []
    for b in p.boxes:
        span = _frames_between(ctx, b.start, b.end)
        if span is None:
            continue  # none of its source times is shown by this clip
        boxes.append(Box(b.x - ctx.crop_left - pad, b.y - ctx.crop_top - pad, b.w + 2 * pad,
                         b.h + 2 * pad, *span))  # fmt: skip
    return boxes


def _frames_between(
    ctx: EffectContext, start: Fraction | None, end: Fraction | None
) -> tuple[int, int | None] | None:
    """Chain frames ``[first, end)`` whose source instant is in ``[start, end)`` (None: no bound);
    one run whether the clip plays forwards, backwards or frozen (``EffectContext.instant``)."""
    if start is None and end is None:
        return 0, None
    inside = [k for k in range(ctx.frames) if (start is None or ctx.instant(k) >= start)
              and (end is None or ctx.instant(k) < end)]  # fmt: skip
    if not inside:
        return None
    return inside[0], inside[-1] + 1


def render_blur(fx: Effect, ctx: EffectContext) -> list[ChainItem]:
    """Renderer of ``blur.region`` (and its alias): the fixed boxes, then the tracks, blurred."""
    from ..render.compile.regions import RegionBlur

    p = blur_params(fx.params, what=fx.kind)
    tag = f"{ctx.tag}{fx.id[-4:]}"
    rate = ctx.rate
    steps: list[ChainItem] = []
    # two stages, as the two former kinds were: a tracked box over a fixed one blurs its blur
    fixed = _fixed(p, ctx)
    still, moving = _tracked(p, ctx)
    for suffix, boxes, moves in (("", fixed, []), ("rb", still, moving)):
        if boxes or moves:
            steps.append(RegionBlur(ctx.width, ctx.height, rate.denominator, rate.numerator, tag + suffix,
                                    p.mode, p.strength, tuple(boxes), tuple(moves)))  # fmt: skip
    return steps


def register_blur() -> None:
    """Make the render engine understand ``blur.region`` and its alias without a Studio (idempotent)."""
    from ..render.compile.effects import effect_renderer, register_effect

    for kind in (KIND, LEGACY_KIND):
        if effect_renderer(kind) is None:
            register_effect(kind, render_blur)
