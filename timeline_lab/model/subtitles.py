"""SubRip (.srt) and WebVTT (.vtt) subtitles: exact-millisecond cues, text clips, import and export."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import atomic_write_bytes
from ..errors import ProjectFileError
from .items import TextClip
from .properties import TextStyle
from .time import RationalTime, parse_rate

if TYPE_CHECKING:
    from .project import Project
    from .track import Track

__all__ = [
    "Cue",
    "cue_lanes",
    "cues_to_text_clips",
    "export_subtitles",
    "import_subtitles",
    "parse_srt",
    "parse_vtt",
    "read_subtitles",
    "track_cues",
    "write_srt",
    "write_vtt",
]

log = logging.getLogger(__name__)

_TIMESTAMP = re.compile(r"(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{1,3})")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<(?:\d+:)?\d{2}:\d{2}\.\d{3}>")  # <i>, </font>, <v Bob>, <00:01.000>
_ASS = re.compile(r"\{\\[^{}]*\}")  # {\an8}, {\i1}
_VTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_SKIPPED_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")

Line = tuple[int, str]  # (1-based line number, text)


@dataclass(frozen=True)
class Cue:
    """One subtitle: text shown from ``start`` until ``end`` (exclusive), exact times."""

    start: RationalTime
    end: RationalTime
    text: str

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"cue {self.text[:24]!r}: end {self.end} is not after start {self.start}")


# --- reading -----------------------------------------------------------------------------------


def _blocks(text: str) -> Iterator[list[Line]]:
    """Runs of non-blank lines with their line numbers (CRLF, CR and a leading BOM handled)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    block: list[Line] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            block.append((n, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _ms(stamp: str) -> int | None:
    m = _TIMESTAMP.fullmatch(stamp.strip())
    if m is None:
        return None
    hours, minutes, seconds, frac = m.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(frac.ljust(3, "0"))


def _timing(line: Line, source: str) -> tuple[RationalTime, RationalTime]:
    """Start and end of a ``start --> end [settings]`` line; errors name the file and line."""
    n, raw = line
    parts = raw.split("-->")
    tail = parts[1].split() if len(parts) == 2 else []
    start = _ms(parts[0]) if len(parts) == 2 else None
    end = _ms(tail[0]) if tail else None
    if start is None or end is None:
        raise ProjectFileError(f"{source} line {n}: bad timing {raw.strip()!r}")
    if end <= start:
        raise ProjectFileError(
            f"{source} line {n}: cue ends at {tail[0]}, not after its start {parts[0].strip()}"
        )
    return RationalTime(start, 1000), RationalTime(end, 1000)


def _clean(lines: list[Line], *, vtt: bool) -> str:
    """Cue text without styling tags ({\\an8}, <i>, <font ...>); VTT entities decoded."""
    out = []
    for _, raw in lines:
        text = _TAG.sub("", _ASS.sub("", raw))
        if vtt:
            text = html.unescape(text)
        if text.strip():
            out.append(text.rstrip())
    return "\n".join(out)


def parse_srt(text: str, *, source: str = "<string>") -> list[Cue]:
    """Cues of a SubRip file (cue numbers optional, ',' or '.' before the milliseconds)."""
    cues = []
    for block in _blocks(text):
        first = block[0][1].strip()
        numbered = first.isdigit() and "-->" not in first
        if numbered and len(block) == 1:
            raise ProjectFileError(f"{source} line {block[0][0]}: cue {first} has no timing line")
        at = 1 if numbered else 0
        start, end = _timing(block[at], source)
        cues.append(Cue(start, end, _clean(block[at + 1 :], vtt=False)))
    return cues


def parse_vtt(text: str, *, source: str = "<string>") -> list[Cue]:
    """Cues of a WebVTT file (cue ids, settings, NOTE/STYLE/REGION blocks and hours are optional)."""
    blocks = list(_blocks(text))
    if not blocks or blocks[0][0][0] != 1 or not _VTT_HEADER.match(blocks[0][0][1].removeprefix("\ufeff")):
        got = text.removeprefix("\ufeff").split("\n", 1)[0].strip()[:40]
        raise ProjectFileError(f"{source} line 1: missing WEBVTT header (got {got!r})")
    for n, line in blocks[0][1:]:
        if "-->" in line:
            raise ProjectFileError(f"{source} line {n}: a blank line must separate the header from cues")
    cues = []
    for block in blocks[1:]:
        first = block[0][1]
        if first.split(maxsplit=1)[0] in _SKIPPED_VTT_BLOCKS and "-->" not in first:
            continue
        at = 0 if "-->" in first else 1
        if at >= len(block):
            raise ProjectFileError(f"{source} line {block[0][0]}: cue {first.strip()!r} has no timing line")
        start, end = _timing(block[at], source)
        cues.append(Cue(start, end, _clean(block[at + 1 :], vtt=True)))
    return cues


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ProjectFileError(f"{path}: not valid UTF-16 despite its byte-order mark") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProjectFileError(f"{path} line {line}: not UTF-8 text (re-save it as UTF-8)") from None


def read_subtitles(path: str | Path) -> list[Cue]:
    """Cues of a .srt or .vtt file (chosen by suffix); errors name the file and line."""
    file = Path(path)
    parse = {".srt": parse_srt, ".vtt": parse_vtt}.get(file.suffix.lower())
    if parse is None:
        raise ProjectFileError(f"{file}: unsupported subtitle format {file.suffix!r} (expected .srt or .vtt)")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ProjectFileError(f"{file}: cannot read subtitles ({exc.strerror or exc})") from None
    return parse(_decode(data, file), source=str(file))


# --- writing -----------------------------------------------------------------------------------


def _stamp(ms: int, sep: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def _to_ms(t: RationalTime) -> int:
    ms = t.to_frames(1000, "nearest")
    if ms < 0:
        raise ValueError(f"subtitle time {t} is before 0")
    return ms


def _cue_lines(cue: Cue, sep: str) -> str:
    timing = f"{_stamp(_to_ms(cue.start), sep)} --> {_stamp(_to_ms(cue.end), sep)}"
    # a blank line would end the cue early, so blank text lines are dropped
    body = "\n".join(line for line in cue.text.split("\n") if line.strip())
    return f"{timing}\n{body}\n" if body else f"{timing}\n"


def write_srt(cues: Iterable[Cue], path: str | Path) -> Path:
    """Save cues as UTF-8 SubRip, atomically (times rounded to the millisecond)."""
    parts = [f"{n}\n{_cue_lines(cue, ',')}" for n, cue in enumerate(cues, start=1)]
    return atomic_write_bytes(path, "\n".join(parts).encode("utf-8"))


def write_vtt(cues: Iterable[Cue], path: str | Path) -> Path:
    """Save cues as WebVTT, atomically (&, < and > escaped as the format requires)."""
    parts = ["WEBVTT\n"]
    for cue in cues:
        escaped = html.escape(cue.text, quote=False)
        parts.append(_cue_lines(Cue(cue.start, cue.end, escaped), "."))
    return atomic_write_bytes(path, "\n".join(parts).encode("utf-8"))


# --- timeline ----------------------------------------------------------------------------------


def _snapped(cues: Iterable[Cue], r: Fraction) -> list[tuple[int, int, Cue]]:
    """(first frame, end frame, cue) on the frame grid (nearest frame), in time order; a cue with
    blank text has nothing to show and is left out, one shorter than a frame is left out and logged."""
    out = []
    for cue in sorted(cues, key=lambda c: (c.start, c.end)):
        first, end = cue.start.to_frames(r, "nearest"), cue.end.to_frames(r, "nearest")
        if not cue.text.strip():
            continue
        if end <= first:
            log.warning("subtitle cue %s at %s s is shorter than a frame: left out", _named(cue), _at(cue))
            continue
        out.append((first, end, cue))
    return out


def _named(cue: Cue) -> str:
    return repr(cue.text if len(cue.text) <= 32 else f"{cue.text[:32]}...")


def _at(cue: Cue) -> str:
    return f"{float(cue.start.to_seconds()):.3f}"


def _clip(first: int, end: int, cue: Cue, r: Fraction, style: TextStyle, y: float) -> TextClip:
    start, duration = RationalTime.from_frames(first, r), RationalTime.from_frames(end - first, r)
    return TextClip(text=cue.text, start=start, duration=duration, style=style, y=y)


def cues_to_text_clips(
    cues: Iterable[Cue], rate: Fraction, style: TextStyle | None = None, y: float = 0.9
) -> list[TextClip]:
    """Text clips on the frame grid (nearest frame), so subtitles can sit on one track.

    A cue overlapping the previous one starts where that one ends; a cue left with no frames
    (shorter than a frame, wholly inside the previous cue, or with empty text) is dropped. Each
    cue shifted or dropped for an overlap is logged by its text and time: ``cue_lanes`` keeps them all.
    """
    r = parse_rate(rate)
    look = style if style is not None else TextStyle(outline_width=2)
    clips: list[TextClip] = []
    prev_end = 0
    for first, end, cue in _snapped(cues, r):
        if first < prev_end:
            shown = "left out" if end <= prev_end else f"starts {prev_end - first} frame(s) late"
            log.warning("subtitle cue %s at %s s overlaps the one before: %s", _named(cue), _at(cue), shown)
            first = prev_end
        if end <= first:
            continue
        clips.append(_clip(first, end, cue, r, look, y))
        prev_end = end
    return clips


def cue_lanes(
    cues: Iterable[Cue], rate: Fraction, style: TextStyle | None = None, y: float = 0.9, height: int = 0
) -> list[list[TextClip]]:
    """Every cue as a text clip on the frame grid, in lanes (one track each) where none overlaps.

    A cue overlapping another (two speakers at once) goes to the first lane free at its start, as
    editors put such captions on a second track; with the canvas ``height`` each lane is drawn
    above the one below it (lines of the lane x ``font_size`` x ``line_spacing``), so both show.
    """
    r = parse_rate(rate)
    look = style if style is not None else TextStyle(outline_width=2)
    lanes: list[list[tuple[int, int, Cue]]] = []
    for first, end, cue in _snapped(cues, r):
        lane = next((lane for lane in lanes if lane[-1][1] <= first), None)
        if lane is None:
            lanes.append(lane := [])
        lane.append((first, end, cue))
    out: list[list[TextClip]] = []
    centre, below = y, 0.0
    for lane in lanes:
        tall = _lane_height(lane, look, height)
        centre = max(0.0, centre - (below + tall) / 2) if out else centre
        out.append([_clip(first, end, cue, r, look, centre) for first, end, cue in lane])
        below = tall
    return out


def _lane_height(lane: list[tuple[int, int, Cue]], style: TextStyle, height: int) -> float:
    """How tall (a fraction of ``height``; 0 without one) a lane's tallest cue is drawn."""
    if height <= 0:
        return 0.0
    lines = max(cue.text.count("\n") + 1 for _, _, cue in lane)
    pad = style.outline_width + (style.box_padding if style.box_color else 0)
    return (lines * style.font_size * style.line_spacing + 2 * pad) / height


def import_subtitles(
    project: Project, path: str | Path, style: TextStyle | None = None, name: str = "Subtitles"
) -> Track:
    """Add a subtitle track holding the file's cues, as one undoable edit.

    Cues that overlap others go on further subtitle tracks above it (``name 2``, ``name 3``...),
    drawn above its lines, so every cue is kept and shown; the first track is returned.
    """
    from .track import Track

    cues = read_subtitles(path)
    if style is None:
        size = max(12, round(project.settings.height * 0.045))
        style = TextStyle(font_size=size, outline_width=max(1, size // 16))
    lanes = cue_lanes(cues, project.settings.frame_rate, style, height=project.settings.height) or [[]]
    if len(lanes) == 1:
        return project.add_track(track=Track(kind="subtitle", name=name, items=lanes[0]))
    log.info("%s: overlapping cues on %d subtitle tracks (%s 2...)", path, len(lanes), name)
    with project.group("import subtitles"):
        names = [name] + [f"{name} {n}" for n in range(2, len(lanes) + 1)]
        tracks = [
            project.add_track(track=Track(kind="subtitle", name=n, items=lane))
            for n, lane in zip(names, lanes, strict=True)
        ]
    return tracks[0]


def export_subtitles(track: Track, path: str | Path) -> Path:
    """Write a track's enabled text clips to .srt or .vtt (by suffix), frame-grid times in ms."""
    file = Path(path)
    write = {".srt": write_srt, ".vtt": write_vtt}.get(file.suffix.lower())
    if write is None:
        raise ValueError(f"{file}: unsupported subtitle format {file.suffix!r} (expected .srt or .vtt)")
    return write(track_cues(track), file)


def track_cues(track: Track) -> list[Cue]:
    """A track's enabled text clips as cues on the frame grid (for files and soft streams)."""
    rate = track.rate
    cues = []
    for item in sorted(track.items, key=lambda i: i.start):
        if isinstance(item, TextClip) and item.enabled:
            span = item.timeline_range(rate)
            cues.append(Cue(span.start, span.end_exclusive(), item.text))
    return cues
