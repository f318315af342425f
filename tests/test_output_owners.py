"""Outputs besides the render itself: a proxy written to a name, and subtitle sidecars. Neither
replaces its own source (however spelled) nor a file it did not make, unless overwrite=True; the
proxy replaced its input, a sidecar rewrote the imported .srt of the same name and someone's file.
A render is known as the project's by the tag inside the file wherever the container keeps one: an
extended attribute any process may set made someone's film.mp4 a "render" to replace."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from timeline_lab.errors import MediaError, RenderError
from timeline_lab.media.proxy import make_proxy
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project
from timeline_lab.model.subtitles import import_subtitles
from timeline_lab.render.encoding.presets import FORMATS
from timeline_lab.render.targets import output_tag, previous_output_of
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


# -- whose render is it: the tag inside the file, the extended attribute only where there is none ---
_XATTR = "user.timeline_lab.project"
FFMPEG = shutil.which("ffmpeg")
_FORMATS = [n for n, f in FORMATS.items() if f.kind != "images"]


def _strip(src: Path, dst: Path) -> Path:
    """``src`` remuxed without any metadata (the FFmpeg CLI): the same kind of file, as a user's own."""
    if FFMPEG is None:
        pytest.skip("needs the ffmpeg command")
    cmd = [FFMPEG, "-v", "error", "-i", str(src), "-map", "0", "-c", "copy", "-map_metadata", "-1", str(dst)]
    subprocess.run(cmd, check=True, timeout=30)
    return dst


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Studio, Project, dict[str, Path]]:
    """Small renders in every export format that writes a file: of project "k" (``name``) and of
    another project, "x" (``x:name``)."""
    d = tmp_path_factory.mktemp("renders")
    src = make_clip(d / "src.mp4", width=64, height=48, rate=25, frames=5, tag=1, audio=True)
    studio = Studio(workspace=d)
    out = {}
    for title in ("x", "k"):
        project = studio.new_project(title, width=64, height=48, frame_rate=25)
        project.tracks[0].append(studio.clip(src, 0, 5))
        for name in _FORMATS:
            target = d / title / f"{name}{FORMATS[name].extensions[0]}"
            target.parent.mkdir(exist_ok=True)
            key = name if title == "k" else f"x:{name}"
            out[key] = studio.render(project, target, progress=False, format=name)
    return studio, project, out


@pytest.mark.parametrize("name", _FORMATS)
def test_a_render_is_known_by_its_own_tag_and_the_mark_only_where_it_has_none(
    renders: tuple[Studio, Project, dict[str, Path]], name: str, tmp_path: Path
) -> None:
    _, project, out = renders
    copy = tmp_path / out[name].name
    copy.write_bytes(out[name].read_bytes())  # no extended attribute: only what the file holds
    tagged = previous_output_of(copy, project.id)
    assert tagged == (FORMATS[name].kind in ("video", "audio")), "the tag a container keeps, read back"
    os.setxattr(copy, _XATTR, output_tag(project.id, "k").encode())
    assert previous_output_of(copy, project.id)
    assert previous_output_of(out[name], project.id, "k")  # the render itself: tag and mark


@pytest.mark.parametrize("name", [n for n in _FORMATS if FORMATS[n].kind in ("video", "audio")])
@pytest.mark.parametrize("inside", ["no tag", "another project's tag"])
def test_a_forged_mark_does_not_make_a_users_file_a_render(
    renders: tuple[Studio, Project, dict[str, Path]], name: str, inside: str, tmp_path: Path
) -> None:
    """Any process may set the extended attribute on any file of the user's: a container that
    keeps a tag is a render of the project only when the tag inside says so."""
    studio, project, out = renders
    keep = tmp_path / out[name].name
    if inside == "no tag":
        _strip(out[name], keep)
        assert previous_output_of(keep, project.id, "k") is False
    else:
        keep.write_bytes(out[f"x:{name}"].read_bytes())
    os.setxattr(keep, _XATTR, output_tag(project.id, "k").encode())
    before = _digest(keep)
    assert not previous_output_of(keep, project.id, "k")
    with pytest.raises(RenderError, match="exists and is not a render of this project"):
        studio.render(project, keep, progress=False, format=name)
    assert _digest(keep) == before
