"""The timeline-lab command as a user runs it: real subprocesses, real files, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import pytest

from timeline_lab import __version__
from timeline_lab.interchange.otio import write_otio
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import io
from timeline_lab.studio import Studio


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "timeline_lab", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_version() -> None:
    r = cli("--version")
    assert r.returncode == 0 and __version__ in r.stdout


@pytest.mark.slow
def test_demo_with_its_default_folder_from_any_directory(tmp_path: Path) -> None:
    """The README's first command: no --dir, run from wherever the user is."""
    r = cli("demo", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "timeline-lab-demo" / "demo.mp4").is_file()
    assert not (tmp_path / "timeline-lab-demo" / "timeline-lab-demo").exists()
    r = cli("demo", "--dir", "sub/demo", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sub" / "demo" / "demo.mp4").is_file()


@pytest.mark.slow
def test_demo_renders_an_mp4_a_test_can_decode(tmp_path: Path) -> None:
    r = cli("demo", "--dir", str(tmp_path / "demo"), "-q")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "demo" / "demo.mp4"
    assert str(out) in r.stdout
    project = io.load(tmp_path / "demo" / "demo.tlproj")
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == project.duration().to_frames(project.settings.frame_rate)
    # the first clip (4:3 in a 16:9 canvas, pillarboxed) starts at source frame 13 of media tag 1
    assert read_frame_index(frames[0][:, 80:560]) == (13, 1)
    second = project.tracks[0].items[1].start.to_frames(project.settings.frame_rate)
    assert second == 54  # 45 frames at 25 fps last 53.95 frames at 29.97: conformed to 54
    assert read_frame_index(frames[second]) == (5, 2)  # 16:9, fills the frame


def test_probe_text_and_json(media: dict[str, Path]) -> None:
    r = cli("probe", str(media["ntsc"]))
    assert r.returncode == 0, r.stderr
    assert "30000/1001 fps" in r.stdout and "72 frames" in r.stdout
    data = json.loads(cli("probe", "--json", str(media["ntsc"])).stdout)
    assert data["video"][0]["frame_rate"] == "30000/1001"


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p / "missing.mp4", "missing.mp4"),
        (lambda p: (p / "notes.mp4").write_text("not a video") and p / "notes.mp4", "notes.mp4"),
    ],
    ids=["missing", "text-named-mp4"],
)
def test_probe_errors_are_one_line(tmp_path: Path, make, fragment: str) -> None:
    r = cli("probe", str(make(tmp_path)))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in r.stderr


def test_debug_shows_traceback(tmp_path: Path) -> None:
    r = cli("--debug", "probe", str(tmp_path / "missing.mp4"))
    assert r.returncode != 0 and "Traceback" in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".tlproj", ".otio"])
def test_render_project_file(tmp_path: Path, media: dict[str, Path], suffix: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 3, 7))
    src = tmp_path / f"p{suffix}"
    io.save(project, src) if suffix == ".tlproj" else write_otio(project, src)
    r = cli("render", str(src), "-o", str(tmp_path / "o.mp4"), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(tmp_path / "o.mp4")) as c:
        got = [read_frame_index(f.to_ndarray(format="rgb24"))[0] for f in c.decode(video=0)]
    assert got == list(range(3, 10))
    dry = cli("render", str(src), "-o", str(tmp_path / "d.mp4"), "--dry-run")
    assert "filter_complex" in dry.stdout and not (tmp_path / "d.mp4").exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"schema": "Project.99"}', "unknown version 'Project.99'"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_render_bad_project_file(tmp_path: Path, content: str, fragment: str) -> None:
    bad = tmp_path / "bad.tlproj"
    bad.write_text(content)
    r = cli("render", str(bad), "-o", str(tmp_path / "o.mp4"))
    assert r.returncode == 1 and fragment in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("o.mp4*"))


def test_schema_command(tmp_path: Path) -> None:
    r = cli("schema", "-o", str(tmp_path / "s.json"))
    assert r.returncode == 0, r.stderr
    schema = json.loads((tmp_path / "s.json").read_text())
    assert schema["properties"]["schema"] == {"const": "Project.1"}
    assert "tracks" in schema["properties"]
    again = cli("schema", "-o", str(tmp_path / "s.json"))  # an earlier schema is replaced
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("content", [b'{"schema": "Project.1", "name": "mine"}', b"notes", b"", b"{}"])
def test_schema_never_replaces_a_file_that_is_not_a_schema(tmp_path: Path, content: bytes) -> None:
    """``schema -o demo.tlproj`` silently replaced the user's project (review 64)."""
    mine = tmp_path / "demo.tlproj"
    mine.write_bytes(content)
    r = cli("schema", "-o", str(mine))
    assert r.returncode == 1 and "exists and is not a timeline_lab JSON Schema; pass --overwrite" in r.stderr
    assert mine.read_bytes() == content
    assert cli("schema", "-o", str(mine), "--overwrite").returncode == 0
    assert json.loads(mine.read_text())["properties"]["schema"] == {"const": "Project.1"}


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_workers_below_one_is_a_usage_error_not_a_hang(tmp_path: Path, workers: str) -> None:
    r = cli("render", str(tmp_path / "p.tlproj"), "-o", str(tmp_path / "o.mp4"), "--workers", workers)
    assert r.returncode == 2 and "argument --workers" in r.stderr


def test_cluster_of_no_workers_is_refused_from_python(tmp_path: Path) -> None:
    from timeline_lab.errors import RenderError
    from timeline_lab.media.synth import make_clip

    clip = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=25, frames=10)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("w", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 10))
    for n in (0, -2):
        with pytest.raises(RenderError, match="cluster: a number of local workers must be 1 or more"):
            studio.render(project, tmp_path / "o.mp4", progress=False, cluster=n)


@pytest.mark.slow
def test_output_cut_short_by_the_reader_is_not_an_error(media: dict[str, Path], tmp_path: Path) -> None:
    """`timeline-lab render P --dry-run | head -1`: no 'Broken pipe' error, exit 0."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    for k in range(400):  # a plan longer than a pipe's buffer
        project.tracks[0].append(studio.clip(media["pal"], k % 20, 1))
    io.save(project, tmp_path / "long.tlproj")
    args = [sys.executable, "-m", "timeline_lab", "render", "long.tlproj", "-o", "x.mp4", "--dry-run"]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err


@pytest.mark.slow
def test_a_media_file_given_as_the_project_is_named_as_such(media: dict[str, Path], tmp_path: Path) -> None:
    r = cli("render", str(media["pal"]), "-o", str(tmp_path / "o.mp4"))
    assert r.returncode == 1 and "is a media file, not a project" in r.stderr
    assert "Traceback" not in r.stderr and "JSON" not in r.stderr


@pytest.mark.slow
def test_render_into_a_missing_folder_fails_before_any_progress(tmp_path: Path) -> None:
    cli("demo", "--dir", str(tmp_path / "d"), "-q")
    r = cli("render", str(tmp_path / "d" / "demo.tlproj"), "-o", str(tmp_path / "nope" / "o.mp4"))
    assert r.returncode == 1 and "does not exist" in r.stderr
    assert "frame/s" not in r.stderr and "%|" not in r.stderr  # no tqdm bar was started


def test_render_never_replaces_someone_elses_file_without_overwrite(tmp_path: Path) -> None:
    cli("demo", "--dir", str(tmp_path / "d"), "-q")
    project, target = str(tmp_path / "d" / "demo.tlproj"), tmp_path / "notes.mp4"
    target.write_bytes(b"my notes")
    r = cli("render", project, "-o", str(target), "-q")
    assert r.returncode == 1 and "not a render of this project" in r.stderr and "Traceback" not in r.stderr
    assert target.read_bytes() == b"my notes"
    assert cli("render", project, "-o", str(target), "-q", "--overwrite").returncode == 0
    assert cli("render", project, "-o", str(target), "-q").returncode == 0  # now it is the project's own


def test_render_a_range_at_another_size(tmp_path: Path) -> None:
    import av

    cli("demo", "--dir", str(tmp_path / "d"), "-q")
    project = str(tmp_path / "d" / "demo.tlproj")
    out = tmp_path / "part.mp4"
    r = cli("render", project, "-o", str(out), "-q", "--size", "160x90", "--range", "5-15")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        frames = [f for f in c.decode(video=0)]
    assert len(frames) == 10 and (frames[0].width, frames[0].height) == (160, 90)
    tc = cli("render", project, "-o", str(tmp_path / "tc.mp4"), "-q", "--range", "00:00:00:00-00:00:00:08")
    assert tc.returncode == 0, tc.stderr
    odd = cli("render", project, "-o", str(tmp_path / "x.mp4"), "--size", "321x241")
    assert odd.returncode == 1 and "--size 321x241: width and height must be even" in odd.stderr
    bad = cli("render", project, "-o", str(tmp_path / "x.mp4"), "--size", "big")
    assert bad.returncode == 2 and "expected WIDTHxHEIGHT" in bad.stderr
    outside = cli("render", project, "-o", str(tmp_path / "y.mp4"), "--range", "5-99999")
    assert outside.returncode == 1 and "must be within the timeline" in outside.stderr


def test_rate_of_an_imported_timeline_and_its_encoder_preset(tmp_path: Path) -> None:
    import opentimelineio as otio

    from timeline_lab.media.synth import make_clip

    media = make_clip(tmp_path / "cam.mp4", width=96, height=64, rate=24, frames=24, tag=1)
    ref = otio.schema.ExternalReference(target_url=media.name)  # relative to the .otio's folder
    rng = otio.opentime.TimeRange(otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(24, 24))
    tl = otio.schema.Timeline(name="no sequence rate")
    tl.tracks.append(otio.schema.Track(name="V1"))
    tl.tracks[0].append(otio.schema.Clip(name="cam", media_reference=ref, source_range=rng))
    otio.adapters.write_to_file(tl, str(tmp_path / "cut.otio"))
    out = tmp_path / "at12.mp4"
    r = cli("render", "cut.otio", "-o", str(out), "-q", "--rate", "12", "--preset", "ultrafast", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        frames = list(c.decode(video=0))
        assert c.streams.video[0].average_rate == 12
    # one second of 24 fps media at 12 fps: every other source frame
    assert [read_frame_index(f.to_ndarray(format="rgb24"))[0] for f in frames] == list(range(0, 24, 2))
    cli("demo", "--dir", str(tmp_path / "d"), "-q")
    project = tmp_path / "d" / "demo.tlproj"
    wrong = cli("render", str(project), "-o", str(tmp_path / "x.mp4"), "--rate", "50")
    assert wrong.returncode == 1 and "--rate sets the rate of an imported timeline" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_chapters_command_prints_youtubes_list_or_names_the_broken_rule(tmp_path: Path) -> None:
    from PIL import Image

    from timeline_lab.model.marker import Marker
    from timeline_lab.model.time import RationalTime

    Image.new("RGB", (32, 24), (200, 40, 40)).save(tmp_path / "card.png")
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=32, height=24, frame_rate=25)
    project.tracks[0].append(studio.clip(tmp_path / "card.png", 0, 25 * 75, rate=25))
    for secs, name in [(0, "Intro"), (20, "Setup"), (61, "Wrap-up")]:
        project.add_marker(Marker(time=RationalTime.from_frames(secs * 25, 25), name=name))
    span = RationalTime.from_frames(25, 25)
    project.add_marker(Marker(time=RationalTime.from_frames(25 * 25, 25), name="hit", duration=span))
    io.save(project, tmp_path / "talk.tlproj")
    r = cli("chapters", "talk.tlproj", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "0:00 Intro\n0:20 Setup\n1:01 Wrap-up\n"
    bad = cli("chapters", "talk.tlproj", "--select", "all", cwd=tmp_path)  # the region splits Setup
    assert bad.returncode == 1 and bad.stdout == ""
    assert (
        bad.stderr
        == "timeline-lab chapters: error: chapters: 'Setup' lasts 5.00 s; YouTube needs at least 10 s\n"
    )
    lenient = cli("chapters", "talk.tlproj", "--select", "all", "--lenient", cwd=tmp_path)
    assert lenient.stdout == "0:00 Intro\n0:20 Setup\n0:25 hit\n1:01 Wrap-up\n"


def test_the_module_entry_point_flushes_everything_and_keeps_the_exit_status(tmp_path: Path) -> None:
    """``python -m timeline_lab`` leaves with os._exit after the exit handlers: output is whole."""
    done = subprocess.run([sys.executable, "-m", "timeline_lab", "schema"], capture_output=True, text=True)
    assert done.returncode == 0
    assert json.loads(done.stdout)["title"]  # all of it (~40 kB), not a truncated buffer
    failed = subprocess.run(
        [sys.executable, "-m", "timeline_lab", "probe", str(tmp_path / "missing.mp4")],
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1 and "no such file" in failed.stderr
    usage = subprocess.run([sys.executable, "-m", "timeline_lab", "render"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage" in usage.stderr
