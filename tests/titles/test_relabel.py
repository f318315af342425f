"""titles/_relabel.py: relabelling a lower third with its own name changes nothing, whatever its timing."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab import titles
from timeline_lab.model import Project, ProjectSettings
from timeline_lab.model.io import dumps

RATE = Fraction(25)


@st.composite
def timings(draw: st.DrawFn) -> dict[str, int | None]:
    """Lower-third timings ``lower_third`` accepts: slides of 0 frames included."""
    in_frames = draw(st.integers(0, 20))
    out_frames = draw(st.integers(0, 20))
    fade = draw(st.integers(1, 10))
    delay = draw(st.one_of(st.none(), st.integers(0, 20)))
    start = in_frames if delay is None else delay
    need = max(in_frames, start + fade) + fade + out_frames + 2
    duration = need + draw(st.integers(0, 40))
    return {
        "in_frames": in_frames,
        "out_frames": out_frames,
        "text_fade": fade,
        "text_delay": delay,
        "duration": duration,
    }


@settings(max_examples=60, deadline=None)
@given(
    timing=timings(),
    role=st.sampled_from(["", "Analyst"]),
    at=st.integers(0, 30),
    by=st.sampled_from(["bar", "name", "role"]),
    size=st.sampled_from([(640, 360), (1280, 720), (854, 480), (1920, 1080), (700, 394)]),
)
def test_relabel_with_the_same_name_gives_the_identical_project(
    timing: dict[str, int | None], role: str, at: int, by: str, size: tuple[int, int]
) -> None:
    p = Project(settings=ProjectSettings(width=size[0], height=size[1], frame_rate=RATE))
    placed = titles.place(p, titles.lower_third(p, "Ada Lovelace", role, **timing), at=at)  # type: ignore[arg-type]
    clip = {c.name.partition(":")[2]: c for c in placed}.get(by, placed[0])
    before = dumps(p)
    titles.relabel_lower_third(p, clip.id, name="Ada Lovelace")
    assert dumps(p) == before
    new = titles.relabel_lower_third(p, clip.id, name="Grace Brewster Hopper")
    want = titles.lower_third(p, "Grace Brewster Hopper", role, **timing)  # type: ignore[arg-type]
    for got, (built,) in zip(new, want.layers, strict=True):
        assert got.keyframes == built.keyframes
