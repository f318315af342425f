"""Deciding: check that an export is a cuts-only edit of matching H.264 and gather its plan."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from ...media.colour import gamut_options
from ...media.probe import MediaInfo, VideoStreamInfo, probe
from ...media.timestamps import stream_times
from ...model.items import Clip, SequenceClip, TextClip
from ...model.project import Project
from ...model.track import Track
from ..chapters import chapters
from ..compile.compiler import boosted
from ..compile.sound import mix_steps, source_instant
from ..compile.stack import audible_tracks
from ..plan import ExportSettings
from .h264 import opens_on_idr, parameter_sets
from .plan import Piece, Plan, Refused


def _check_export(project: Project, export: ExportSettings) -> None:
    s, suffix = project.settings, export.path.suffix.lower()
    mp4 = suffix in (".mp4", ".m4v") if export.format == "auto" else export.format in ("mp4", "mp4-h264")
    problems = [
        (not mp4, f"export format {export.format!r} ({suffix}) is not MP4/H.264"),
        (export.video_codec not in ("auto", "libx264", "h264"), f"video codec {export.video_codec!r}"),
        (export.pix_fmt not in (None, "yuv420p") or s.pixel_format != "yuv420p", "not yuv420p"),
        (export.audio_codec not in (None, "aac"), f"audio codec {export.audio_codec!r}"),
        (export.gop is not None, "export gop set (copied GOPs keep the source's)"),
        (export.bitrate is not None, "export bitrate set (copied GOPs keep the source's)"),
        (export.loudnorm, "loudness normalisation"),
        (export.size not in (None, (s.width, s.height)), "another size (copied GOPs keep the project's)"),
    ]
    for blocked, what in problems:
        if blocked:
            raise Refused(f"export: {what}; smart render writes H.264 + AAC in MP4 as copied")


def prepare(project: Project, export: ExportSettings) -> Plan:
    """Check every condition and gather what the render needs; raises Refused naming the cause."""
    from PIL import ImageColor

    _check_export(project, export)
    s = project.settings
    rate, sr = s.frame_rate, s.sample_rate
    video = [t for t in project.video_tracks() if t.enabled and t.items]
    if not video:
        raise Refused("nothing to render: no clips on an enabled video track")
    track = video[0]
    others = [t.name or t.id for t in project.tracks if t is not track and t.enabled and t.items]
    if others:
        raise Refused(f"more than one non-empty track ({', '.join(others)} besides {track.id})")
    if track.transitions:
        raise Refused(f"track {track.id!r} has {len(track.transitions)} transition(s)")
    project.validate_timeline()
    heard = any(t is track for t in audible_tracks(project))  # the full engine's rule: mute, solo
    infos: dict[Path, MediaInfo] = {}
    pieces: list[Piece] = []
    for item in track.items_with_gaps():
        if isinstance(item, TextClip | SequenceClip):
            raise Refused(f"{item.type} clip {item.label()!r} needs the full engine")
        f0 = item.start.to_frames(rate)
        frames = item.frames(rate) if isinstance(item, Clip) else item.duration.to_frames(rate)
        samples = round(Fraction(f0 + frames) / rate * sr) - round(Fraction(f0) / rate * sr)
        if isinstance(item, Clip) and item.enabled:  # a clip switched off shows and plays as a gap
            path = Path(item.media.path)
            infos[path] = infos.get(path) or probe(path)
            pieces.append(_clip_piece(item, infos[path], project, track, (f0, frames), samples, heard))
        else:
            pieces.append(Piece(None, 0, frames, samples))
    # a track switched off still makes the timeline as long as it is (background and silence there)
    total, end = project.duration().to_frames(rate), sum(p.frames for p in pieces)
    if end < total:
        samples = round(Fraction(total) / rate * sr) - round(Fraction(end) / rate * sr)
        pieces.append(Piece(None, 0, total - end, samples))
    try:
        rgb = ImageColor.getrgb(s.background)[:3]
    except ValueError:
        raise Refused(f"background {s.background!r} is not a colour Pillow knows") from None
    video_index: dict[Path, tuple[int, str]] = {}
    for p in pieces:
        if p.path is not None:
            video_index.setdefault(p.path, (p.video, p.name))
    streams = {p.path: infos[p.path].video_stream(p.video) for p in pieces if p.path is not None}
    colours = _colours(streams, {p.path: p.name for p in pieces if p.path is not None})
    size, avcc, delay, options = parameter_sets(video_index, export, rate, s.width, s.height, colours[2])
    dims = (s.width, s.height)
    # loudnorm is refused above: where the full engine limits, only its limiter is left to run
    master = tuple(mix_steps(False, export.loudness_target, sr, s.channels)) if boosted(project) else ()
    return Plan(
        export, tuple(pieces), total, rate, dims, sr, s.channels, rgb, avcc, size, delay, options,
        project.id, project.name, tuple(chapters(project, export.chapters)), colours[:2], master,
    )  # fmt: skip


def _colours(streams: dict[Path, VideoStreamInfo | None], names: dict[Path, str]) -> tuple[str, str, str]:
    """(matrix, range) every source is in, and libx264's VUI options saying so (the first tagged
    source's tags), so the re-encoded edges and gaps match the copies; sources that differ are
    refused (a copy keeps its own, where the full engine converts each to BT.709)."""
    seen: dict[tuple[str, str], str] = {}
    tags = ""
    for path, v in streams.items():
        assert v is not None  # each piece's stream was checked
        seen.setdefault((v.matrix, v.range), names[path])
        if not tags and v.color_space != "unspecified":
            vui = {"colorprim": v.color_primaries, "transfer": v.color_transfer, "colormatrix": v.color_space}
            tags = ":".join(f"{k}={n}" for k, n in vui.items() if n != "unspecified")
    if len(seen) > 1:
        (a, first), (b, second) = list(seen.items())[:2]
        raise Refused(f"clip {second!r} is in colour matrix/range {b}, clip {first!r} in {a}")
    (matrix, rng), _ = next(iter(seen.items()))
    return matrix, rng, ":".join(x for x in (tags, f"range={rng}") if x)


def _clip_piece(
    clip: Clip,
    info: MediaInfo,
    project: Project,
    track: Track,
    span: tuple[int, int],
    samples: int,
    heard: bool,
) -> Piece:
    """The clip as copies and edges; ``span``: its first timeline frame and its frame count."""
    s, rate, name = project.settings, project.settings.frame_rate, clip.label()
    f0, frames = span
    edits = [
        (clip.speed != 1, f"speed {clip.speed}"),
        (bool(clip.effects), "effects " + ", ".join(e.kind for e in clip.effects)),
        (not clip.transform.is_identity, "a transform"),
        (not clip.crop.is_identity, "a crop"),
        (not clip.color.is_identity, "colour correction"),
        (clip.opacity != 1, f"opacity {clip.opacity}"),
        (bool(clip.keyframes), "keyframed " + ", ".join(clip.keyframes)),
    ]
    for blocked, what in edits:
        if blocked:
            raise Refused(f"clip {name!r}: {what} (smart render only copies frames 1:1)")
    v = info.video_stream(clip.media.video_stream)  # the stream the clip chose, as a full render
    if v is None or v.codec != "h264":
        raise Refused(f"clip {name!r}: source video is {v.codec if v else 'missing'}, not H.264")
    if not info.format_name.startswith("mov,mp4"):  # Matroska gives no dts to walk GOPs by, TS no avcC
        raise Refused(
            f"clip {name!r}: source container is {info.format_name}; smart render copies MP4/MOV only"
        )
    facts = [
        ("size", f"{v.width}x{v.height}", f"{s.width}x{s.height}"),
        ("pixel format", v.pix_fmt, s.pixel_format),
        ("frame rate", "variable" if v.variable_frame_rate else "constant", "constant"),  # before its mean
        ("frame rate", v.frame_rate, rate),
        ("rotation", v.rotation, 0),
        ("mirroring", "mirrored" if v.flip else "none", "none"),
        ("pixel aspect ratio", v.sample_aspect_ratio, 1),
        ("colour range", s.color_range if v.color_range == "unspecified" else v.color_range, s.color_range),
    ]
    for what, got, want in facts:
        if got != want:
            raise Refused(f"clip {name!r}: source {what} is {got}, the project's is {want}")
    if gamut_options(v):  # the full engine maps it to SDR BT.709; a copy would stay HDR
        raise Refused(
            f"clip {name!r}: source is HDR or BT.2020 ({v.color_transfer}); the project is SDR BT.709"
        )
    where = f"clip {name!r} ({Path(info.path).name})"
    if not opens_on_idr(Path(info.path), v.index, where):  # the walk would refuse its first GOP
        msg = f"{where}: the source starts on an open GOP (a stream-copy cut): its first keyframe is not"
        raise Refused(f"{msg} an IDR picture, and the frames shown from it refer to pictures cut away")
    times = stream_times(info.path, v.index)
    if times.lead:  # said up front, so check_smart answers before a render starts
        msg = (
            f"clip {name!r}: the source's keyframes after the first are not IDR (open GOPs or intra refresh)"
        )
        raise Refused(msg)
    # the file's frames are counted by their own slot round(pts * rate): a stream that starts
    # on the frame grid (TS, edit lists) shifts the clip's frames by whole slots; off it, refuse
    origin = times.first * v.time_base
    shift = origin * rate
    if abs(shift - round(shift)) > Fraction(1, 10):
        raise Refused(f"clip {name!r}: the source starts off its frame grid ({float(origin):.4f} s)")
    first, last = clip.source_frame_at(0, rate), clip.source_frame_at(frames - 1, rate)
    if v.frame_count is None:
        raise Refused(f"clip {name!r}: the source's frame count is unknown, so its GOPs cannot be mapped")
    if last - first != frames - 1 or first < 0 or last >= v.frame_count:
        raise Refused(f"clip {name!r}: source frames {first}..{last} are not whole frames of the file")
    a = info.audio_stream(clip.media.audio_stream) if clip.media.has_audio else None
    audio = a.index if a is not None and heard else None
    # the source second heard at the clip's first output sample, as the full engine reads it
    # (source_span): that sample lies a rounding away from the frame's instant
    at = origin + clip.source_range.start.to_seconds() + (a.delay if a is not None else 0)
    start = source_instant(at, f0, rate, s.sample_rate)
    slot = round(shift)
    return Piece(
        Path(info.path), first + slot, frames, samples, v.index, audio, start, clip.volume * track.volume,
        name, slot,
    )  # fmt: skip
