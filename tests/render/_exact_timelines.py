"""Timelines for the exactness harness: plain data Hypothesis draws and shrinks, and the builder.

A ``Spec`` names sources of the pool by name and frame numbers, so a failing example reads as a
timeline; ``build`` turns it into a ``Project`` through the public editing API, as a user would.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, Effect, Project, RationalTime, SequenceClip, TimeRange, Transition
from timeline_lab.model.media_ref import MediaReference
from timeline_lab.model.settings import ProjectSettings
from timeline_lab.model.transition import TRANSITION_KINDS

from ._exact_media import HEIGHT, RATES, WIDTH, Source, catalog
from ._oracle import conform

__all__ = [
    "CATALOG", "CLASSES", "Built", "ClipSpec", "Spec", "build", "cuts_only", "interchange", "spec_frames",
    "timelines",
]  # fmt: skip

CATALOG = catalog()
CFR = tuple(n for n, s in CATALOG.items() if s.kind == "cfr")
OFFSET = tuple(n for n, s in CATALOG.items() if s.kind == "offset")
VFR = tuple(n for n, s in CATALOG.items() if s.kind == "vfr")
PROJECT_RATES = ("25", "24", "30", "50", "23.976", "29.97", "59.94")  # shrinks towards 25
SPEEDS = (Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2))
MAX_CLIP_FRAMES = 14


@dataclass(frozen=True)
class ClipSpec:
    """One clip: source frames ``first .. first+count-1`` after ``gap`` empty frames."""

    source: str
    first: int
    count: int
    speed: Fraction = Fraction(1)
    effect: str | None = None
    freeze_at: int = 0
    gap: int = 0
    transition: tuple[str, int, str | int] | None = None
    """(kind, frames, alignment or frames before the cut) from the previous clip, when they touch."""
    fade_in: tuple[int, int] | None = None
    """(frames, frames before the cut) of a dissolve from the empty track into this clip."""
    fade_out: tuple[int, int] | None = None
    """(frames, frames before the cut) of a dissolve from this clip to the empty track."""


@dataclass(frozen=True)
class Spec:
    """A timeline: project rate and tracks bottom first."""

    rate: str
    tracks: tuple[tuple[ClipSpec, ...], ...]
    sequences: tuple[Spec, ...] = ()
    """Nested sequences: a clip whose source is ``seq0`` shows frames of the first."""
    trailing: int = 0
    """Frames of trailing gap on the first track."""


@st.composite
def _clip(
    draw: st.DrawFn, names: Sequence[str], rate: Fraction, *, speeds: bool, effects: bool, gap: bool
) -> ClipSpec:
    src = CATALOG[draw(st.sampled_from(names))]
    speed = draw(st.sampled_from(SPEEDS)) if speeds else Fraction(1)
    fits = math.floor(MAX_CLIP_FRAMES * speed * src.rate / rate)  # about that many timeline frames
    count = draw(st.integers(1, max(1, min(src.frames, fits))))
    to_end = draw(st.integers(0, 2)) == 2  # a third of the clips end on the file's last frame
    first = src.frames - count if to_end else draw(st.integers(0, src.frames - count))
    effect = draw(st.sampled_from((None, None, None, "reverse", "freeze"))) if effects else None
    freeze_at = draw(st.integers(0, MAX_CLIP_FRAMES)) if effect == "freeze" else 0
    blank = draw(st.sampled_from((0, 0, 0, 1, 3, 7))) if gap else 0
    return ClipSpec(src.name, first, count, speed, effect, freeze_at, blank)


@st.composite
def timelines(
    draw: st.DrawFn,
    names: Sequence[str],
    *,
    tracks: tuple[int, int] = (1, 1),
    clips: tuple[int, int] = (1, 3),
    speeds: bool = True,
    effects: bool = True,
    transitions: bool = True,
    gaps: bool = True,
    rate: str | None = None,
) -> Spec:
    """Random timelines over the sources ``names``."""
    rate_name = rate or draw(st.sampled_from(PROJECT_RATES))
    fps = RATES[rate_name]
    out = []
    for _ in range(draw(st.integers(*tracks))):
        row: list[ClipSpec] = []
        for n in range(draw(st.integers(*clips))):
            c = draw(_clip(names, fps, speeds=speeds, effects=effects, gap=gaps))
            if transitions and n and not c.gap:
                kind = draw(st.none() | st.sampled_from(TRANSITION_KINDS))
                if kind is not None:
                    frames = draw(st.integers(1, 6))
                    alignment = draw(st.sampled_from(("center", "start", "end")))
                    c = ClipSpec(**{**c.__dict__, "transition": (kind, frames, alignment)})
            row.append(c)
        out.append(tuple(row))
    return Spec(rate_name, tuple(out))


@st.composite
def cuts_only(draw: st.DrawFn) -> Spec:
    """One track of plain cuts from sources at the project's rate (what smart render copies)."""
    rate = draw(st.sampled_from(PROJECT_RATES))
    names = [n for n in (*CFR, *OFFSET) if CATALOG[n].rate == RATES[rate]]
    spec: Spec = draw(
        timelines(names, rate=rate, speeds=False, effects=False, transitions=False, clips=(1, 4))
    )
    return spec


@dataclass
class Built:
    """A project made from a spec, and what the model refused on the way."""

    project: Project
    notes: list[str] = field(default_factory=list)


def build(
    spec: Spec, pool: Mapping[str, Source], refs: Mapping[str, MediaReference], *, pid: str = "exact"
) -> Built:
    """The spec as a Project, through the public editing API (refused transitions are noted, skipped)."""
    rate = RATES[spec.rate]
    settings = ProjectSettings(width=WIDTH, height=HEIGHT, frame_rate=rate)
    project = Project(id=pid, name="exact", settings=settings)
    built = Built(project)
    for k, sub in enumerate(spec.sequences):
        inner = build(sub, pool, refs, pid=f"seq{k}")
        project.add_sequence(inner.project)
        built.notes += [f"seq{k}: {note}" for note in inner.notes]
    for n, row in enumerate(spec.tracks):
        track = project.add_track("video", f"V{n + 1}")
        cursor, prev = 0, None
        for m, c in enumerate(row):
            clip, frames = _item(c, f"c{n + 1}{m + 1}", pool, refs, rate)
            at = cursor + c.gap
            try:
                track.overwrite(clip, at)
            except ProjectError as exc:
                raise AssertionError(
                    f"the model refused clip {clip.id} of a valid source range: {exc}"
                ) from None
            wanted = []
            if c.transition is not None and prev is not None:
                kind, length, how = c.transition
                wanted.append(_transition(kind, prev, clip.id, length, how, rate))
            if c.fade_in is not None:
                wanted.append(_transition("dissolve", None, clip.id, *c.fade_in, rate))
            if c.fade_out is not None:
                wanted.append(_transition("dissolve", clip.id, None, *c.fade_out, rate))
            for tr in wanted:
                try:
                    track.add_transition(tr)
                except ProjectError as exc:
                    built.notes.append(
                        f"V{n + 1}: {tr.kind} {tr.from_clip} -> {tr.to_clip} not added ({exc})"
                    )
            cursor, prev = at + frames, clip.id
    if spec.trailing and project.tracks:
        project.tracks[0].trailing_gap = RationalTime.from_frames(spec.trailing, rate)
    return built


def _item(
    c: ClipSpec, clip_id: str, pool: Mapping[str, Source], refs: Mapping[str, MediaReference], rate: Fraction
) -> tuple[Clip | SequenceClip, int]:
    """The clip a spec names (a media clip, or a nested sequence's) and its timeline frames."""
    if c.source.startswith("seq"):
        span = TimeRange.from_frames(c.first, c.count, rate)
        return SequenceClip(id=clip_id, sequence=c.source, source_range=span), c.count
    src, ref = pool[c.source], refs[c.source]
    t0 = src.times[c.first]
    t1 = src.times[c.first + c.count] if c.first + c.count < src.frames else src.duration
    rng = TimeRange(RationalTime.from_seconds(t0, ref.rate), RationalTime.from_seconds(t1 - t0, ref.rate))
    frames = conform(t1 - t0, c.speed, rate)
    effects = []
    if c.effect == "reverse":
        effects.append(Effect(kind="reverse"))
    elif c.effect == "freeze":
        effects.append(Effect(kind="freeze", params={"frame": min(c.freeze_at, frames - 1)}))
    return Clip(id=clip_id, media=ref, source_range=rng, speed=c.speed, effects=effects), frames


def _transition(
    kind: str, a: str | None, b: str | None, length: int, how: str | int, rate: Fraction
) -> Transition:
    """A transition of ``length`` frames placed by an alignment, or by its frames before the cut."""
    if isinstance(how, int):
        return Transition(
            kind=kind, from_clip=a, to_clip=b, duration=RationalTime(length, rate),
            in_offset=RationalTime(min(how, length), rate),
        )  # fmt: skip
    return Transition(kind=kind, from_clip=a, to_clip=b, duration=RationalTime(length, rate), alignment=how)


def spec_frames(spec: Spec) -> int:
    """How long the timeline a spec builds is (without building it)."""
    rate = RATES[spec.rate]
    ends = [spec.trailing]
    for row in spec.tracks:
        cursor = 0
        for c in row:
            if c.source.startswith("seq"):
                frames = c.count
            else:
                src = CATALOG[c.source]
                t1 = src.times[c.first + c.count] if c.first + c.count < src.frames else src.duration
                frames = conform(t1 - src.times[c.first], c.speed, rate)
            cursor += c.gap + frames
        ends.append(cursor + (spec.trailing if row is spec.tracks[0] else 0))
    return max(ends)


@st.composite
def interchange(draw: st.DrawFn, names: Sequence[str]) -> Spec:
    """What timelines from other editors bring: nested sequences, fades at track edges and beside
    gaps, asymmetric dissolves, trailing gaps."""
    rate = draw(st.sampled_from(PROJECT_RATES))
    inner: Spec = draw(timelines(names, rate=rate, tracks=(1, 2), clips=(1, 2), effects=False))
    length = spec_frames(inner)
    outer: Spec = draw(timelines(names, rate=rate, tracks=(1, 2), clips=(1, 3)))
    rows = []
    for row in outer.tracks:
        out = []
        for m, c in enumerate(row):
            if draw(st.integers(0, 2)) == 0:  # a third of the clips show the nested sequence
                first = draw(st.integers(0, length - 1))
                count = draw(st.integers(1, min(length - first, MAX_CLIP_FRAMES)))
                c = replace(c, source="seq0", first=first, count=count, speed=Fraction(1), effect=None)
            if c.transition is not None and draw(st.booleans()):
                kind, frames, _ = c.transition
                c = replace(c, transition=(kind, frames, draw(st.integers(0, frames))))
            if (c.gap or m == 0) and draw(st.booleans()):
                frames = draw(st.integers(1, 5))
                c = replace(c, fade_in=(frames, draw(st.integers(0, min(frames, c.gap)))))
            if draw(st.integers(0, 2)) == 0:
                frames = draw(st.integers(1, 5))
                c = replace(c, fade_out=(frames, draw(st.integers(0, frames))))
            out.append(c)
        rows.append(tuple(out))
    return Spec(rate, tuple(rows), sequences=(inner,), trailing=draw(st.sampled_from((0, 0, 3, 6))))


CLASSES: dict[str, st.SearchStrategy[Spec]] = {
    "one-track": timelines(CFR, clips=(1, 4)),
    "layers": timelines(CFR, tracks=(2, 4), clips=(1, 3)),
    "offsets": timelines((*OFFSET, *CFR[:2]), tracks=(1, 2), clips=(1, 3)),
    "vfr": timelines((*VFR, CFR[3]), tracks=(1, 2), clips=(1, 3)),
    "smart": cuts_only(),
    "anything": timelines((*CFR, *OFFSET, *VFR), tracks=(1, 4), clips=(1, 3)),
    "interchange": interchange((*CFR, *OFFSET)),
}
"""Timeline classes: each known kind of bug is found by one of them (the benchmark runs them all)."""
