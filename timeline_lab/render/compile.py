"""Project -> RenderPlan: pure graph building, testable as text, so what runs is what you can read."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

from ..errors import RenderError
from ..media.probe import MediaInfo, probe
from ..model.items import Clip, TextClip
from ..model.project import Project
from ..model.track import Track
from .plan import ExportSettings, FilterNode, InputStream, RenderPlan, Segment, SourceRead

__all__ = ["compile_plan"]


def _q(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)


def _lcm_den(*xs: Fraction) -> int:
    out = 1
    for x in xs:
        out = math.lcm(out, x.denominator)
    return out


class _Builder:
    """Accumulates labelled nodes; every pad gets a unique, readable name."""

    def __init__(self) -> None:
        self.nodes: list[FilterNode] = []
        self.count = 0

    def chain(self, src: str, prefix: str, steps: list[tuple[str, str]]) -> str:
        pad = src
        for n, (flt, args) in enumerate(steps):
            out = f"{prefix}{n}"
            self.add(flt, args, (pad,) if pad else (), (out,))
            pad = out
        return pad

    def add(self, flt: str, args: str, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> None:
        self.count += 1
        self.nodes.append(FilterNode(f"n{self.count}_{flt}", flt, args, inputs, outputs))


def _fit(w: int, h: int, pix_fmt: str, rng: str) -> list[tuple[str, str]]:
    return [
        ("scale", f"w={w}:h={h}:force_original_aspect_ratio=decrease:out_range={rng}"),
        ("pad", f"w={w}:h={h}:x=(ow-iw)/2:y=(oh-ih)/2:color=black"),
        ("setsar", "1"),
        ("format", pix_fmt),
    ]


def _atempo(speed: Fraction) -> list[tuple[str, str]]:
    steps, s = [], speed
    while s > 100:
        steps.append(("atempo", "100"))
        s /= 100
    while s < Fraction(1, 2):
        steps.append(("atempo", "0.5"))
        s *= 2
    if s != 1:
        steps.append(("atempo", f"{float(s):.12g}"))
    return steps


def _check_supported(project: Project, track: Track) -> None:
    others = [t for t in project.tracks if t is not track and t.enabled and t.items]
    problems = []
    if others:
        problems.append("more than one non-empty track")
    if track.transitions:
        problems.append("transitions")
    for item in track.items:
        if isinstance(item, TextClip):
            problems.append(f"text clip {item.label()!r}")
        elif item.effects or not item.transform.is_identity or not item.crop.is_identity:
            problems.append(f"effects/transform/crop on {item.label()!r}")
        elif not item.color.is_identity or item.opacity != 1:
            problems.append(f"colour/opacity on {item.label()!r}")
    if problems:
        raise RenderError(
            "this renderer handles one video track of trimmed clips (speed and volume included); "
            f"not yet: {', '.join(sorted(set(problems)))}"
        )


def compile_plan(project: Project, export: ExportSettings) -> RenderPlan:
    """Build the render plan for ``project``; raises RenderError for what it cannot express."""
    s = project.settings
    rate, sr = s.frame_rate, s.sample_rate
    video = [t for t in project.video_tracks() if t.enabled]
    if not video or not any(t.items for t in video):
        raise RenderError("nothing to render: the project has no clips on an enabled video track")
    track = next(t for t in video if t.items)
    _check_supported(project, track)
    project.validate_timeline()
    layout = "stereo" if s.channels == 2 else ("mono" if s.channels == 1 else f"{s.channels}c")
    b = _Builder()
    inputs: list[InputStream] = []
    reads: list[SourceRead] = []
    segments: list[Segment] = []
    vpads: list[str] = []
    apads: list[str] = []
    infos: dict[str, MediaInfo] = {}
    total = track.frames()
    for n, item in enumerate(track.items_with_gaps()):
        f0 = item.start.to_frames(rate)
        frames = item.frames(rate) if isinstance(item, Clip) else item.duration.to_frames(rate)
        samples = round(Fraction(f0 + frames) / rate * sr) - round(Fraction(f0) / rate * sr)
        tag = f"s{n}"
        if isinstance(item, Clip):
            info = infos.get(item.media.path) or probe(item.media.path)
            infos[item.media.path] = info
            vpad, apad = _clip_nodes(b, item, info, tag, frames, samples, project, inputs, reads, track)
            segments.append(Segment(f0, frames, (item.id,)))
        else:
            vpad = b.chain(
                "",
                f"{tag}v",
                [
                    ("color", f"c={s.background}:s={s.width}x{s.height}:r={_q(rate)}"),
                    ("trim", f"end_frame={frames}"),
                    ("setsar", "1"),
                    ("format", s.pixel_format),
                ],
            )
            apad = ""
            segments.append(Segment(f0, frames, ()))
        if not apad:
            apad = b.chain(
                "",
                f"{tag}a",
                [("anullsrc", f"r={sr}:cl={layout}"), ("atrim", f"end_sample={samples}")],
            )
        vpads.append(vpad)
        apads.append(apad)
    b.add("concat", f"n={len(vpads)}:v=1:a=0", tuple(vpads), ("vout",))
    b.add("concat", f"n={len(apads)}:v=0:a=1", tuple(apads), ("aout",))
    return RenderPlan(
        width=s.width,
        height=s.height,
        frame_rate=rate,
        sample_rate=sr,
        channels=s.channels,
        pix_fmt=s.pixel_format,
        total_frames=total,
        total_samples=round(Fraction(total) / rate * sr),
        inputs=tuple(inputs),
        reads=tuple(reads),
        nodes=tuple(b.nodes),
        video_out="vout",
        audio_out="aout",
        segments=tuple(segments),
        export=export,
    )


def _clip_nodes(
    b: _Builder,
    clip: Clip,
    info: MediaInfo,
    tag: str,
    frames: int,
    samples: int,
    project: Project,
    inputs: list[InputStream],
    reads: list[SourceRead],
    track: Track,
) -> tuple[str, str]:
    s = project.settings
    rate, sr = s.frame_rate, s.sample_rate
    layout = "stereo" if s.channels == 2 else ("mono" if s.channels == 1 else f"{s.channels}c")
    src = clip.source_range
    start = src.start.to_seconds()
    # sample-and-hold: the frame on screen at the source start may begin before it
    vs = info.primary_video
    if vs is None:
        raise RenderError(f"{clip.media.path}: clip {clip.label()!r} has no video stream")
    shown = Fraction(math.floor(start * vs.frame_rate)) / vs.frame_rate
    end = start + Fraction(frames) / rate * clip.speed
    path = Path(clip.media.path)
    vlabel = f"{tag}vin"
    inputs.append(
        InputStream(
            vlabel,
            path,
            "video",
            vs.index,
            vs.time_base,
            width=vs.width,
            height=vs.height,
            pix_fmt=vs.pix_fmt or "yuv420p",
        )
    )
    tb = Fraction(1, _lcm_den(vs.time_base, vs.time_base / clip.speed, start / clip.speed))
    vsteps = [
        ("trim", f"start_pts={math.floor(shown / vs.time_base)}"),
        ("settb", _q(tb)),
        ("setpts", f"(PTS-{start / tb})*{clip.speed.denominator}/{clip.speed.numerator}"),
        ("fps", f"fps={_q(rate)}:round=up:start_time=0"),
        ("trim", f"end_frame={frames}"),
        *_fit(s.width, s.height, s.pixel_format, "tv" if s.color_range == "tv" else "pc"),
    ]
    vpad = b.chain(vlabel, f"{tag}v", vsteps)
    apad, alabel = "", None
    if clip.media.has_audio and info.primary_audio is not None and not track.muted:
        a = info.primary_audio
        alabel = f"{tag}ain"
        inputs.append(
            InputStream(
                alabel,
                path,
                "audio",
                a.index,
                Fraction(1, a.sample_rate),
                sample_rate=a.sample_rate,
                sample_fmt="fltp",
                layout=a.layout,
            )
        )
        a0 = round(start * a.sample_rate)
        a1 = round(end * a.sample_rate)
        asteps = [
            ("atrim", f"start_pts={a0}:end_pts={a1}"),
            ("asetpts", "PTS-STARTPTS"),
            *_atempo(clip.speed),
            ("aresample", f"{sr}"),
            ("aformat", f"sample_fmts=fltp:sample_rates={sr}:channel_layouts={layout}"),
            ("volume", f"{clip.volume * track.volume:.6g}"),
            ("apad", ""),
            ("atrim", f"end_sample={samples}"),
        ]
        apad = b.chain(alabel, f"{tag}a", asteps)
    margin = 2 / vs.frame_rate
    reads.append(SourceRead(path, shown, end + margin, vlabel, alabel))
    return vpad, apad
