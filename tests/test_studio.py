"""Studio as a notebook user meets it: clear errors for bad input, background renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.errors import MediaError, ProjectError
from timeline_lab.studio import Studio


@pytest.mark.parametrize(
    ("first", "count", "fragment"),
    [
        (0, 0, "count must be > 0"),
        (70, 5, "not within its 72 frames"),
        (-1, 3, "not within"),
    ],
)
def test_clip_ranges_outside_media_are_refused(
    media: dict[str, Path], first: int, count: int, fragment: str
) -> None:
    with pytest.raises(ProjectError, match=fragment):
        Studio().clip(media["ntsc"], first, count)


def test_clip_with_bad_speed_names_the_field(media: dict[str, Path]) -> None:
    with pytest.raises(ProjectError, match="speed"):
        Studio().clip(media["ntsc"], 0, 10, speed=0)


def test_text_file_named_mp4_is_a_media_error(tmp_path: Path) -> None:
    fake = tmp_path / "holiday.mp4"
    fake.write_text("this is not a video\n")
    with pytest.raises(MediaError, match=r"holiday\.mp4"):
        Studio().clip(fake)


def test_media_is_probed_once_per_studio(media: dict[str, Path]) -> None:
    studio = Studio()
    assert studio.media(media["pal"]) is studio.media(str(media["pal"]))


@pytest.mark.slow
def test_background_render_and_cancel(media: dict[str, Path], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"]))
    job, future = studio.render_in_background(project, "bg.mp4")
    assert future.result(timeout=120) == tmp_path / "bg.mp4"
    assert not job.cancelled


def test_save_and_open_both_formats(media: dict[str, Path], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate="29.97")
    project.tracks[0].append(studio.clip(media["ntsc"], 13, 45))
    for name in ("p.tlproj", "p.otio"):
        studio.save(project, name)
        again = studio.open(name)
        assert again.model_dump(mode="json") == project.model_dump(mode="json")


def test_a_relative_workspace_resolves_paths_once(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Studio(workspace="proj"): "media/a.mp4" and "proj/media/a.mp4" are one file, after a chdir too."""
    (tmp_path / "proj" / "media").mkdir(parents=True)
    (tmp_path / "proj" / "media" / "a.mp4").write_bytes(media["pal"].read_bytes())
    monkeypatch.chdir(tmp_path)
    studio = Studio(workspace="proj")
    assert studio.workspace == tmp_path / "proj"
    want = str(tmp_path / "proj" / "media" / "a.mp4")
    assert studio.clip("media/a.mp4", 0, 5).media.path == want
    assert studio.clip("proj/media/a.mp4", 0, 5).media.path == want
    monkeypatch.chdir(tmp_path / "proj" / "media")
    assert studio.clip("media/a.mp4", 0, 5).media.path == want
    monkeypatch.chdir(tmp_path)  # outputs typed from the parent: "proj/out.mp4" is not proj/proj/out.mp4
    assert studio._resolve("proj/out.mp4") == tmp_path / "proj" / "out.mp4"
    assert studio._resolve("proj/media/new.tlproj") == tmp_path / "proj" / "media" / "new.tlproj"
    assert studio._resolve("out.mp4") == tmp_path / "proj" / "out.mp4"
    (tmp_path / "proj" / "proj").mkdir()  # where both readings name a folder, the workspace's wins
    assert studio._resolve("proj/out.mp4") == tmp_path / "proj" / "proj" / "out.mp4"


def test_recognition_advice_names_an_argument_that_exists(media: dict[str, Path], tmp_path: Path) -> None:
    """The missing-model error mentions download=True, and studio.recognize accepts it."""
    from timeline_lab.recognition.errors import ModelNotFoundError

    studio = Studio(workspace=tmp_path)
    with pytest.raises(ModelNotFoundError, match="download=True"):
        studio.recognize(media["pal"], "no-such-model.pt")
    with pytest.raises(ModelNotFoundError):  # a path, not an official name: never downloaded
        studio.recognize(media["pal"], tmp_path / "models" / "missing.pt", download=True)


def test_one_process_default_studio_for_widgets_given_none(tmp_path: Path) -> None:
    """Widgets without a Studio share the process default instead of each starting one."""
    from timeline_lab.widgets import Editor

    first = Studio.default()
    assert Studio.default() is first
    project = first.new_project("w", width=64, height=48, frame_rate=25)
    editor = Editor(project)
    try:
        assert editor.studio is first and editor.preview.studio() is first
    finally:
        editor.close()
