"""Clips and titles as pieces of a track: what to decode, and the chains that conform them."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...media.alpha_decoders import alpha_decoder
from ...media.timestamps import stream_times
from ...model.keyframes import plays_backwards
from ...model.speed_ramp import is_ramped
from ..plan import InputStream, SourceRead
from .animate import check_renderable
from .colour import to_canvas_matrix
from .context import Context, MediaFacts, Piece, span_samples
from .effects import picture_reads_backwards
from .layers import clip_picture_steps, conform_steps, gap_steps, still_steps, text_steps
from .live import ChainClock, LiveEffects
from .motion import moving_text, text_shifts
from .ramp import ramp_conform_steps, ramp_span
from .sound import clip_sound_steps, samples_at, silence_steps

if TYPE_CHECKING:
    from ...media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo
    from ...media.timestamps import StreamTimes
    from ...model.items import Clip, TextClip
    from ...model.media_ref import MediaReference
    from .graph import ChainItem

__all__ = ["clip_piece", "media_origin", "text_piece"]


@dataclass(frozen=True)
class _Source:
    """One clip's source, as every part of its graph needs it: streams, times and the span read."""

    clip: Clip
    media: MediaFacts
    tag: str
    start: int  # timeline frame of the clip's own first frame
    before: int  # handle frames before it (a transition), after: after it
    after: int
    n: int  # the clip's own frames
    src0: Fraction  # source seconds of the first frame read (handles included)
    src1: Fraction  # source seconds just past the last
    anchor: Fraction  # timeline seconds of the first frame read
    ramped: bool
    sound: tuple[Fraction, Fraction]  # the sound's (src0, src1): mirrored when it plays backwards

    @property
    def total(self) -> int:
        return self.before + self.n + self.after


def _media(ctx: Context, media: MediaReference) -> MediaFacts:
    """The streams, frame times and origin of a media reference, once per compile."""
    open_rate = media.rate if media.sequence else None
    key = (media.path, open_rate, media.video_stream, media.audio_stream, media.has_audio)
    facts = ctx.media.get(key)
    if facts is None:
        info = ctx.info(media.path, open_rate)
        vs = info.video_stream(media.video_stream)
        aus = info.audio_stream(media.audio_stream) if media.has_audio else None
        times = ctx.times(media.path, vs.index, open_rate) if vs is not None else None
        # media_origin's answer, from the times just looked up
        origin = (
            times.first * vs.time_base
            if vs is not None and times is not None
            else media_origin(info, None, aus)
        )
        fr = vs.frame_rate if vs is not None and vs.frame_rate else Fraction(25)
        facts = ctx.media[key] = MediaFacts(Path(media.path), vs, aus, times, origin, open_rate, fr)
    return facts


def _plus(a: Fraction, n: int, d: int) -> Fraction:
    """``a + n/d`` as one Fraction (chained Fraction operations were most of a clip's compile)."""
    return Fraction(a.numerator * d + n * a.denominator, a.denominator * d)


def _source(ctx: Context, clip: Clip, start: int, before: int, after: int) -> _Source:
    """The clip's spans read: a clip played backwards reads its handles mirrored (the one before it
    on the timeline is media after its span's end), so the reverse plays on through them."""
    rate, n = ctx.rate, clip.frames(ctx.rate)
    facts = _media(ctx, clip.media)
    ramped = is_ramped(clip)
    total = before + n + after
    if ramped:
        src0, src1 = ramp_span(clip, rate, before, total)
        sound = (src0, src1)
    else:
        turned, back = picture_reads_backwards(clip), plays_backwards(clip)
        src0, src1 = _span(clip, after if turned else before, total, rate)
        # a freeze holds the picture only: the sound plays backwards whenever the clip does
        sound = (src0, src1) if back == turned else _span(clip, after if back else before, total, rate)
    anchor = Fraction((start - before) * rate.denominator, rate.numerator)
    return _Source(clip, facts, ctx.tag(), start, before, after, n, src0, src1, anchor, ramped, sound)


def _span(clip: Clip, lead: int, total: int, rate: Fraction) -> tuple[Fraction, Fraction]:
    """Source seconds [src0, src1) of ``total`` frames read at the clip's speed, its in point
    ``lead`` frames after the first."""
    first = clip.source_range.start
    src0 = (first - clip.source_offset(lead, rate)).to_seconds() if lead else first.to_seconds()
    speed = clip.speed  # src1 = src0 + total / rate * speed
    return src0, _plus(src0, total * rate.denominator * speed.numerator, rate.numerator * speed.denominator)


def clip_piece(
    ctx: Context,
    clip: Clip,
    start: int,
    before: int,
    after: int,
    *,
    video: bool,
    audio: bool,
    alpha: bool,
    gain: float,
) -> Piece:
    src = _source(ctx, clip, start, before, after)
    vpad, vlabel = _clip_video(ctx, src, alpha) if video else (None, None)
    apad, alabel = _clip_audio(ctx, src, gain) if audio else (None, None)
    if vlabel or alabel:
        _read(ctx, src, vlabel, alabel)
    return Piece(vpad, apad, start, src.n, before, after, clip.id)


def _clip_video(ctx: Context, src: _Source, alpha: bool) -> tuple[str | None, str | None]:
    """The clip's picture chain: (its output pad, the decoded input's label when one is read)."""
    clip, m, rate, tag = src.clip, src.media, ctx.rate, src.tag
    vs, path = m.vs, m.path
    if vs is None or m.times is None:
        raise RenderError(f"{path}: clip {clip.label()!r} is on a video track but has no video")
    own = (src.before, src.n)
    clock = ChainClock(clip, src.src0, own, rate, vs, m.times)
    live = LiveEffects(clock, src.anchor, src.total, ctx.live)
    picture = clip_picture_steps(
        clip, vs, src.total, ctx.canvas, alpha=alpha, own=own, source_start=src.src0, tag=tag, live=live
    )
    if picture is None:  # placed entirely off-canvas: nothing to decode
        return ctx.b.chain("", f"{tag}off", gap_steps(src.total, ctx.canvas, alpha=True)), None
    if clip.media.still:
        image = f"{tag}img"
        ctx.inputs.append(InputStream(image, path, "image", vs.index, 1 / rate, vs.width, vs.height, "rgba"))
        ctx.reads.append(
            SourceRead(path, Fraction(0), Fraction(0), image, None, tl_anchor=src.anchor, image=True)
        )
        return ctx.b.chain(image, f"{tag}v", still_steps(clip, picture, src.total, rate)), None
    vlabel = f"{tag}vin"
    ctx.inputs.append(
        InputStream(
            vlabel,
            path,
            "video",
            vs.index,
            vs.time_base,
            width=vs.width,
            height=vs.height,
            pix_fmt=vs.pix_fmt or "yuv420p",
            frame_rate=vs.frame_rate or None,
            decoder=alpha_decoder(vs.codec, vs.pix_fmt or "") or "",
        )
    )
    if src.ramped:
        conform = ramp_conform_steps(clip, vs, m.times, src.before, src.total, rate)
    else:
        conform = conform_steps(vs, m.times, src.src0, src.total, clip.speed, rate)
    into = to_canvas_matrix(vs, ctx.canvas.color_range)
    return ctx.b.chain(vlabel, f"{tag}v", [*into, *conform, *picture]), vlabel


def _clip_audio(ctx: Context, src: _Source, gain: float) -> tuple[str, str | None]:
    """The clip's sound chain (silence without an audio stream): (output pad, input label)."""
    start, before, n, aus = src.start, src.before, src.n, src.media.aus
    rate, sr = ctx.rate, ctx.sample_rate  # span_samples of the three spans, from four edges
    s0, s1 = samples_at(start - before, rate, sr), samples_at(start, rate, sr)
    s2 = samples_at(start + n, rate, sr)
    samples = samples_at(start + n + src.after, rate, sr) - s0
    if aus is None:
        return ctx.b.chain("", f"{src.tag}s", silence_steps(samples, ctx.sample_rate, ctx.channels)), None
    alabel = f"{src.tag}ain"
    ctx.inputs.append(
        InputStream(
            alabel,
            src.media.path,
            "audio",
            aus.index,
            Fraction(1, aus.sample_rate),
            sample_rate=aus.sample_rate,
            sample_fmt="fltp",
            layout=aus.layout,
        )
    )
    own = (s1 - s0, s2 - s1)
    origin = src.media.origin
    begin, end = origin + src.sound[0], origin + src.sound[1]
    steps = clip_sound_steps(
        src.clip, aus, begin, end, samples, ctx.rate, ctx.sample_rate, ctx.channels, gain, own, start - before
    )
    return ctx.b.chain(alabel, f"{src.tag}a", steps), alabel


def _read(ctx: Context, src: _Source, vlabel: str | None, alabel: str | None) -> None:
    """What to demux for the clip: its streams from a frame before its first to past its last."""
    m, rate = src.media, ctx.rate
    origin, fr, src0, src1 = m.origin, m.fr, src.src0, src.src1
    # a ramp reads in step with the other layers at its mean speed (the order of reads only)
    speed = (src1 - src0) * rate / src.total if src.ramped else src.clip.speed
    # seek = origin + (floor(lo * fr) - 1) / fr, end = origin + hi + 2 / fr: one Fraction each,
    # [lo, hi) the picture's span and the sound's together (a frozen reversed clip's may differ)
    lo, hi = src0, src1
    if alabel and src.sound != (src0, src1):
        lo, hi = min(src0, src.sound[0]), max(src1, src.sound[1])
    o_n, o_d, f_n, f_d = origin.numerator, origin.denominator, fr.numerator, fr.denominator
    seek = _plus(origin, (lo.numerator * f_n // (lo.denominator * f_d) - 1) * f_d, f_n)
    h_n, h_d = hi.numerator, hi.denominator
    end = Fraction((o_n * h_d + h_n * o_d) * f_n + 2 * f_d * o_d * h_d, o_d * h_d * f_n)
    s_n, s_d = src1.numerator, src1.denominator
    at = _plus(origin, src0.numerator, src0.denominator)
    need = None
    if vlabel and m.times:
        # the last frame shown: at media time src1 - speed / rate (never before the first)
        v_n, v_d, r_n, r_d = speed.numerator, speed.denominator, rate.numerator, rate.denominator
        l_n, l_d = s_n * v_d * r_n - v_n * r_d * s_d, s_d * v_d * r_n
        need = (
            _last_needed(m.times, o_n * l_d + l_n * o_d, o_d * l_d)
            if l_n > 0
            else _last_needed(m.times, o_n, o_d)
        )
    ctx.reads.append(
        SourceRead(
            m.path,
            seek,
            end,
            vlabel,
            alabel,
            tl_anchor=src.anchor,
            src_anchor=at,
            speed=speed,
            need=need,
            open_rate=m.open_rate,
        )
    )


def media_origin(
    info: MediaInfo,
    vs: VideoStreamInfo | None,
    aus: AudioStreamInfo | None,
    open_rate: Fraction | None = None,
) -> Fraction:
    """Absolute time of media time 0: the video's first shown frame, else the first real sample."""
    if vs is not None:
        return stream_times(info.path, vs.index, rate=open_rate).first * vs.time_base
    if aus is not None:
        return aus.start.to_seconds()
    return Fraction(0)


def _last_needed(times: StreamTimes, num: int, den: int) -> Fraction:
    """Absolute time of the source frame on screen at absolute time ``num / den`` (``den > 0``)."""
    tb = times.time_base  # times.seconds(times.index_at(num / den)), the tick in integers
    tick = num * tb.denominator // (den * tb.numerator)
    return times.seconds(max(0, int(times.pts.searchsorted(tick, side="right")) - 1))


def text_piece(ctx: Context, item: TextClip, start: int, *, audio: bool, wrap: bool = False) -> Piece:
    """A title held over its frames: drawn at the project's size (shrunk on a preview's canvas),
    moved per frame when x/y are keyframed. ``wrap``: lines break to the title-safe width (subtitles)."""
    from .text_cache import moving_text_image, text_image

    n = item.frames(ctx.rate)
    tag = ctx.tag()
    label = f"{tag}img"
    size = (ctx.canvas.width, ctx.canvas.height)
    full = ctx.canvas.full or size
    check_renderable(item)
    # a keyframed opacity scales a fully opaque drawing
    drawn = item.model_copy(update={"opacity": 1.0}) if "opacity" in item.keyframes else item
    moving: list[ChainItem] = []
    if "x" in item.keyframes or "y" in item.keyframes:
        dx = text_shifts(item, "x", full[0], ctx.rate, n)
        dy = text_shifts(item, "y", full[1], ctx.rate, n)
        sweep = (min(dx), max(dx), min(dy), max(dy))
        png, (left, top, width, height) = moving_text_image(drawn, size, sweep, full=full, wrap=wrap)
        moving = moving_text(item, *size, ctx.rate, n, tag, origin=(left, top))
    else:
        png, (width, height) = text_image(drawn, size, full=full, wrap=wrap), size
        moving = moving_text(item, *size, ctx.rate, n, tag) if item.keyframes else []
    ctx.inputs.append(
        InputStream(label, png, "image", 0, 1 / ctx.rate, width=width, height=height, pix_fmt="rgba")
    )
    ctx.reads.append(
        SourceRead(
            png, Fraction(0), Fraction(0), label, None, tl_anchor=Fraction(start) / ctx.rate, image=True
        )
    )
    v = ctx.b.chain(
        label,
        f"{tag}t",
        text_steps(n, item.fade_in_frames, item.fade_out_frames, ctx.rate, moving, ctx.canvas.color_range),
    )
    a = (
        ctx.b.chain(
            "", f"{tag}s", silence_steps(span_samples(ctx, start, start + n), ctx.sample_rate, ctx.channels)
        )
        if audio
        else None
    )
    return Piece(v, a, start, n, item_id=item.id)
