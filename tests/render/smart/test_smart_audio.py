"""Smart render's audio: source AAC packets copied where they land on the grid, windows re-encoded
around the cuts; the sound matches a full render's within the codec's tolerance, sample for sample."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project
from timeline_lab.render import ExportSettings, compile_plan, execute
from timeline_lab.render.encoding.aac_splice import FRAME
from timeline_lab.render.smart import smart_render
from timeline_lab.render.smart.audio import audio_chunks, total_samples
from timeline_lab.render.smart.prepare import prepare
from timeline_lab.render.smart.splice import layout
from timeline_lab.render.smart.track import parts, pool_size
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow
NTSC = Fraction(30000, 1001)
_Pcm = np.ndarray  # (channels, samples) float32

# (rate, clips as (source, first frame, frame count))
EDITS = {
    # at 25 fps a frame is 1920 samples: removing 16 frames moves the sound by 30 whole AAC frames
    "grid": (25, [("pal", 0, 80), ("pal", 96, 150)]),
    "split": (25, [("pal", 0, 100), ("pal", 100, 150)]),  # one run of sound, cut in two
    "mixed": (25, [("pal", 0, 80), ("pal", 96, 100), ("pal2", 7, 60)]),  # the last is off the grid
    # 29.97: the two offsets differ by no whole AAC frame; the track's lead puts the first on its grid
    "off-grid": (NTSC, [("ntsc", 13, 100), ("ntsc", 150, 90)]),
    "trim": (NTSC, [("ntsc", 37, 180)]),  # one clip trimmed at both ends: its sound is copied
    # the sound starts mid-tone: the window's encoder meets an onset (short blocks) the source's did
    # not, so the join after it must wait until both encoders' windows agree
    "mid": (25, [("pal", 16, 80), ("pal", 112, 100)]),
}


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("smart-audio")

    def clip(name: str, rate: Fraction | int, tag: int, hz: float) -> Path:
        return make_clip(d / name, width=160, height=120, rate=rate, frames=250, tag=tag, tone_hz=hz)

    return {
        "pal": clip("pal.mp4", 25, 1, 440.0),
        "pal2": clip("pal2.mp4", 25, 2, 660.0),
        "ntsc": clip("ntsc.mp4", NTSC, 3, 880.0),
    }


def edit(name: str, src: dict[str, Path], tmp_path: Path, volume: float = 1.0) -> Project:
    rate, clips = EDITS[name]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(name, width=160, height=120, frame_rate=rate)
    for source, first, count in clips:
        project.tracks[0].append(studio.clip(src[source], first, count))
    project.tracks[0].items[-1].volume = volume
    return project


def decoded(path: Path) -> tuple[_Pcm, int, int]:
    """(samples, first frame's pts, the track's duration in samples: what its edit list keeps)."""
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        frames = list(c.decode(st))
        assert st.duration is not None and frames[0].pts is not None
        return np.concatenate([f.to_ndarray() for f in frames], axis=1), frames[0].pts, st.duration


def snr(ref: _Pcm, got: _Pcm) -> float:
    noise = float(np.sum((ref - got) ** 2))
    return 10 * np.log10(float(np.sum(ref**2)) / max(noise, 1e-20))


def renders(project: Project, tmp_path: Path) -> tuple[Path, Path]:
    smart = smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    full = execute(compile_plan(project, ExportSettings(tmp_path / "full.mp4", video_codec="libx264")))
    return smart, full


def aac_packets(path: Path) -> dict[int, bytes]:
    """The audio packets by pts (in samples)."""
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        assert st.time_base == Fraction(1, st.sample_rate)
        return {p.pts: bytes(p) for p in c.demux(st) if p.pts is not None and p.size}


@pytest.mark.parametrize(
    ("name", "copied"),
    [
        ("grid", [(1024, 151552), (154624, 439296)]),  # a window of 3 AAC frames around the cut
        ("split", [(1024, 477184)]),  # the sound runs on: no window at the cut
        ("mixed", [(1024, 151552), (154624, 343040)]),
        ("off-grid", [(2048, 157696)]),  # track samples: the timeline's + 341, the lead
        ("trim", [(2048, 286720)]),
    ],
)
def test_parts_tile_the_grid_and_copy_only_aligned_clips(
    name: str, copied: list[tuple[int, int]], src: dict[str, Path], tmp_path: Path
) -> None:
    plan = prepare(edit(name, src, tmp_path), ExportSettings(tmp_path / "x.mp4"))
    got, lead = parts(plan, pool_size()), layout(plan).lead
    assert 0 <= lead < FRAME and (lead == 0) == (name not in ("off-grid", "trim"))
    assert got[0][0] == 0 and got[-1][1] == total_samples(plan) + lead
    assert all(a[1] == b[0] for a, b in itertools.pairwise(got)), "parts meet end to start"
    assert all(a % FRAME == 0 for a, _, _ in got), "every part starts on the grid"
    assert [(a, b) for a, b, c in got if c is not None] == copied


def test_a_volume_is_encoded_not_copied(src: dict[str, Path], tmp_path: Path) -> None:
    plan = prepare(edit("grid", src, tmp_path, volume=0.5), ExportSettings(tmp_path / "x.mp4"))
    assert [(a, b) for a, b, c in parts(plan, pool_size()) if c is not None] == [(1024, 151552)]


@pytest.mark.parametrize("name", list(EDITS))
def test_sound_matches_a_full_render_sample_for_sample(
    name: str, src: dict[str, Path], tmp_path: Path
) -> None:
    project = edit(name, src, tmp_path)
    smart, full = renders(project, tmp_path)
    plan = prepare(project, ExportSettings(tmp_path / "x.mp4"))
    model = np.concatenate(list(audio_chunks(plan)), axis=1)
    (s, s_first, s_len), (f, f_first, f_len) = decoded(smart), decoded(full)
    assert s_first == f_first == 0, "the sound starts with the picture"
    assert s_len == f_len == model.shape[1] == total_samples(plan), "exactly the timeline's samples"
    s, f = s[:, : model.shape[1]], f[:, : model.shape[1]]
    # copied packets decode to the model's samples, a re-encode's only to the codec's tolerance: on
    # the sources' grid (no lead) the full render encodes the frames the sources did, nearly alike
    assert snr(f, s) > (40 if layout(plan).lead else 50), (
        "the full render's sound, within the codec's tolerance"
    )
    assert snr(model, s) > snr(model, f) - 1
    lead = layout(plan).lead
    if lead:  # the timeline's first sound shares an AAC frame with the lead's silence: an onset there
        err = [float(np.abs(x[:, :FRAME] - model[:, :FRAME]).max()) for x in (s, f)]
        assert err[0] < max(0.3, 2 * err[1]), f"the first frame's error {err}, with the lead's silence"
    for at, _, _ in parts(plan, pool_size())[1:]:  # each join: as clean as a whole encode there, no click
        start = at - lead  # parts are in track samples
        w = slice(max(FRAME if lead else 0, start - 2 * FRAME), start + 2 * FRAME)
        assert snr(model[:, w], s[:, w]) > min(40.0, snr(model[:, w], f[:, w]) - 3), f"join at {start}"
        assert np.abs(s[:, w] - f[:, w]).max() < 0.03, f"join at {start}"


@pytest.mark.parametrize("name", ["grid", "mixed", "off-grid", "trim"])
def test_copied_packets_are_the_sources_bytes(name: str, src: dict[str, Path], tmp_path: Path) -> None:
    project = edit(name, src, tmp_path)
    smart = smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    plan = prepare(project, ExportSettings(tmp_path / "x.mp4"))
    out, lead = aac_packets(smart), layout(plan).lead
    copies = [c for _, _, c in parts(plan, pool_size()) if c is not None]
    assert copies
    for cp in copies:
        source = aac_packets(cp.path)
        for pts in range(cp.start, cp.end, FRAME):  # track samples; the file's are ``lead`` earlier
            assert out[pts - lead] == source[pts - cp.shift], f"packet at {pts}"
    copied = sum((cp.end - cp.start) // FRAME for cp in copies)
    assert len(out) - copied >= 3, "the first frame, a window at the cut and the tail are encoded"


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
@pytest.mark.parametrize("name", ["grid", "mixed", "trim"])
def test_output_decodes_clean(name: str, src: dict[str, Path], tmp_path: Path) -> None:
    smart = smart_render(edit(name, src, tmp_path), ExportSettings(tmp_path / "smart.mp4"))
    cmd = ["ffmpeg", "-v", "error", "-i", str(smart), "-map", "0:a", "-f", "null", "-"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def window_sequences(path: Path) -> list[int | None]:
    """Each AAC packet's window sequence (0 long, 1 long start, 2 eight short, 3 long stop), read
    from its first element's ics_info; None where not readable (the priming packet's fill)."""
    out: list[int | None] = []
    for data in aac_packets(path).values():
        bits = int.from_bytes(data[:4], "big")
        at = {0: 15, 3: 15}.get(bits >> 29, 8 if bits >> 29 == 1 and (bits >> 24) & 1 else -1)
        out.append(None if at < 0 else (bits >> (32 - at - 3)) & 3)
    return out


@pytest.mark.parametrize("name", list(EDITS))
def test_every_join_keeps_a_valid_window_sequence(name: str, src: dict[str, Path], tmp_path: Path) -> None:
    """A packet that ends in short blocks (long start, eight short) must be followed by one that
    starts short (eight short, long stop), a long end by a long start: else the overlap-add across
    the join does not cancel its aliasing, a click where a copy meets a window."""
    smart = smart_render(edit(name, src, tmp_path), ExportSettings(tmp_path / "smart.mp4"))
    seq = window_sequences(smart)
    pairs = [(a, b) for a, b in itertools.pairwise(seq) if a is not None and b is not None]
    assert pairs and all((a in (0, 3)) == (b in (0, 1)) for a, b in pairs), list(enumerate(seq))


@pytest.mark.parametrize("kept", [True, False])
@pytest.mark.parametrize("name", ["grid", "mixed", "trim"])
def test_each_copy_is_read_once_and_a_long_one_is_not_held(
    name: str, kept: bool, src: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The layout's cleanliness check reads a copy's packets; the track takes those (one read of the
    source, not two) unless they are over ``KEPT_BYTES``, when it reads them as the muxer nears them.
    The output is the same byte for byte either way."""
    from timeline_lab.render.smart import splice, track

    project = edit(name, src, tmp_path)
    plan = prepare(project, ExportSettings(tmp_path / "x.mp4"))
    whole = {(cp.start, cp.end) for _, _, cp in parts(plan, pool_size()) if cp is not None}
    assert whole
    reads: list[tuple[int, int]] = []
    real = splice.source_packets

    def counted(cp: splice.Copy, sr: int) -> object:
        reads.append((cp.start, cp.end))
        return real(cp, sr)

    monkeypatch.setattr(splice, "source_packets", counted)
    monkeypatch.setattr(track, "source_packets", counted)
    if not kept:
        monkeypatch.setattr(splice, "KEPT_BYTES", 0)
    out = smart_render(project, ExportSettings(tmp_path / f"{kept}.mp4"))
    for span in whole:  # (the joins' small ranges are read on their own)
        assert reads.count(span) == (1 if kept else 2)
    if kept:
        monkeypatch.setattr(splice, "KEPT_BYTES", 0)
        again = smart_render(project, ExportSettings(tmp_path / "again.mp4"))
        assert aac_packets(again) == aac_packets(out)
