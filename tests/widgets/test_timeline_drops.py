"""Files dropped on the timeline: confinement of file-browser paths, uploads, refusals, placement."""

from __future__ import annotations

import os
import shutil
import struct
import wave
from pathlib import Path
from typing import Any

import pytest

from timeline_lab import Studio
from timeline_lab.model import Project
from timeline_lab.widgets import TimelineWidget
from timeline_lab.widgets.drops import DropError, files_path, new_upload

from .conftest import Sent, record


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", (i * 37) % 2000) for i in range(int(seconds * rate))))
    return path


@pytest.fixture
def root(tmp_path: Path, media: dict[str, Path]) -> Path:
    """A Jupyter server root: ``clips/pal.mp4``, ``notes.txt``, a link out, and a secret beside it."""
    r = tmp_path / "root"
    (r / "clips").mkdir(parents=True)
    shutil.copy(media["pal"], r / "clips" / "pal.mp4")
    write_wav(r / "clips" / "tone.wav")
    (r / "notes.txt").write_text("not media")
    (r / "fake.mp4").write_bytes(b"not a movie at all" * 10)
    (tmp_path / "secret.mp4").write_bytes(b"outside")
    os.symlink(tmp_path / "secret.mp4", r / "clips" / "link.mp4")
    return r


def widget(project: Project, root: Path, **kw: Any) -> tuple[TimelineWidget, Sent]:
    w = TimelineWidget(project, files_root=root, **kw)
    sent = record(w)
    w._on_msg(w, {"kind": "ready"}, [])
    return w, sent


def ask(w: TimelineWidget, kind: str, buffers: list[bytes] | None = None, **content: Any) -> None:
    w._on_msg(w, {"kind": kind, "seq": 9, "view": "v", **content}, buffers or [])


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("clips/pal.mp4", None),
        ("root/clips/pal.mp4", None),  # a notebook in root/: the server's path names the folder too
        ("clips/../clips/pal.mp4", "not a path inside"),
        ("../secret.mp4", "not a path inside"),
        ("/etc/passwd", "not a path inside"),
        ("clips/link.mp4", "resolves outside"),
        ("clips/missing.mp4", "no such file"),
        ("clips", "no such file"),
        ("", "not a path inside"),
        ("clips/pal.mp4\x00.txt", "not a path inside"),
    ],
)
def test_file_browser_paths_stay_inside_the_root(root: Path, path: str, error: str | None) -> None:
    if error is None:
        assert files_path(root, path) == (root / "clips" / "pal.mp4").resolve()
    else:
        with pytest.raises(DropError, match=error):
            files_path(root, path)


def test_a_file_browser_drop_places_a_clip_at_the_frame_as_one_undo_step(
    project: Project, root: Path
) -> None:
    w, sent = widget(project, root)
    v1 = project.tracks[0]
    before = project.model_dump(mode="json")
    ask(w, "drop", paths=["clips/pal.mp4"], track=v1.id, frame=100)
    assert sent.last("ack")["seq"] == 9
    dropped = v1.items[-1]
    assert dropped.start.to_frames(25) == 100 and dropped.label() == "pal.mp4"
    assert w.selection == [dropped.id]
    project.undo()
    assert project.model_dump(mode="json") == before


def test_audio_only_goes_to_an_audio_track_and_below_the_last_makes_one(project: Project, root: Path) -> None:
    w, _ = widget(project, root)
    v1 = project.tracks[0]
    ask(w, "drop", paths=["clips/tone.wav"], track=v1.id, frame=10)
    (a1,) = [t for t in project.tracks if t.kind == "audio"]
    assert a1.items[0].start.to_frames(25) == 10
    ask(w, "drop", paths=["clips/tone.wav"], track=a1.id, frame=40)
    assert [i.start.to_frames(25) for i in a1.items] == [10, 40]
    ask(w, "drop", paths=["clips/pal.mp4", "clips/pal.mp4"], track=None, frame=0)
    new = project.tracks[-1]
    assert new.kind == "video" and [i.start.to_frames(25) for i in new.items] == [0, 30]
    assert len(project.tracks) == 3  # one new track for both files


@pytest.mark.parametrize(
    ("paths", "error"),
    [
        (["notes.txt"], "not a media file"),
        (["fake.mp4"], "not a media file this timeline can use"),
        (["../secret.mp4"], "not a path inside"),
        (["clips/link.mp4"], "resolves outside"),
        ([], "no file"),
    ],
)
def test_refused_drops_change_nothing(project: Project, root: Path, paths: list[str], error: str) -> None:
    w, sent = widget(project, root)
    before = project.model_dump(mode="json")
    ask(w, "drop", paths=paths, track=project.tracks[0].id, frame=0)
    assert error in sent.last("refused")["error"] and error in w.message
    assert project.model_dump(mode="json") == before


def test_a_desktop_file_is_uploaded_in_chunks_under_a_new_name(
    studio: Studio, project: Project, root: Path, media: dict[str, Path]
) -> None:
    folder = studio.workspace / "media"
    folder.mkdir()
    (folder / "pal.mp4").write_bytes(b"an existing file")
    w, sent = widget(project, root, studio=studio)
    data = media["pal"].read_bytes()
    half = len(data) // 2
    common = {"upload": "u1", "name": "pal.mp4", "size": len(data), "track": None, "frame": 5}
    ask(w, "upload", [data[:half]], offset=0, last=False, **common)
    ask(w, "upload", [data[half:]], offset=half, last=True, **common)
    assert sent.last("ack")["seq"] == 9
    assert (folder / "pal.mp4").read_bytes() == b"an existing file"  # never overwritten
    assert (folder / "pal-1.mp4").read_bytes() == data
    assert not list(folder.glob(".*.part"))
    clip = project.tracks[-1].items[0]
    assert Path(clip.media.path) == (folder / "pal-1.mp4").resolve() and clip.start.to_frames(25) == 5


def test_uploads_over_the_limit_or_not_media_are_refused_and_removed(
    studio: Studio, project: Project, root: Path
) -> None:
    w, sent = widget(project, root, studio=studio, media_folder=studio.workspace / "up")
    w.upload_limit = 1000
    ask(
        w,
        "upload",
        [b"x" * 10],
        upload="big",
        name="big.mp4",
        size=5000,
        offset=0,
        last=False,
        track=None,
        frame=0,
    )
    assert "over the upload limit" in sent.last("refused")["error"]
    ask(
        w,
        "upload",
        [b"x" * 10],
        upload="big",
        name="big.mp4",
        size=5000,
        offset=10,
        last=True,
        track=None,
        frame=0,
    )
    assert sent.kinds().count("refused") == 1  # the rest of a refused file is dropped quietly
    junk = b"not a movie" * 20
    ask(
        w,
        "upload",
        [junk],
        upload="j",
        name="../../junk.mp4",
        size=len(junk),
        offset=0,
        last=True,
        track=None,
        frame=0,
    )
    assert "not a media file" in sent.last("refused")["error"]
    ask(w, "upload", [b"hi"], upload="t", name="notes.txt", size=2, offset=0, last=True, track=None, frame=0)
    assert "not a media file" in sent.last("refused")["error"]
    assert list((studio.workspace / "up").iterdir()) == []  # nothing left behind
    assert len(project.tracks) == 1


def test_new_upload_names_are_safe_and_exclusive(tmp_path: Path) -> None:
    first = new_upload(tmp_path, "../a b?.mp4", 10)
    second = new_upload(tmp_path, "a b_.mp4", 10)
    third = new_upload(tmp_path, "a b_.mp4", 10)
    assert first.target == second.target == tmp_path / "a b_.mp4"  # a name is taken only when whole
    with pytest.raises(DropError, match="out of order"):
        first.write(5, b"xx")
    first.write(0, b"1" * 10)
    second.write(0, b"2" * 10)
    assert second.finish() == tmp_path / "a b_.mp4" and first.finish() == tmp_path / "a b_-1.mp4"
    third.cancel()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a b_-1.mp4", "a b_.mp4"]
    assert (tmp_path / "a b_.mp4").read_bytes() == b"2" * 10


def test_the_files_of_one_desktop_drop_follow_one_another(
    studio: Studio, project: Project, root: Path, media: dict[str, Path]
) -> None:
    w, _ = widget(project, root, studio=studio)
    v1 = project.tracks[0]
    data = media["pal"].read_bytes()
    for index in range(2):
        chunk = {"upload": f"b-{index}", "batch": "b", "index": index, "name": "pal.mp4", "size": len(data)}
        ask(w, "upload", [data], offset=0, last=True, track=v1.id, frame=100, **chunk)
    assert [(i.start.to_frames(25), Path(i.media.path).name) for i in v1.items[-2:]] == [
        (100, "pal.mp4"),
        (130, "pal-1.mp4"),
    ]
    assert project.history.last is not None and project.undo() is not None
    assert [Path(i.media.path).name for i in v1.items][-1] == "pal.mp4"  # each file is its own undo step


def test_drop_files_from_python_and_close_drops_unfinished_uploads(
    studio: Studio, project: Project, root: Path
) -> None:
    w, _ = widget(project, root, studio=studio)
    w.drop_files("clips/pal.mp4", "clips/tone.wav", track=project.tracks[0].id, frame=200)
    assert [i.start.to_frames(25) for i in project.tracks[0].items][-1] == 200
    assert [t.kind for t in project.tracks] == ["video", "audio"]
    with pytest.raises(DropError, match="resolves outside"):
        w.drop_files("clips/link.mp4")
    ask(w, "upload", [b"x"], upload="u", name="half.mp4", size=10, offset=0, last=False, track=None, frame=0)
    assert [p.name[:10] for p in (studio.workspace / "media").iterdir()] == [".half.mp4."]  # staged
    w.close()
    assert list((studio.workspace / "media").iterdir()) == []
