"""render/execute/subtitles.py: every subtitle track gets its own sidecar, however the tracks are named.

Two tracks imported with the default name ('Subtitles': English and French) wrote one file, the
French over the English, silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.media.synth import make_clip
from timeline_lab.model.subtitles import Cue, import_subtitles, read_subtitles, write_srt
from timeline_lab.model.time import RationalTime
from timeline_lab.render.execute.subtitles import sidecar_paths
from timeline_lab.render.plan import SoftSubtitles
from timeline_lab.studio import Studio

TARGET = Path("/out/movie.mp4")


def _tracks(*names: str) -> tuple[SoftSubtitles, ...]:
    return tuple(SoftSubtitles(name, ()) for name in names)


def _names(*names: str) -> list[str]:
    return [p.name for p in sidecar_paths(TARGET, _tracks(*names))]


@pytest.mark.parametrize(
    ("names", "files"),
    [
        (("English", "French"), ["movie.English.srt", "movie.French.srt"]),
        (("Subtitles", "Subtitles"), ["movie.Subtitles-1.srt", "movie.Subtitles-2.srt"]),
        (("EN", "en", "fr"), ["movie.EN-1.srt", "movie.en-2.srt", "movie.fr.srt"]),
        (("a b", "a/b", "a_b"), ["movie.a_b-1.srt", "movie.a_b-2.srt", "movie.a_b-3.srt"]),
        (("", "", "x"), ["movie.subtitles-1.srt", "movie.subtitles-2.srt", "movie.x.srt"]),
        (("S", "S-2", "S"), ["movie.S-1.srt", "movie.S-2.srt", "movie.S-3.srt"]),
        (("S", "S", "S-1"), ["movie.S-1-1.srt", "movie.S-2.srt", "movie.S-1.srt"]),
    ],
)
def test_clashing_names_end_in_the_track_position(names: tuple[str, ...], files: list[str]) -> None:
    assert _names(*names) == files


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Subtitles", "subtitles", "EN", "en", "EN-1", "EN-2", "", "é", "a b"])
        | st.text(max_size=5),
        max_size=6,
    )
)
def test_sidecar_names_are_unique_and_deterministic(names: list[str]) -> None:
    paths = sidecar_paths(TARGET, _tracks(*names))
    assert len({p.name.casefold() for p in paths}) == len(names), paths
    assert all(p.parent == TARGET.parent and p.suffix == ".srt" for p in paths)
    assert paths == sidecar_paths(TARGET, _tracks(*names))


def test_two_tracks_of_one_name_render_two_sidecars(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=10)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 10))
    for word in ("Hello", "Bonjour"):
        cue = Cue(RationalTime(0, 1000), RationalTime(200, 1000), word)
        import_subtitles(project, write_srt([cue], tmp_path / f"{word}.srt"))
    studio.render(project, tmp_path / "movie.mp4", progress=False, subtitles="sidecar")
    got = {p.name: [c.text for c in read_subtitles(p)] for p in tmp_path.glob("movie.*.srt")}
    assert got == {"movie.Subtitles-1.srt": ["Hello"], "movie.Subtitles-2.srt": ["Bonjour"]}
    studio.close()
