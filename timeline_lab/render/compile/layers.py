"""Per-clip picture chains: conform to the frame grid, grade, apply effects, place on the canvas."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...media.orientation import upright_steps
from ...media.probe import display_size
from ...model.speed_ramp import is_ramped
from .animate import check_renderable
from .canvas import Canvas
from .colour import _alpha, colour_source, from_canvas, from_source, in_rgb, to_yuva
from .effects import (
    ALPHA_EFFECTS,
    PER_PIXEL_EFFECTS,
    EffectContext,
    color_steps,
    effect_renderer,
    effect_steps,
    fade_steps,
    timing_steps,
)
from .graph import q
from .motion import (
    animated_blur,
    animated_color,
    animated_crop,
    cropped_placement,
    even,
    fitted,
    is_cropping,
    is_moving,
    moving_placement,
)

if TYPE_CHECKING:
    from ...media.probe import VideoStreamInfo
    from ...media.timestamps import StreamTimes
    from ...model.items import Clip
    from ...model.properties import Effect
    from .graph import ChainItem, Step

__all__ = [
    "Canvas",
    "clip_picture_steps",
    "conform_steps",
    "deinterlace_steps",
    "gap_steps",
    "geometry_steps",
    "hold_steps",
    "needs_alpha",
    "still_steps",
    "text_steps",
]

_HALF = Fraction(1, 2)


def _lcm_den(*xs: Fraction) -> int:
    out = 1
    for x in xs:
        out = math.lcm(out, x.denominator)
    return out


def conform_steps(
    vs: VideoStreamInfo,
    times: StreamTimes,
    start: Fraction,
    frames: int,
    speed: Fraction,
    rate: Fraction,
) -> list[Step]:
    """Timeline frame k shows the source frame on screen at ``start + k*speed/rate`` (sample-and-hold).

    ``start`` is media time, counted from the stream's first shown frame (``times.first``), so
    files that start late (MPEG-TS, edit lists, MKV offsets) cut where the model says. Constant-
    rate frames are snapped to their slot (``round((t - origin) * fps)``): containers with coarse
    clocks (WebM's milliseconds) store 29.97 fps times rounded, and a frame stamped a hair late
    would otherwise lose its slot. Variable-rate frames keep their exact times. The last frame
    holds to the end of the clip (``tpad``), so a clip cut at the file's end never runs short.
    """
    deinterlace, vs, times = _deinterlaced(vs, times, speed, rate)
    tb = vs.time_base
    span = frames * speed / rate  # source seconds the clip shows
    if vs.variable_frame_rate:
        origin = times.first * tb
        at = origin + start  # absolute source time of the clip's first instant
        shown = int(times.pts[times.index_at(at)])  # the frame on screen at the clip's start
        first = ("trim", f"start_pts={shown}")
        d = _lcm_den(tb, tb / speed, at / speed)
        # both terms whole numbers of 1/d (PTS is a multiple of tb, tb/speed and at/speed divide
        # into 1/d), so the double arithmetic of the expression is exact
        timing = f"PTS*{speed.denominator}/{speed.numerator}-{at / speed * d}"
        held = at + span - shown * tb  # at most this long from the last frame read to the clip's end
    else:
        first, timing, d = _cfr_timing(vs, times, start, speed)
        held = span + 2 / Fraction(vs.frame_rate or 25)
    return [
        *deinterlace,
        # the last frame read is cloned on (at the buffer's rate) to the clip's end: a stream that
        # ends at its last frame's own time (MPEG-TS frames carry no duration) still shows that
        # frame for its slot, and a clip inside a long hold (a screen recording's pause, a frame
        # only on change) has a picture, though its one frame lies before the clip's start
        ("tpad", f"stop={math.ceil(held * (vs.frame_rate or 25)) + 1}:stop_mode=clone"),
        first,
        ("settb", f"1/{d}"),
        ("setpts", timing),
        ("fps", f"fps={q(rate)}:round=up:start_time=0"),
        ("tpad", f"stop={frames}:stop_mode=clone"),
        ("trim", f"end_frame={frames}"),
    ]


def deinterlace_steps(vs: VideoStreamInfo, *, fields: bool = False) -> list[Step]:
    """An interlaced source's ``yadif`` (none for progressive ones): one picture a frame, each the
    first field's moment, or with ``fields`` one a field, at twice the frame rate on half the time
    base. yadif, not bwdif: bwdif weaves lines it takes for still, and a moment's picture would keep
    the other field's lines (a frame-number code band, a title) where nothing moved between them."""
    if vs.field_order not in ("tff", "bff"):
        return []
    return [("yadif", f"mode={'send_field' if fields else 'send_frame'}:parity={vs.field_order}:deint=all")]


def _deinterlaced(
    vs: VideoStreamInfo, times: StreamTimes, speed: Fraction, rate: Fraction
) -> tuple[list[Step], VideoStreamInfo, StreamTimes]:
    """The deinterlace and the stream it makes: a field a picture where the timeline shows fields
    (a timeline frame lasts at most a field: 25i in 50p, or slowed to half), else a frame a picture."""
    fields = vs.field_order in ("tff", "bff") and not vs.variable_frame_rate and bool(vs.frame_rate)
    if not fields or rate < 2 * vs.frame_rate * abs(speed):
        return deinterlace_steps(vs), vs, times
    tb = vs.time_base / 2  # yadif stamps frame t's fields at 2t and 2t + (the step to the next)
    doubled = replace(times, time_base=tb, pts=times.pts * 2, keys=times.keys * 2)
    per_field = replace(vs, frame_rate=vs.frame_rate * 2, time_base=tb, field_order="progressive")
    return deinterlace_steps(vs, fields=True), per_field, doubled


def _cfr_timing(
    vs: VideoStreamInfo, times: StreamTimes, start: Fraction, speed: Fraction
) -> tuple[Step, str, int]:
    """Constant-rate conform: the first frame's trim, the timestamp expression and its time base.

    Integers throughout (as ``samples_at``): Fraction arithmetic here was a seventh of compiling
    a long timeline. ``tests/render/compile/test_compile_scale.py`` pins it to the Fraction form.
    """
    t_n, t_d = vs.time_base.numerator, vs.time_base.denominator
    f_n, f_d = vs.frame_rate.numerator, vs.frame_rate.denominator
    s_n, s_d = start.numerator, start.denominator
    v_n, v_d = speed.numerator, speed.denominator
    first_pts = times.first  # origin = first * tb
    slot = s_n * f_n // (s_d * f_d)
    # half a slot of slack: a frame stamped a little early still counts as that slot's frame;
    # floor((origin + (slot - 1/2) / fr) / tb) with origin / tb = first_pts
    trim = ("trim", f"start_pts={first_pts + (2 * slot - 1) * f_d * t_d // (2 * f_n * t_n)}")
    step_n, step_d = f_d * v_d, f_n * v_n  # timeline seconds per source frame: 1 / (fr * speed)
    lead_n, lead_d = s_n * v_d, s_d * v_n  # start / speed
    d = math.lcm(t_d, step_d // math.gcd(step_n, step_d), lead_d // math.gcd(lead_n, lead_d))
    # origin * fr = first_pts * t_n * f_n / (t_d * f_d)
    o_n, o_d = first_pts * t_n * f_n, t_d * f_d
    g = math.gcd(o_n, o_d)
    origin = str(o_n // g) if o_d == g else f"{o_n // g}/{o_d // g}"
    shift = f"-({origin})" if first_pts else ""
    where = f"round(PTS*{f_n}/{f_d * d}{shift})"
    return trim, f"{where}*{step_n * d // step_d}-{lead_n * d // lead_d}", d


def geometry_steps(vs: VideoStreamInfo) -> list[Step]:
    """Square pixels, then the display matrix (mirror and turn): the picture as a player shows it."""
    steps: list[Step] = []
    if vs.sample_aspect_ratio != 1:
        w, h = display_size(vs.width, vs.height, vs.sample_aspect_ratio, 0)
        steps += [("scale", f"w={w}:h={h}"), ("setsar", "1")]
    return steps + upright_steps(vs.rotation, vs.flip)


def needs_alpha(clip: Clip) -> bool:
    """True when the clip cannot simply be letterboxed opaque onto the canvas."""
    return (
        clip.opacity < 1
        or clip.media.still  # its alpha (a logo's transparency) is composited, never dropped
        or not clip.transform.is_identity
        or any(fx.enabled and fx.kind in ALPHA_EFFECTS for fx in clip.effects)
        or is_moving(clip)
    )


def _placement(
    clip: Clip, vs: VideoStreamInfo, c: Canvas, frames: int, before: int, tag: str
) -> list[ChainItem] | None:
    """Scale, rotate and position onto a transparent canvas; None when nothing is visible.

    The offsets are the project's pixels: on another canvas (a preview's) they move the clip by
    ``c.unit`` canvas pixels each, so it lands where the render puts it, shrunk.
    """
    src_w, src_h = vs.display_width, vs.display_height
    yuv_in = from_source(vs) if clip.media.still else from_canvas(c.color_range)
    on, rng = (c.width, c.height, c.rate), c.color_range
    if is_cropping(clip):
        return cropped_placement(clip, src_w, src_h, *on, frames, before, tag, yuv_in, rng, unit=c.unit)
    t = clip.transform
    cw = src_w - clip.crop.left - clip.crop.right
    ch = src_h - clip.crop.top - clip.crop.bottom
    fit = min(c.width / cw, c.height / ch)
    sw, sh = even(cw * fit * t.scale_x), even(ch * fit * t.scale_y)
    if is_moving(clip):
        fit_wh = (cw * fit, ch * fit)
        return moving_placement(clip, fit_wh, sw, sh, *on, frames, before, tag, yuv_in, rng, unit=c.unit)
    theta = math.radians(t.rotation)
    rw = even(abs(sw * math.cos(theta)) + abs(sh * math.sin(theta))) if t.rotation else sw
    rh = even(abs(sw * math.sin(theta)) + abs(sh * math.cos(theta))) if t.rotation else sh
    ux, uy = c.unit
    cx = c.width / 2 + t.x * ux + (0.5 - t.anchor_x) * sw
    cy = c.height / 2 + t.y * uy + (0.5 - t.anchor_y) * sh
    bx, by = round(cx - rw / 2), round(cy - rh / 2)
    if t.is_identity:  # fitted and centred: where the bottom layer's pad puts it (``motion.fitted``)
        sw, sh, bx, by = fitted(cw, ch, c.width, c.height)
        rw, rh = sw, sh
    x0, y0 = max(bx, 0), max(by, 0)
    x1, y1 = min(bx + rw, c.width), min(by + rh, c.height)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    steps: list[ChainItem] = [("scale", f"w={sw}:h={sh}{yuv_in}"), ("format", "rgba")]
    if clip.opacity < 1:
        steps.append(("colorchannelmixer", f"aa={clip.opacity:.6g}"))
    if t.rotation:
        steps.append(("rotate", f"a={theta:.9f}:c=none:ow={rw}:oh={rh}"))
    if (x0, y0, x1, y1) != (bx, by, bx + rw, by + rh):
        steps.append(("crop", f"w={x1 - x0}:h={y1 - y0}:x={x0 - bx}:y={y0 - by}"))
    steps += [
        ("pad", f"w={c.width}:h={c.height}:x={x0}:y={y0}:color=black@0"),
        ("setsar", "1"),
        *to_yuva(c.color_range),
    ]
    return steps


def clip_picture_steps(
    clip: Clip,
    vs: VideoStreamInfo,
    frames: int,
    canvas: Canvas,
    *,
    alpha: bool,
    own: tuple[int, int] | None = None,
    source_start: Fraction = Fraction(0),
    tag: str = "c",
    live: Callable[[Effect, EffectContext], list[ChainItem]] | None = None,
) -> list[ChainItem] | None:
    """Everything after conform: display geometry, crop, grade, effects, placement, fades.

    None when the clip is placed entirely off the canvas. ``live`` builds the effects Python
    computes during the render (``compile.live``); without it they are refused.
    """
    check_renderable(clip)
    before = own[0] if own is not None else 0
    steps: list[ChainItem] = [*geometry_steps(vs)]
    cr = clip.crop
    moving_crop = animated_crop(clip, canvas.rate, frames, before, tag)
    if moving_crop is None and not cr.is_identity:
        steps.append(
            ("crop", f"w=iw-{cr.left + cr.right}:h=ih-{cr.top + cr.bottom}:x={cr.left}:y={cr.top}:exact=1")
        )
    active = [fx for fx in clip.effects if fx.enabled]
    spatial = [fx.kind for fx in active if fx.kind not in PER_PIXEL_EFFECTS]
    if moving_crop is not None and spatial:  # they would see the crop's first size on every frame
        msg = f"clip {clip.label()!r}: a keyframed crop cannot be rendered with the {spatial[0]!r} effect"
        raise RenderError(msg)
    for fx in active:
        steps += timing_steps(fx, frames, own)
    moving_color = animated_color(clip, clip.color, canvas.rate, frames, before, tag)
    steps += color_steps(clip.color) if moving_color is None else moving_color
    cr = clip.crop
    ctx = EffectContext(
        vs.display_width - cr.left - cr.right,
        vs.display_height - cr.top - cr.bottom,
        cr.left,
        cr.top,
        source_start,
        clip.speed,
        canvas.rate,
        frames,
        tag,
        canvas.color_range,
        clip,
        own,
    )
    for fx in active:
        blur = animated_blur(clip, fx, clip.effects.index(fx), canvas.rate, frames, before, tag)
        if blur is not None:
            steps.append(blur)
            continue
        if is_ramped(clip) and effect_renderer(fx.kind) is not None:
            # a plugin effect maps source time to frames at one speed (EffectContext.frame_of)
            raise RenderError(f"clip {clip.label()!r}: effect {fx.kind!r} cannot be rendered on a speed ramp")
        if fx.kind in ("annotate", "frame_function"):
            if live is None:
                raise RenderError(f"clip {clip.label()!r}: effect {fx.kind!r} cannot be rendered here")
            steps += live(fx, ctx)
            continue
        steps += effect_steps(fx, ctx)
    if moving_crop is not None:  # just before the scale, the one filter that takes each new size
        steps.append(moving_crop)
    # an opaque clip on a transparent layer is letterboxed in YUV as on the bottom layer, then given
    # an opaque alpha plane and transparent bars: the same pixels whatever else the track holds
    opaque = alpha and canvas.pix_fmt == "yuv420p" and moving_crop is None and not spatial
    opaque = (
        opaque and not needs_alpha(clip) and not is_cropping(clip) and not _alpha(vs.pix_fmt or "yuv420p")
    )
    to_layer: list[ChainItem] = [("format", "yuva420p")] if opaque else []
    if alpha and not opaque:
        placed = _placement(clip, vs, canvas, frames, before, tag)
        if placed is None:
            return None
        steps += placed
    elif not steps and _fills_canvas(vs, canvas):
        # nothing changed the picture and it is the canvas already: scale and pad would only copy
        # it (two full-frame copies per frame); the range is tagged as scale would have made it
        rng = "tv" if canvas.color_range == "tv" else "pc"
        steps += [("setrange", f"range={rng}"), ("setsar", "1"), ("format", canvas.pix_fmt), *to_layer]
    else:
        rng = "tv" if canvas.color_range == "tv" else "pc"
        if moving_crop is not None or spatial:  # a size per frame, or an effect that may resize:
            # ``motion.fitted`` evaluated by the filters on the picture as it comes
            w, h = canvas.width, canvas.height
            fit = f"min({w}/iw,{h}/ih)"
            scale = f"w=min({w},max(2,2*floor(iw*{fit}/2+0.5))):h=min({h},max(2,2*floor(ih*{fit}/2+0.5)))"
            scale += f":eval=frame:out_range={rng}"
            pad = f"w={w}:h={h}:x=floor((ow-iw)/4)*2:y=floor((oh-ih)/4)*2:eval=frame"
        else:  # the size and place an upper layer's placement gives the same picture (``motion.fitted``)
            sw, sh, x, y = fitted(
                vs.display_width - cr.left - cr.right,
                vs.display_height - cr.top - cr.bottom,
                canvas.width,
                canvas.height,
            )
            scale, pad = f"w={sw}:h={sh}:out_range={rng}", f"w={canvas.width}:h={canvas.height}:x={x}:y={y}"
        if opaque:  # the picture in the canvas's format, then bars that show the layer below
            steps += [
                ("scale", scale),
                ("format", canvas.pix_fmt),
                *to_layer,
                ("pad", f"{pad}:color=black@0"),
                ("setsar", "1"),
            ]
        else:
            steps += [
                ("scale", scale),
                ("pad", f"{pad}:color={canvas.background}"),
                ("setsar", "1"),
                ("format", canvas.pix_fmt),
            ]
    offset, length = own if own is not None else (0, frames)
    fades = fade_steps(active, length, alpha=alpha, offset=offset)
    if canvas.color_range == "pc" and not alpha:  # to black at 0, not at limited range's 16
        fades = in_rgb(fades, canvas.color_range, canvas.pix_fmt)
    return steps + fades


def _fills_canvas(vs: VideoStreamInfo, canvas: Canvas) -> bool:
    """The decoded picture is exactly what scale and pad would make of it: canvas size, square
    pixels, the canvas's pixel format and a range scale would keep (unspecified reads as tv)."""
    same_range = vs.color_range == canvas.color_range or (
        canvas.color_range == "tv" and vs.color_range == "unspecified"
    )
    return (
        (vs.width, vs.height) == (canvas.width, canvas.height)
        and vs.sample_aspect_ratio == 1
        and vs.rotation % 360 == 0
        and not vs.flip
        and vs.pix_fmt == canvas.pix_fmt
        and same_range
    )


def gap_steps(frames: int, canvas: Canvas, *, alpha: bool) -> list[Step]:
    """Background (bottom track) or transparent (layers above) frames for empty track time."""
    color = "black@0" if alpha else canvas.background
    fmt = "yuva420p" if alpha else canvas.pix_fmt
    return [
        *colour_source(color, f"{canvas.width}x{canvas.height}", q(canvas.rate), canvas.color_range),
        ("format", fmt),
        ("trim", f"end_frame={frames}"),
        ("setsar", "1"),
    ]


def hold_steps(frames: int, rate: Fraction) -> list[Step]:
    """One picture (a still image, a title) repeated for ``frames`` frames on the project grid."""
    return [("loop", f"loop={frames - 1}:size=1:start=0"), ("settb", q(1 / rate)), ("setpts", "N")]


def still_steps(clip: Clip, picture: list[ChainItem], frames: int, rate: Fraction) -> list[ChainItem]:
    """A still image's chain: held for ``frames``, then ``picture``; where nothing in ``picture``
    changes from frame to frame (no effects or keyframes), ``picture`` first, then held, so a large
    photo is scaled and converted once, not again for every frame (the same pixels)."""
    if clip.keyframes or any(fx.enabled for fx in clip.effects):
        return [*hold_steps(frames, rate), *picture]
    return [*picture, *hold_steps(frames, rate)]


def text_steps(
    frames: int,
    fade_in: int,
    fade_out: int,
    rate: Fraction,
    moving: Sequence[ChainItem] = (),
    colour_range: str = "tv",
) -> list[ChainItem]:
    """A rasterized title (one RGBA canvas frame) held for ``frames`` with alpha fades.

    ``moving``: its keyframed position and opacity (``motion.moving_text``), before the fades.
    """
    if moving:
        steps: list[ChainItem] = [*hold_steps(frames, rate), *moving, *to_yuva(colour_range)]
    else:  # converted once, then held (not converted again on every frame it is held for)
        steps = [*to_yuva(colour_range), *hold_steps(frames, rate)]
    if fade_in:
        steps.append(("fade", f"t=in:s=0:n={min(fade_in, frames)}:alpha=1"))
    if fade_out:
        n = min(fade_out, frames)
        steps.append(("fade", f"t=out:s={frames - n}:n={n}:alpha=1"))
    return [*steps, ("setsar", "1")]
