"""Timelines for the exactness harness: plain data Hypothesis draws and shrinks, and the builder.

A ``Spec`` names sources of the pool by name and frame numbers, so a failing example reads as a
timeline; ``build`` turns it into a ``Project`` through the public editing API, as a user would.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, Effect, Project, RationalTime, TimeRange, Transition
from timeline_lab.model.media_ref import MediaReference
from timeline_lab.model.settings import ProjectSettings
from timeline_lab.model.transition import TRANSITION_KINDS

from ._exact_media import HEIGHT, RATES, WIDTH, Source, catalog
from ._oracle import conform

__all__ = ["CATALOG", "CLASSES", "Built", "ClipSpec", "Spec", "build", "cuts_only", "timelines"]

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
    transition: tuple[str, int, str] | None = None
    """(kind, frames, alignment) from the previous clip into this one, when they touch."""


@dataclass(frozen=True)
class Spec:
    """A timeline: project rate and tracks bottom first."""

    rate: str
    tracks: tuple[tuple[ClipSpec, ...], ...]


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


def build(spec: Spec, pool: Mapping[str, Source], refs: Mapping[str, MediaReference]) -> Built:
    """The spec as a Project, through the public editing API (refused transitions are noted, skipped)."""
    rate = RATES[spec.rate]
    project = Project(name="exact", settings=ProjectSettings(width=WIDTH, height=HEIGHT, frame_rate=rate))
    built = Built(project)
    for n, row in enumerate(spec.tracks):
        track = project.add_track("video", f"V{n + 1}")
        cursor, prev = 0, None
        for m, c in enumerate(row):
            src, ref = pool[c.source], refs[c.source]
            t0 = src.times[c.first]
            t1 = src.times[c.first + c.count] if c.first + c.count < src.frames else src.duration
            rng = TimeRange(
                RationalTime.from_seconds(t0, ref.rate), RationalTime.from_seconds(t1 - t0, ref.rate)
            )
            frames = conform(t1 - t0, c.speed, rate)
            effects = []
            if c.effect == "reverse":
                effects.append(Effect(kind="reverse"))
            elif c.effect == "freeze":
                effects.append(Effect(kind="freeze", params={"frame": min(c.freeze_at, frames - 1)}))
            clip = Clip(id=f"c{n + 1}{m + 1}", media=ref, source_range=rng, speed=c.speed, effects=effects)
            at = cursor + c.gap
            try:
                track.overwrite(clip, at)
            except ProjectError as exc:
                raise AssertionError(
                    f"the model refused clip {clip.id} of a valid source range: {exc}"
                ) from None
            if c.transition is not None and prev is not None:
                kind, length, alignment = c.transition
                tr = Transition(
                    kind=kind,
                    from_clip=prev,
                    to_clip=clip.id,
                    duration=RationalTime(length, rate),
                    alignment=alignment,
                )
                try:
                    track.add_transition(tr)
                except ProjectError as exc:
                    built.notes.append(f"V{n + 1}: {kind} into {clip.id} not added ({exc})")
            cursor, prev = at + frames, clip.id
    return built


CLASSES: dict[str, st.SearchStrategy[Spec]] = {
    "one-track": timelines(CFR, clips=(1, 4)),
    "layers": timelines(CFR, tracks=(2, 4), clips=(1, 3)),
    "offsets": timelines((*OFFSET, *CFR[:2]), tracks=(1, 2), clips=(1, 3)),
    "vfr": timelines((*VFR, CFR[3]), tracks=(1, 2), clips=(1, 3)),
    "smart": cuts_only(),
    "anything": timelines((*CFR, *OFFSET, *VFR), tracks=(1, 4), clips=(1, 3)),
}
"""Timeline classes: each known kind of bug is found by one of them (the benchmark runs them all)."""
