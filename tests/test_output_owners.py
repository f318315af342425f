"""Outputs besides the render itself: a proxy written to a name, and subtitle sidecars. Neither
replaces its own source (however spelled) nor a file it did not make, unless overwrite=True; the
proxy replaced its input, a sidecar rewrote the imported .srt of the same name and someone's file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from timeline_lab.errors import MediaError, RenderError
from timeline_lab.media.proxy import make_proxy
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project
from timeline_lab.model.subtitles import import_subtitles
from timeline_lab.studio import Studio


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=10, tag=1, audio=True)


@pytest.mark.parametrize("spelling", ["same", "relative", "hardlink"])
def test_a_proxy_never_replaces_its_source(clip: Path, tmp_path: Path, spelling: str, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = _digest(clip)
    out = {"same": clip, "relative": Path("sub/../a.mp4"), "hardlink": tmp_path / "b.mp4"}[spelling]
    (tmp_path / "sub").mkdir()
    if spelling == "hardlink":
        os.link(clip, out)
    with pytest.raises(MediaError, match="is the source of this proxy"):
        make_proxy(clip, out, height=48, overwrite=True)
    assert _digest(clip) == before


def test_a_proxy_replaces_only_a_proxy_unless_overwrite(clip: Path, tmp_path: Path) -> None:
    film = tmp_path / "film.mp4"
    film.write_bytes(b"someone's film")
    with pytest.raises(MediaError, match=r"film\.mp4: exists and is not a proxy"):
        make_proxy(clip, film, height=48)
    assert film.read_bytes() == b"someone's film"
    make_proxy(clip, film, height=48, overwrite=True)
    make_proxy(clip, film, height=48)  # our own proxy, replaced freely


def _subtitled(clip: Path, tmp_path: Path, srt: Path) -> tuple[Studio, Project]:
    """A project of ``clip`` with an English subtitle track imported from ``srt`` (written here)."""
    srt.write_text("1\n00:00:00,000 --> 00:00:00,100\nhello\n\n")
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 5))
    import_subtitles(project, srt, name="English")
    return studio, project


def test_sidecars_replace_only_their_own(clip: Path, tmp_path: Path) -> None:
    srt = tmp_path / "out.English.srt"
    studio, project = _subtitled(clip, tmp_path, srt)
    before = srt.read_text()
    with pytest.raises(RenderError, match=r"out\.English\.srt: exists and is not a render of this project"):
        studio.render(project, tmp_path / "out.mp4", progress=False, subtitles="sidecar")
    assert srt.read_text() == before and not (tmp_path / "out.mp4").exists()  # nothing half-done
    studio.render(project, tmp_path / "mine.mp4", progress=False, subtitles="sidecar")
    studio.render(project, tmp_path / "mine.mp4", progress=False, subtitles="sidecar")  # ours: replaced
    assert (tmp_path / "mine.English.srt").is_file()


def test_sidecars_beside_our_render_are_ours_without_extended_attributes(
    clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no mark can be kept (macOS's Python has no os.setxattr), a render's sidecars are
    still replaced by the next render of the same project."""

    def refuse(*_: object, **__: object) -> None:
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "setxattr", refuse)
    studio, project = _subtitled(clip, tmp_path, tmp_path / "subs.srt")
    studio.render(project, tmp_path / "mine.mp4", progress=False, subtitles="sidecar")
    studio.render(project, tmp_path / "mine.mp4", progress=False, subtitles="sidecar")
    assert (tmp_path / "mine.English.srt").is_file()
