"""A project's files on open: URLs stay URLs, LUTs/fonts/detections tables travel with the project
like media, and media replaced at its recorded path by another file is not taken for it."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab import Studio
from timeline_lab.errors import MediaError, ProjectError, RenderError
from timeline_lab.media.synth import make_clip, read_frame_indices
from timeline_lab.model.items import TextClip
from timeline_lab.model.project import Project
from timeline_lab.model.properties import Effect, TextStyle
from timeline_lab.model.time import RationalTime

FONT = Path(__file__).parents[1] / "timeline_lab/render/compile/fonts/DejaVuSans.ttf"
CUBE = "LUT_3D_SIZE 2\n" + "".join(f"{r} {g} {b}\n" for b in (0, 1) for g in (0, 1) for r in (0, 1))


def _media(path: Path, tag: int, frames: int = 12) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_clip(path, width=64, height=48, rate=25, frames=frames, tag=tag, audio=False)


def _project(s: Studio, *sources: str | Path) -> Project:
    p = s.new_project("p", width=64, height=48, frame_rate=25)
    for src in sources:
        p.tracks[0].append(s.clip(src, 2, 6))
    return p


def _tags(s: Studio, p: Project, out: Path) -> list[int]:
    s.render(p, out, progress=False, cluster=False)
    return [t for _, t in read_frame_indices(out)]


# --- 1. media named by URL -----------------------------------------------------------------------
@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "srv"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield root, f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("scheme", ["memory", "http"])
def test_url_media_saves_and_reopens_as_the_url(
    tmp_path: Path, scheme: str, http_root: tuple[Path, str]
) -> None:
    fsspec = pytest.importorskip("fsspec")
    local = _media(tmp_path / "src" / "a.mp4", tag=4)
    if scheme == "memory":
        fsspec.filesystem("memory").pipe(f"/bucket-{tmp_path.name}/a.mp4", local.read_bytes())
        url = f"memory://bucket-{tmp_path.name}/a.mp4"
    else:
        shutil.copy(local, http_root[0] / "a.mp4")
        url = f"{http_root[1]}/a.mp4"
    s = Studio(workspace=tmp_path)
    (tmp_path / "proj").mkdir()
    s.save(_project(s, url), tmp_path / "proj" / "p.tlproj")
    q = s.open(tmp_path / "proj" / "p.tlproj")
    assert next(q.clips()).media.path == url
    assert _tags(s, q, tmp_path / "out.mp4") == [4] * 6
    if scheme == "http":  # gone from the server: missing, by URL
        (http_root[0] / "a.mp4").unlink()
        with pytest.raises(MediaError, match=rf"1 media file\(s\) missing: a\.mp4 \(was {url}\)"):
            s.open(tmp_path / "proj" / "p.tlproj")


# --- 2. LUTs, fonts and detections tables ----------------------------------------------------------
def _with_files(s: Studio, proj: Path, which: set[str]) -> Project:
    import polars as pl

    from timeline_lab.analysis.annotate import annotate

    p = _project(s, _media(proj / "media" / "a.mp4", tag=2))
    clip = next(p.clips())
    looks = proj / "looks"
    looks.mkdir(exist_ok=True)
    if "lut" in which:
        (looks / "id.cube").write_text(CUBE)
        p.tracks[0].update(clip.id, effects=[Effect(kind="lut", params={"path": str(looks / "id.cube")})])
    if "font" in which:
        shutil.copy(FONT, looks / "My Font.ttf")
        style = TextStyle(font=str(looks / "My Font.ttf"), font_size=12)
        p.add_track("video").append(TextClip(text="Hi", duration=RationalTime(6, Fraction(25)), style=style))
    if "table" in which:
        n = 12
        dets = pl.DataFrame({"frame": list(range(n)), "class_id": [0] * n, "class_name": ["x"] * n,
                             "conf": [0.9] * n, "x1": [5.0] * n, "y1": [5.0] * n, "x2": [30.0] * n,
                             "y2": [30.0] * n, "track_id": [1] * n})  # fmt: skip
        annotate(p, dets, clips=[clip.id], store=looks / "dets.parquet")
    return p


WHICH = [{"lut"}, {"font"}, {"table"}, {"lut", "font", "table"}]


@pytest.mark.parametrize("which", WHICH, ids=lambda w: "+".join(sorted(w)))
def test_project_files_travel_with_the_project(tmp_path: Path, which: set[str]) -> None:
    s = Studio(workspace=tmp_path)
    proj = tmp_path / "proj"
    p = _with_files(s, proj, which)
    s.save(p, proj / "p.tlproj")
    text = (proj / "p.tlproj").read_text(encoding="utf-8")
    assert str(proj) not in text  # every file under the folder is written relative to it
    before = _tags(s, p, tmp_path / "before.mp4")
    shutil.move(proj, tmp_path / "moved")
    q = s.open(tmp_path / "moved" / "p.tlproj")
    assert _tags(s, q, tmp_path / "after.mp4") == before


WHAT = {
    "lut": r"id\.cube \(LUT, was ",
    "font": r"My Font\.ttf \(font, was ",
    "table": r"dets\.parquet \(detections table, was ",
}


@pytest.mark.parametrize("which", WHICH, ids=lambda w: "+".join(sorted(w)))
def test_missing_project_files_are_named_and_found_by_relink(tmp_path: Path, which: set[str]) -> None:
    s = Studio(workspace=tmp_path)
    proj = tmp_path / "proj"
    p = _with_files(s, proj, which)
    s.save(p, proj / "p.tlproj")
    shutil.move(proj / "looks", tmp_path / "elsewhere")
    with pytest.raises(MediaError, match=rf"{len(which)} file\(s\) missing: ") as err:
        s.open(proj / "p.tlproj")
    for what in which:  # each named, with what it is
        assert re.search(WHAT[what], str(err.value)), str(err.value)
    q = s.open(proj / "p.tlproj", search=[tmp_path / "elsewhere"])
    _tags(s, q, tmp_path / "relinked.mp4")
    # and as an undoable relink of an open project
    shutil.move(tmp_path / "elsewhere", tmp_path / "third")
    assert sorted(s.relink(q, tmp_path / "nowhere")) == sorted(
        str(tmp_path / "elsewhere" / n) for n, w in [("id.cube", "lut"), ("My Font.ttf", "font"),
                                                      ("dets.parquet", "table")] if w in which
    )  # fmt: skip
    assert s.relink(q, tmp_path / "third") == []
    _tags(s, q, tmp_path / "relinked2.mp4")
    q.undo()


def test_a_table_of_the_same_name_but_other_rows_is_not_taken(tmp_path: Path) -> None:
    s = Studio(workspace=tmp_path)
    p = _with_files(s, tmp_path / "proj", {"table"})
    s.save(p, tmp_path / "proj" / "p.tlproj")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "dets.parquet").write_bytes(b"not these rows")
    (tmp_path / "proj" / "looks" / "dets.parquet").unlink()
    with pytest.raises(MediaError, match=r"dets\.parquet \(detections table, was "):
        s.open(tmp_path / "proj" / "p.tlproj", search=[tmp_path / "other"])


def test_a_missing_lut_is_refused_at_plan_time_by_path(tmp_path: Path) -> None:
    s = Studio(workspace=tmp_path)
    p = _with_files(s, tmp_path / "proj", {"lut"})
    (tmp_path / "proj" / "looks" / "id.cube").unlink()
    with pytest.raises(RenderError, match=r"LUT file .*looks/id\.cube not found"):
        s.plan(p, tmp_path / "out.mp4")


# --- 3. media replaced at its recorded path -------------------------------------------------------
@pytest.mark.parametrize(
    ("frames", "why"), [(30, "another file"), (20, "another file: ")], ids=["same-length", "shorter"]
)
def test_media_replaced_by_another_take_is_not_taken_for_it(tmp_path: Path, frames: int, why: str) -> None:
    s = Studio(workspace=tmp_path)
    card = tmp_path / "card" / "C0001.mp4"
    p = _project(s, _media(card, tag=1, frames=30))
    (tmp_path / "proj").mkdir()
    s.save(p, tmp_path / "proj" / "p.tlproj")
    original = tmp_path / "backup" / "C0001.mp4"
    original.parent.mkdir()
    shutil.copy(card, original)
    card.unlink()
    _media(card, tag=7, frames=frames)
    with pytest.raises(MediaError, match=rf"C0001\.mp4 \(at {card}: {why}") as err:
        s.open(tmp_path / "proj" / "p.tlproj")
    assert "recorded" in str(err.value) or "fingerprint" in str(err.value)
    q = s.open(tmp_path / "proj" / "p.tlproj", search=[tmp_path / "backup"])
    assert _tags(s, q, tmp_path / "out.mp4") == [1] * 6


@pytest.mark.parametrize("frames", [30, 8], ids=["longer", "still-long-enough"])
def test_a_re_rendered_shot_is_taken_when_asked(tmp_path: Path, frames: int) -> None:
    """A shot re-rendered under its name (a VFX update) is refused as another file, with the way
    to take it said; ``accept_replaced=True`` probes it again and shows it."""
    s = Studio(workspace=tmp_path)
    shot = _media(tmp_path / "shots" / "sh010.mp4", tag=1, frames=12)
    p = _project(s, shot)
    s.save(p, tmp_path / "p.tlproj")
    shot.unlink()
    _media(shot, tag=5, frames=frames)
    with pytest.raises(MediaError, match="open with accept_replaced=True"):
        s.open(tmp_path / "p.tlproj")
    q = s.open(tmp_path / "p.tlproj", accept_replaced=True)
    assert q.tracks[0].items[0].media.size == shot.stat().st_size
    assert _tags(s, q, tmp_path / "out.mp4") == [5] * 6
    s.save(q, tmp_path / "p.tlproj")
    assert (
        s.open(tmp_path / "p.tlproj").tracks[0].items[0].media.fingerprint
        == q.tracks[0].items[0].media.fingerprint
    )


def test_a_replacement_too_short_for_its_clips_is_refused_naming_the_clip(tmp_path: Path) -> None:
    s = Studio(workspace=tmp_path)
    shot = _media(tmp_path / "shots" / "sh010.mp4", tag=1, frames=12)
    s.save(_project(s, shot), tmp_path / "p.tlproj")
    shot.unlink()
    _media(shot, tag=5, frames=4)  # the clip shows source frames 2..8
    with pytest.raises(ProjectError, match="sh010"):
        s.open(tmp_path / "p.tlproj", accept_replaced=True)


def test_same_size_other_content_is_caught_by_the_fingerprint(tmp_path: Path) -> None:
    s = Studio(workspace=tmp_path)
    card = _media(tmp_path / "card" / "C0001.mp4", tag=1)
    p = _project(s, card)
    s.save(p, tmp_path / "p.tlproj")
    data = bytearray(card.read_bytes())
    data[-1] ^= 0xFF  # same size, last MiB differs
    card.write_bytes(bytes(data))
    with pytest.raises(MediaError, match=r"another file of the same size: .* fingerprint"):
        s.open(tmp_path / "p.tlproj")


def test_each_distinct_file_is_fingerprinted_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from timeline_lab.media import project_media

    s = Studio(workspace=tmp_path)
    a, b = _media(tmp_path / "a.mp4", tag=1, frames=40), _media(tmp_path / "b.mp4", tag=2, frames=40)
    p = _project(s, a, b, a, b, a)
    s.save(p, tmp_path / "p.tlproj")
    seen: list[Path] = []
    real = project_media.fingerprint

    def counted(path: Path) -> str:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(project_media, "fingerprint", counted)
    s.open(tmp_path / "p.tlproj")
    assert sorted(seen) == sorted([a, b])
