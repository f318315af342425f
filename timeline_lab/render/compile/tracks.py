"""One track -> one picture stream and one sound stream covering the whole timeline."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ...errors import RenderError
from ...media.timestamps import stream_times
from ...model.items import Clip, Gap, SequenceClip, TextClip
from ..plan import InputStream, SourceRead
from .layers import Canvas, clip_picture_steps, conform_steps, gap_steps, hold_steps, text_steps
from .sound import clip_sound_steps, samples_at, silence_steps

if TYPE_CHECKING:
    from ...media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo
    from ...media.timestamps import StreamTimes
    from ...model.project import Project
    from ...model.track import Track
    from ...model.transition import Transition
    from .graph import Builder

__all__ = ["XFADE", "Context", "NestedBuilder", "Piece", "build_track"]

XFADE = {
    "dissolve": "fade", "fade_black": "fadeblack", "fade_white": "fadewhite",
    "wipe_left": "wipeleft", "wipe_right": "wiperight", "wipe_up": "wipeup", "wipe_down": "wipedown",
    "slide_left": "slideleft", "slide_right": "slideright", "slide_up": "slideup",
    "slide_down": "slidedown", "circle_open": "circleopen", "circle_close": "circleclose",
}  # fmt: skip
"""Our transition kinds -> FFmpeg xfade transition names."""


class NestedBuilder(Protocol):
    """Builds the piece a nested sequence's clip shows (so tracks.py need not import stacking)."""

    def __call__(
        self, ctx: Context, clip: SequenceClip, start: int, *, video: bool, audio: bool, alpha: bool
    ) -> Piece: ...


@dataclass
class Context:
    """What every track shares while compiling: the builder, canvas, formats, probes, inputs."""

    b: Builder
    canvas: Canvas
    sample_rate: int
    channels: int
    probe: dict[str, MediaInfo]
    inputs: list[InputStream] = field(default_factory=list)
    reads: list[SourceRead] = field(default_factory=list)
    tags: int = 0
    sequences: dict[str, Project] = field(default_factory=dict)  # the nested sequences in scope
    nest: NestedBuilder | None = None  # builds a SequenceClip's piece (compile/nested.py)
    depth: int = 0  # how deep in nested sequences the compile is

    @property
    def rate(self) -> Fraction:
        """Project frame rate."""
        return self.canvas.rate

    def tag(self) -> str:
        """A fresh pad-name prefix."""
        self.tags += 1
        return f"t{self.tags}"

    def info(self, path: str, rate: Fraction | None = None) -> MediaInfo:
        """Probe each file once per compile (``rate``: an image sequence's)."""
        key = path if rate is None else f"{path}@{rate}"
        if key not in self.probe:
            from ...media.probe import probe

            self.probe[key] = probe(path, rate=rate)
        return self.probe[key]


@dataclass
class Piece:
    """A stretch of one track: its pads and its timeline frames [start - before, end + after)."""

    video: str | None
    audio: str | None
    start: int
    frames: int
    before: int = 0
    after: int = 0
    item_id: str | None = None
    joins: Transition | None = None  # the transition from the piece before into this one

    @property
    def span(self) -> int:
        """Frames its pads carry, overlaps included."""
        return self.before + self.frames + self.after


def _samples(ctx: Context, a: int, b: int) -> int:
    return samples_at(b, ctx.rate, ctx.sample_rate) - samples_at(a, ctx.rate, ctx.sample_rate)


def _gap(ctx: Context, start: int, frames: int) -> Piece:
    """An empty stretch; its pads are made once its fade overlaps are known (``_fill_gap``)."""
    return Piece(None, None, start, frames)


@dataclass(frozen=True)
class _Source:
    """One clip's source, as every part of its graph needs it: streams, times and the span read."""

    clip: Clip
    path: Path
    tag: str
    start: int  # timeline frame of the clip's own first frame
    before: int  # handle frames before it (a transition), after: after it
    after: int
    n: int  # the clip's own frames
    src0: Fraction  # source seconds of the first frame read (handles included)
    src1: Fraction  # source seconds just past the last
    vs: VideoStreamInfo | None
    aus: AudioStreamInfo | None
    times: StreamTimes | None
    origin: Fraction
    open_rate: Fraction | None

    @property
    def total(self) -> int:
        return self.before + self.n + self.after


def _source(ctx: Context, clip: Clip, start: int, before: int, after: int) -> _Source:
    rate, n = ctx.rate, clip.frames(ctx.rate)
    open_rate = clip.media.rate if clip.media.sequence else None
    info = ctx.info(clip.media.path, open_rate)
    src0 = (clip.source_range.start - clip.source_offset(before, rate)).to_seconds()
    src1 = src0 + Fraction(before + n + after) / rate * clip.speed
    path = Path(clip.media.path)
    vs = info.video_stream(clip.media.video_stream)
    aus = info.audio_stream(clip.media.audio_stream) if clip.media.has_audio else None
    times = stream_times(path, vs.index, rate=open_rate) if vs is not None else None
    origin = media_origin(info, vs, aus, open_rate)
    return _Source(
        clip, path, ctx.tag(), start, before, after, n, src0, src1, vs, aus, times, origin, open_rate
    )


def _clip(
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
    clip, vs, rate, path, tag = src.clip, src.vs, ctx.rate, src.path, src.tag
    if vs is None or src.times is None:
        raise RenderError(f"{path}: clip {clip.label()!r} is on a video track but has no video")
    picture = clip_picture_steps(
        clip, vs, src.total, ctx.canvas, alpha=alpha, own=(src.before, src.n), source_start=src.src0, tag=tag
    )
    if picture is None:  # placed entirely off-canvas: nothing to decode
        return ctx.b.chain("", f"{tag}off", gap_steps(src.total, ctx.canvas, alpha=True)), None
    if clip.media.still:
        image = f"{tag}img"
        ctx.inputs.append(InputStream(image, path, "image", vs.index, 1 / rate, vs.width, vs.height, "rgba"))
        anchor = Fraction(src.start - src.before) / rate
        ctx.reads.append(
            SourceRead(path, Fraction(0), Fraction(0), image, None, tl_anchor=anchor, image=True)
        )
        return ctx.b.chain(image, f"{tag}v", hold_steps(src.total, rate) + picture), None
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
        )
    )
    conform = conform_steps(vs, src.times, src.src0, src.total, clip.speed, rate)
    return ctx.b.chain(vlabel, f"{tag}v", conform + picture), vlabel


def _clip_audio(ctx: Context, src: _Source, gain: float) -> tuple[str, str | None]:
    """The clip's sound chain (silence without an audio stream): (output pad, input label)."""
    start, before, n, aus = src.start, src.before, src.n, src.aus
    samples = _samples(ctx, start - before, start + n + src.after)
    if aus is None:
        return ctx.b.chain("", f"{src.tag}s", silence_steps(samples, ctx.sample_rate, ctx.channels)), None
    alabel = f"{src.tag}ain"
    ctx.inputs.append(
        InputStream(
            alabel,
            src.path,
            "audio",
            aus.index,
            Fraction(1, aus.sample_rate),
            sample_rate=aus.sample_rate,
            sample_fmt="fltp",
            layout=aus.layout,
        )
    )
    own = (_samples(ctx, start - before, start), _samples(ctx, start, start + n))
    begin, end = src.origin + src.src0, src.origin + src.src1
    steps = clip_sound_steps(
        src.clip, aus, begin, end, samples, ctx.rate, ctx.sample_rate, ctx.channels, gain, own
    )
    return ctx.b.chain(alabel, f"{src.tag}a", steps), alabel


def _read(ctx: Context, src: _Source, vlabel: str | None, alabel: str | None) -> None:
    """What to demux for the clip: its streams from a frame before its first to past its last."""
    vs, times, origin, clip = src.vs, src.times, src.origin, src.clip
    fr = vs.frame_rate if vs is not None and vs.frame_rate else Fraction(25)
    last = src.src1 - clip.speed / ctx.rate
    ctx.reads.append(
        SourceRead(
            src.path,
            origin + Fraction(math.floor(src.src0 * fr) - 1) / fr,
            origin + src.src1 + 2 / fr,
            vlabel,
            alabel,
            tl_anchor=Fraction(src.start - src.before) / ctx.rate,
            src_anchor=origin + src.src0,
            speed=clip.speed,
            need=_last_needed(times, origin, last) if vlabel and times else None,
            open_rate=src.open_rate,
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


def _last_needed(times: StreamTimes, origin: Fraction, last: Fraction) -> Fraction:
    """Absolute time of the source frame on screen at media time ``last`` (never past the end)."""
    return times.seconds(times.index_at(origin + max(last, Fraction(0))))


def _text(ctx: Context, item: TextClip, start: int, *, audio: bool) -> Piece:
    from .text import text_image

    n = item.frames(ctx.rate)
    tag = ctx.tag()
    label = f"{tag}img"
    png = text_image(item, (ctx.canvas.width, ctx.canvas.height))
    ctx.inputs.append(
        InputStream(
            label,
            png,
            "image",
            0,
            1 / ctx.rate,
            width=ctx.canvas.width,
            height=ctx.canvas.height,
            pix_fmt="rgba",
        )
    )
    ctx.reads.append(
        SourceRead(
            png, Fraction(0), Fraction(0), label, None, tl_anchor=Fraction(start) / ctx.rate, image=True
        )
    )
    v = ctx.b.chain(label, f"{tag}t", text_steps(n, item.fade_in_frames, item.fade_out_frames, ctx.rate))
    a = (
        ctx.b.chain(
            "", f"{tag}s", silence_steps(_samples(ctx, start, start + n), ctx.sample_rate, ctx.channels)
        )
        if audio
        else None
    )
    return Piece(v, a, start, n, item_id=item.id)


def build_track(
    ctx: Context, track: Track, total: int, *, video: bool, audio: bool, alpha: bool
) -> tuple[str | None, str | None]:
    """Pads carrying this track over frames [0, total): clips, gaps, transitions joined."""
    rate = ctx.rate
    enabled = {i.id for i in track.items if isinstance(i, Clip) and i.enabled}
    # a transition touching a disabled clip fades to or from the empty track that clip leaves
    trs = [_sided(t, enabled) for t in track.transitions if {t.from_clip, t.to_clip} & enabled]
    into = {t.to_clip: t for t in trs if t.to_clip}
    out_of = {t.from_clip: t for t in trs if t.from_clip}
    pieces: list[Piece] = []
    cursor = 0
    for item in track.items_with_gaps():
        start = item.start.to_frames(rate)
        if isinstance(item, Gap):
            pieces.append(_gap(ctx, start, item.duration.to_frames(rate)))
        elif isinstance(item, TextClip):
            pieces.append(
                _text(ctx, item, start, audio=audio) if video else _gap(ctx, start, item.frames(rate))
            )
        elif isinstance(item, SequenceClip) and item.enabled:
            assert ctx.nest is not None, "a Context without a nested-sequence builder"
            pieces.append(ctx.nest(ctx, item, start, video=video, audio=audio, alpha=alpha))
        elif item.id in enabled:
            assert isinstance(item, Clip)
            tin, tout = into.get(item.id), out_of.get(item.id)
            before = tin.handles(rate)[1] if tin else 0
            after = tout.handles(rate)[0] if tout else 0
            piece = _clip(
                ctx, item, start, before, after, video=video, audio=audio, alpha=alpha, gain=item.volume
            )
            piece.joins = tin
            pieces.append(piece)
        else:
            pieces.append(_gap(ctx, start, item.frames(rate)))
        cursor = start + pieces[-1].frames
    if cursor < total:
        pieces.append(_gap(ctx, cursor, total - cursor))
    pieces = _open_gaps(_edge_gaps(ctx, pieces, out_of), out_of, rate)
    for piece in pieces:
        if piece.item_id is None:
            _fill_gap(ctx, piece, video=video, audio=audio, alpha=alpha)
    return _join(ctx, pieces, alpha=alpha)


def _sided(tr: Transition, enabled: set[str]) -> Transition:
    """``tr`` with a disabled clip's side left empty."""
    sides = {k: None for k in ("from_clip", "to_clip") if getattr(tr, k) not in enabled}
    return tr.model_copy(update=sides) if sides else tr


def _edge_gaps(ctx: Context, pieces: list[Piece], out_of: dict[str, Transition]) -> list[Piece]:
    """A zero-frame gap beside each fade that has no gap to fade over (at a track edge)."""
    out: list[Piece] = []
    for n, piece in enumerate(pieces):
        if piece.joins is not None and piece.joins.from_clip is None and not _is_gap(out[-1:]):
            out.append(_gap(ctx, piece.start, 0))
        out.append(piece)
        tr = out_of.get(piece.item_id or "")
        if tr is not None and tr.to_clip is None and not _is_gap(pieces[n + 1 : n + 2]):
            out.append(_gap(ctx, piece.start + piece.frames, 0))
    return out


def _is_gap(pieces: list[Piece]) -> bool:
    return bool(pieces) and pieces[0].item_id is None


def _open_gaps(pieces: list[Piece], out_of: dict[str, Transition], rate: Fraction) -> list[Piece]:
    """Give the gaps beside fades their overlap: frames before (a fade out) and after (a fade in)."""
    for prev, piece in itertools.pairwise(pieces):
        tr = out_of.get(prev.item_id or "")
        if tr is not None and tr.to_clip is None and piece.item_id is None:
            piece.before, piece.joins = tr.handles(rate)[1], tr
        if piece.joins is not None and piece.joins.from_clip is None and prev.item_id is None:
            prev.after = piece.joins.handles(rate)[0]
    return pieces


def _fill_gap(ctx: Context, piece: Piece, *, video: bool, audio: bool, alpha: bool) -> None:
    """Background (or transparent) frames and silence for a gap, its fade overlaps included."""
    tag, span = ctx.tag(), piece.before + piece.frames + piece.after
    first = piece.start - piece.before
    if video:
        piece.video = ctx.b.chain("", f"{tag}g", gap_steps(span, ctx.canvas, alpha=alpha))
    if audio:
        samples = _samples(ctx, first, first + span)
        piece.audio = ctx.b.chain("", f"{tag}s", silence_steps(samples, ctx.sample_rate, ctx.channels))


def _join(ctx: Context, pieces: list[Piece], *, alpha: bool) -> tuple[str | None, str | None]:
    """Hard cuts become one concat; transitions become xfade/acrossfade between neighbours."""
    runs: list[tuple[str | None, str | None]] = []
    first = pieces[0]
    run_v, run_a, run_len, prev = first.video, first.audio, first.span, first
    for piece in pieces[1:]:
        tr = piece.joins
        if tr is not None:
            d = prev.after + piece.before
            cut = piece.start
            tag = ctx.tag()
            if run_v and piece.video:
                if alpha and tr.kind == "dissolve" and None in (tr.from_clip, tr.to_clip):
                    run_v = _alpha_fade(ctx, run_v, run_len, piece, d, tag)
                else:
                    run_v = _xfade(ctx, tr, run_v, run_len, piece.video, d, tag)
            if run_a and piece.audio:
                ns = _samples(ctx, cut - piece.before, cut + prev.after)
                run_a = ctx.b.join("acrossfade", f"ns={ns}:c1=tri:c2=tri", [run_a, piece.audio], f"{tag}xa")
            run_len += piece.span - d
        else:
            runs.append((run_v, run_a))
            run_v, run_a, run_len = piece.video, piece.audio, piece.span
        prev = piece
    runs.append((run_v, run_a))
    return _concat(ctx, [v for v, _ in runs], "v"), _concat(ctx, [a for _, a in runs], "a")


def _xfade(ctx: Context, tr: Transition, run: str, run_len: int, video: str, d: int, tag: str) -> str:
    """FFmpeg's xfade over the last ``d`` frames of the run so far and the first ``d`` of ``video``."""
    offset = Fraction(run_len - d) / ctx.rate
    return ctx.b.join(
        "xfade",
        f"transition={XFADE.get(tr.kind, 'fade')}:duration="
        f"{float(Fraction(d) / ctx.rate):.9f}:offset={float(offset):.9f}",
        [run, video],
        f"{tag}xf",
    )


def _alpha_fade(ctx: Context, run: str, run_len: int, piece: Piece, d: int, tag: str) -> str:
    """A dissolve to or from the empty part of a layer above: the clip's opacity ramps instead.

    xfade would blend the clip's colour with the transparent gap's black and darken the middle;
    ramping alpha shows ``(1 - w) * below + w * clip``, a true dissolve with what is underneath.
    """
    assert piece.video is not None
    cut = [("setpts", "PTS-STARTPTS")]
    if piece.item_id is not None:  # fade in: the gap before gives up its last d frames
        tail = ctx.b.chain(piece.video, f"{tag}fa", [("fade", f"t=in:s=0:n={d}:alpha=1")])
        if run_len == d:  # nothing before it: the gap is all overlap (a fade in at the track start)
            ctx.b.add("nullsink", "", (run,), ())
            return tail
        head = ctx.b.chain(run, f"{tag}ft", [("trim", f"end_frame={run_len - d}"), *cut])
    else:  # fade out: the run's last d frames fade; the gap after gives up its first d frames
        head = ctx.b.chain(run, f"{tag}fa", [("fade", f"t=out:s={run_len - d}:n={d}:alpha=1")])
        if piece.span == d:  # nothing after it: the gap is all overlap (a fade out at the track end)
            ctx.b.add("nullsink", "", (piece.video,), ())
            return head
        tail = ctx.b.chain(piece.video, f"{tag}ft", [("trim", f"start_frame={d}"), *cut])
    return ctx.b.join("concat", "n=2:v=1:a=0", [head, tail], f"{tag}fc")


def _concat(ctx: Context, pads: list[str | None], kind: str) -> str | None:
    real = [p for p in pads if p]
    if not real:
        return None
    if len(real) == 1:
        return real[0]
    args = f"n={len(real)}:v=1:a=0" if kind == "v" else f"n={len(real)}:v=0:a=1"
    return ctx.b.join("concat", args, real, f"{ctx.tag()}c{kind}")
