"""Smart render on sources made the way phones, cameras and other tools make them (``_corpus``):
every frame is the model's, the output decodes clean, the sound is the full render's and in sync
with the picture; what smart render cannot copy is refused by name, and render_auto renders it in full.
"""

from __future__ import annotations

import functools
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.core.events import EventBus, RenderStarted
from timeline_lab.errors import RenderError
from timeline_lab.media.synth import read_frame_indices
from timeline_lab.model import Clip, Project
from timeline_lab.render import ExportSettings, compile_plan, execute
from timeline_lab.render.smart import check_smart, render_auto, smart_render
from timeline_lab.render.smart.audio import total_samples
from timeline_lab.render.smart.prepare import prepare
from timeline_lab.render.smart.splice import copies
from timeline_lab.studio import Studio

from ._corpus import VARIANTS, chirp, make

pytestmark = pytest.mark.slow
_Pcm = np.ndarray  # (channels, samples) float32
GUARD = 1536
"""Samples left out of the sync check at each clip edge: an AAC frame and a half of overlap."""
LAGS = 4000
"""Samples the sync check looks either side for the model's sound."""
SLACK = 48
"""Samples a source's sound may sit off its intended place: the CLI's edit lists are in ms."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@functools.cache
def tags(path: Path) -> list[tuple[int, int]]:
    """(base frame, tag) of each frame of a source, as a player shows them."""
    return read_frame_indices(path)


def sources(name: str, folder: Path) -> tuple[Path, Path]:
    """The variant's file and the edit's second source."""
    partner = VARIANTS[name].partner
    return make(name, folder), make(partner, folder) if partner else make(name, folder, companion=True)


def edit(
    name: str, folder: Path, tmp_path: Path, rate: Fraction | None = None, **settings: object
) -> Project:
    """Four clips: the head of ``a`` and a split of it that keeps the sound running, cuts at odd
    frames inside GOPs in ``b``, and ``a`` again 16 frames off (on the AAC grid at 25 and 30 fps)."""
    a, b = sources(name, folder)
    v = VARIANTS[name]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(name, width=160, height=120, frame_rate=rate or v.base.rate, **settings)
    track = project.tracks[0]
    for path, first, count in ((a, 0, 37), (a, 37, 22), (b, 13, 28), (a, 71, 29)):
        stream = v.audio_stream if path == a or v.partner is None else None
        track.append(studio.clip(path, first, count, audio_stream=stream))
    return project


def expected(project: Project) -> list[tuple[int, int]]:
    """(base frame, tag) per output frame, by the model's own rule."""
    rate, out = project.settings.frame_rate, []
    for item in project.tracks[0].items:
        assert isinstance(item, Clip)
        shown = tags(Path(item.media.path))
        out += [shown[item.source_frame_at(k, rate)] for k in range(item.frames(rate))]
    return out


def decode_clean(path: Path) -> None:
    cmd = ["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert run.returncode == 0 and not run.stderr, run.stderr


def decoded(path: Path) -> tuple[_Pcm, int]:
    """(samples the track's edit list keeps, the track's duration in samples)."""
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        frames = list(c.decode(st))
        assert st.duration is not None and frames[0].pts == 0
        pcm = np.concatenate([f.to_ndarray() for f in frames], axis=1)
        return pcm[:, : st.duration], st.duration


def snr(ref: _Pcm, got: _Pcm) -> float:
    noise = float(np.sum((ref - got) ** 2))
    return float(10 * np.log10(float(np.sum(ref**2)) / max(noise, 1e-20)))


def chirp_of(path: Path, stream: int | None) -> tuple[float | None, Fraction]:
    """(the chirp's start in Hz, the sound's lead on the picture) of a corpus file's chosen stream."""
    v = VARIANTS[path.stem.removesuffix("-2")]
    if not v.tones:
        return None, v.lead
    hz = v.tones[1 if stream is not None and stream > 1 else 0]
    return hz * 1.5 if path.stem.endswith("-2") else hz, v.lead


def sync(project: Project, pcm: _Pcm) -> list[tuple[int, float] | None]:
    """Per clip, where its sound is against the model's (the chirp at the base time of the picture
    shown, silent where the source has none): (lag in samples, SNR there), None for silence."""
    s = project.settings
    rate, sr, out = s.frame_rate, s.sample_rate, []
    mono = pcm.sum(axis=0)
    for item in project.tracks[0].items:
        assert isinstance(item, Clip)
        path = Path(item.media.path)
        hz, lead = chirp_of(path, item.media.audio_stream)
        v = VARIANTS[path.stem.removesuffix("-2")]
        o = Fraction(item.start.to_frames(rate)) / rate * sr
        lo, hi = int(o) + GUARD, int(o + Fraction(item.frames(rate)) / rate * sr) - GUARD
        got = mono[lo:hi]
        if hz is None:
            out.append(None if np.abs(got).max() < 1e-3 else (0, -np.inf))
            continue
        base0 = Fraction(tags(path)[item.source_frame_at(0, rate)][0]) / v.base.rate
        t = float(base0 + lead) + (np.arange(lo - LAGS, hi + LAGS) - float(o)) / sr  # base audio times
        model = chirp(hz, np.where(t < v.base.frames / float(v.base.rate), t, -1))
        lag = int(np.argmax(np.abs(np.correlate(model, got, "valid")))) - LAGS
        want = model[LAGS + lag : LAGS + lag + len(got)]
        gain = float(got @ want / (want @ want))
        out.append((lag, round(snr(gain * want, got), 1)))
    return out


def full_render(project: Project, path: Path) -> Path:
    return execute(compile_plan(project, ExportSettings(path, video_codec="libx264")))


SMART = [
    "bframes3", "gop250", "gop3", "main", "baseline", "faststart", "fragmented", "audio_late",
    "video_late", "edit_list", "mono", "surround", "aac64k", "aac_main", "mp3", "opus", "two_audio",
    "silent", "sr44k_25", "sr44k_30", "sr44k_ntsc",
]  # fmt: skip
# the project as the source is (6 channels, 44.1 kHz, mono): the sound can be copied
SETTINGS = {"surround": {"channels": 6}, "sr44k_25": {"sample_rate": 44100}, "mono": {"channels": 1}}
COPIED = {"bframes3", "gop250", "gop3", "main", "baseline", "faststart", "edit_list", "aac64k"}
"""Variants whose sound is copied (AAC LC, the project's rate and layout, on the grid)."""


@pytest.mark.parametrize("name", SMART)
@pytest.mark.parametrize("settings", ["project", "source"])
def test_cuts_are_exact_and_in_sync(name: str, settings: str, folder: Path, tmp_path: Path) -> None:
    if settings == "source" and name not in SETTINGS:
        pytest.skip("the project's settings are the source's")
    project = edit(name, folder, tmp_path, **(SETTINGS.get(name, {}) if settings == "source" else {}))
    export = ExportSettings(tmp_path / "smart.mp4")
    assert check_smart(project, export).ok, check_smart(project, export).reason
    bus, started = EventBus(), list[RenderStarted]()
    bus.subscribe(RenderStarted, started.append)
    smart = render_auto(project, export, bus=bus)
    assert [e.encoder for e in started] == ["copy+libx264"], "render_auto took the smart path"
    full = full_render(project, tmp_path / "full.mp4")
    want = expected(project)
    assert tags(smart) == want
    assert tags(full) == want
    decode_clean(smart)
    (s, s_len), (f, f_len) = decoded(smart), decoded(full)
    plan = prepare(project, export)
    assert s_len == f_len == total_samples(plan), "exactly the timeline's samples"
    assert s.shape == f.shape
    if name != "silent":
        assert snr(f, s) > 30, "the smart sound is the full render's, within the codec's tolerance"
    in_full, in_smart = sync(project, f), sync(project, s)
    assert [x and x[0] for x in in_smart] == [x and x[0] for x in in_full], "in sync as the full render"
    for clip, got in zip(project.tracks[0].items, in_smart, strict=True):
        assert got is None or (abs(got[0]) <= SLACK and got[1] > 15), f"{clip.label()}: {in_smart}"
    if name in COPIED or (settings == "source" and name in SETTINGS):
        assert copies(plan), "some of the sound is copied"


def test_smart_render_alone_gives_the_same_file(folder: Path, tmp_path: Path) -> None:
    project = edit("bframes3", folder, tmp_path)
    out = smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    assert tags(out) == expected(project)
    decode_clean(out)


@pytest.mark.parametrize(
    ("name", "rate", "cause"),
    [
        ("open_gop", None, "GOP at source frame 0 is open or irregular"),
        ("rotated", None, "source rotation is 90, the project's is 0"),
        ("sar", None, "source pixel aspect ratio is 4/3, the project's is 1"),
        ("vfr", None, "source frame rate is variable"),
        ("sr44k_30", Fraction(25), "source frame rate is 30, the project's is 25"),
    ],
)
def test_refusals_name_the_clip_and_auto_renders_in_full(
    name: str, rate: Fraction | None, cause: str, folder: Path, tmp_path: Path
) -> None:
    project = edit(name, folder, tmp_path, rate)
    first = project.tracks[0].items[0]
    with pytest.raises(RenderError, match=rf"clip {first.label()!r}.*{cause}"):
        smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    assert not (tmp_path / "smart.mp4").exists()
    bus, started = EventBus(), list[RenderStarted]()
    bus.subscribe(RenderStarted, started.append)
    auto = render_auto(project, ExportSettings(tmp_path / "auto.mp4"), bus=bus)
    assert started and started[-1].encoder != "copy+libx264"
    decode_clean(auto)
    full = full_render(project, tmp_path / "full.mp4")
    assert tags(auto) == tags(full)
    assert len(tags(auto)) == project.duration().to_frames(project.settings.frame_rate)
    if name in ("open_gop", "sr44k_30"):  # the pictures as they are: each frame readable
        assert tags(auto) == expected(project)
    (a, a_len), (f, f_len) = decoded(auto), decoded(full)
    assert a_len == f_len and snr(f, a) > 30
