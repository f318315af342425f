"""EDL dissolves (review 68, item 6): the reader gave the clip a dissolve goes to the outgoing clip's
media (it takes media only from ``* FROM CLIP:``; the ``* TO CLIP:`` comment names the other file),
so after a dissolve the first clip played on. Read as the comment says, both from other tools'
EDLs and from our own exports."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Project, RationalTime
from timeline_lab.model.transition import Transition
from timeline_lab.studio import Studio

from ..render.conftest import decode_video


def _shown(studio: Studio, project: Project, out: Path) -> list[tuple[int, int] | None]:
    return [
        read_frame_index(f) if f.mean() > 8 else None
        for f in decode_video(studio.render(project, out, progress=False))
    ]


def _edl(path: Path, a: Path, b: Path, length: int, by_name: bool) -> Path:
    """A cut to frame 20 of a, then a ``length``-frame dissolve to b's frames 15.. (Avid's layout)."""
    to = [f"* TO CLIP NAME: {b.name}"] if by_name else ["* TO CLIP NAME: b", f"* TO CLIP: {b.as_uri()}"]
    lines = [
        "TITLE: diss",
        "FCM: NON-DROP FRAME",
        "",
        "001  A        V     C        00:00:00:10 00:00:00:20 01:00:00:00 01:00:00:10",
        f"* FROM CLIP NAME: {a.name}" if by_name else f"* FROM CLIP: {a.as_uri()}",
        "002  A        V     C        00:00:00:20 00:00:00:20 01:00:00:10 01:00:00:10",
        f"002  B        V     D {length:03d}    00:00:00:15 00:00:01:11 01:00:00:10 01:00:01:06",
        f"* FROM CLIP NAME: {a.name}" if by_name else f"* FROM CLIP: {a.as_uri()}",
        *to,
        "",
    ]
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("length", [4, 10])
@pytest.mark.parametrize("by_name", [False, True])
def test_the_clip_a_dissolve_goes_to_shows_its_own_media(tmp_path: Path, length: int, by_name: bool) -> None:
    a = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=24, frames=48, tag=1, audio=False)
    b = make_clip(tmp_path / "b.mp4", width=64, height=48, rate=24, frames=48, tag=2, audio=False)
    project = read_otio(_edl(tmp_path / "d.edl", a, b, length, by_name), rate=Fraction(24))
    first, second = project.tracks[0].items
    assert isinstance(first, Clip) and isinstance(second, Clip)
    assert (Path(first.media.path).name, Path(second.media.path).name) == ("a.mp4", "b.mp4")
    shown = _shown(Studio(workspace=tmp_path), project, tmp_path / "o.mp4")
    assert shown[:10] == [(n, 1) for n in range(10, 20)]
    assert shown[10 + length :] == [(n, 2) for n in range(15 + length, 35)]


@pytest.mark.parametrize(("alignment", "frames"), [("center", 10), ("start", 6), ("end", 4), ("center", 3)])
def test_our_dissolves_come_back_from_an_edl(tmp_path: Path, alignment: str, frames: int) -> None:
    a = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=24, frames=60, tag=1, audio=False)
    b = make_clip(tmp_path / "b.mp4", width=64, height=48, rate=24, frames=60, tag=2, audio=False)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("d", width=64, height=48, frame_rate=24)
    v1 = project.tracks[0]
    x = v1.append(studio.clip(a, 12, 20))
    y = v1.append(studio.clip(b, 14, 20))
    z = v1.append(studio.clip(a, 40, 8))
    d = RationalTime(frames, 24)
    v1.add_transition(Transition(from_clip=x.id, to_clip=y.id, duration=d, alignment=alignment))
    v1.add_transition(Transition(from_clip=y.id, to_clip=z.id, duration=RationalTime(4, 24)))
    want = _shown(studio, project, tmp_path / "want.mp4")
    back = read_otio(studio.save(project, tmp_path / "cut.edl"), rate=Fraction(24))
    assert [Path(i.media.path).name for i in back.tracks[0].items if isinstance(i, Clip)] == [
        "a.mp4",
        "b.mp4",
        "a.mp4",
    ]
    assert _shown(studio, back, tmp_path / "got.mp4") == want
