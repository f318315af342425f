"""Smart render on sources made the way phones, cameras and other tools make them (``_corpus``):
every frame is the model's, the output decodes clean, the sound is the full render's and in sync
with the picture; what smart render cannot copy is refused by name, and render_auto renders it in full.
"""

from __future__ import annotations

import functools
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.core.events import EventBus, RenderStarted
from timeline_lab.errors import RenderError
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import BLOCKS, TAG_BITS
from timeline_lab.model import Clip, Project
from timeline_lab.render import ExportSettings, compile_plan, execute
from timeline_lab.render.encoding.aac_splice import FRAME
from timeline_lab.render.smart import check_smart, render_auto, smart_render
from timeline_lab.render.smart.audio import audio_chunks, pcm_range, total_samples
from timeline_lab.render.smart.prepare import prepare
from timeline_lab.render.smart.splice import copies, layout
from timeline_lab.render.smart.track import GROW
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
    """(base frame, tag) of each frame of a file, as a player shows them: ``read_frame_index``'s
    code band, read from the luma plane (the mean over each block's middle half, its rows h/24..h/8)."""
    out = []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        for f in c.decode(stream):
            y = np.frombuffer(f.planes[0], np.uint8).reshape(-1, f.planes[0].line_size)[:, : f.width]
            h, w = y.shape
            sums = np.concatenate([[0], np.cumsum(y[round(h / 24) : round(h / 8)].mean(axis=0))])
            block = np.arange(BLOCKS) * w / BLOCKS
            a, b = (
                np.round(block + w / BLOCKS / 4).astype(int),
                np.round(block + 3 * w / BLOCKS / 4).astype(int),
            )
            code = int("".join("1" if m >= 128 else "0" for m in (sums[b] - sums[a]) / (b - a)), 2)
            out.append((code >> TAG_BITS, code & (2**TAG_BITS - 1)))
    return out


def sources(name: str, folder: Path) -> tuple[Path, Path]:
    """The variant's file and the edit's second source."""
    partner = VARIANTS[name].partner
    return make(name, folder), make(partner or name, folder, companion=True)


def edit(
    name: str, folder: Path, tmp_path: Path, rate: Fraction | None = None, **settings: object
) -> Project:
    """Four clips: the head of ``a`` and a split of it that keeps the sound running, cuts at odd
    frames inside GOPs in ``b``, and ``a`` again 16 frames later (on the AAC grid at 25 and 30 fps)."""
    a, b = sources(name, folder)
    v = VARIANTS[name]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(name, width=160, height=120, frame_rate=rate or v.base.rate, **settings)
    track = project.tracks[0]
    for path, first, count in ((a, 0, 30), (a, 30, 18), (b, 13, 20), (a, 52, 28)):
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
        gone = (t >= v.base.frames / float(v.base.rate)) | (
            (t >= v.hole[0]) & (t < v.hole[1]) if v.hole else False
        )
        model = chirp(hz, np.where(gone, -1, t))
        size = 1 << len(model).bit_length()  # correlation by FFT: model[k + i] * got[i], k = LAGS + lag
        spectrum = np.fft.rfft(model, size) * np.conj(np.fft.rfft(got, size))
        lag = int(np.argmax(np.abs(np.fft.irfft(spectrum, size)[: 2 * LAGS + 1]))) - LAGS
        want = model[LAGS + lag : LAGS + lag + len(got)]
        gain = float(got @ want / (want @ want))
        out.append((lag, round(snr(gain * want, got), 1)))
    return out


def full_render(project: Project, path: Path) -> Path:
    return execute(compile_plan(project, ExportSettings(path, video_codec="libx264")))


SMART = [
    "bframes3", "gop250", "gop3", "main", "baseline", "inband", "slices", "faststart",
    "fragmented", "quicktime", "timescale600", "timescale90k", "audio_first", "timecode", "audio_late",
    "audio_late_grid", "video_late_grid", "audio_early", "video_late", "edit_list", "mono", "surround",
    "aac64k", "aac_main", "mp3", "opus", "two_audio", "silent", "sr44k_25", "sr44k_30", "sr44k_ntsc",
    "jitter", "cover_art", "no_editlist", "p50", "audio_jitter", "audio_gap", "audio_drop", "uneven_gop",
    "end_cut",
]  # fmt: skip
SOURCE = [
    ("surround", {"channels": 6}), ("mono", {"channels": 1}), ("sr44k_25", {"sample_rate": 44100}),
    ("sr44k_30", {"sample_rate": 44100}), ("sr44k_ntsc", {"sample_rate": 44100}),
]  # fmt: skip
"""Projects set as the source is (6 channels, mono, 44.1 kHz), so its sound can be copied."""
COPIED = {
    "bframes3", "gop250", "gop3", "main", "baseline", "inband", "slices", "uneven_gop",
    "faststart", "fragmented", "quicktime", "timescale600", "timescale90k", "audio_first", "timecode",
    "video_late_grid", "no_editlist", "p50", "aac64k", "two_audio", "jitter", "cover_art",
}  # fmt: skip
"""Variants whose sound is copied in part (AAC LC, the project's rate and layout, on the grid)."""
CASES = [(name, {}) for name in SMART] + SOURCE


@pytest.mark.parametrize(("name", "settings"), CASES, ids=[n + ("-as-source" if s else "") for n, s in CASES])
def test_cuts_are_exact_and_in_sync(
    name: str, settings: dict[str, int], folder: Path, tmp_path: Path
) -> None:
    project = edit(name, folder, tmp_path, **settings)
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
        assert got is None or (abs(got[0]) <= SLACK and got[1] > 20), f"{clip.label()}: {in_smart}"
    if name in COPIED or settings:
        assert copies(plan), "some of the sound is copied"


def test_smart_render_alone_gives_the_same_file(folder: Path, tmp_path: Path) -> None:
    project = edit("bframes3", folder, tmp_path)
    out = smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    assert tags(out) == expected(project)
    decode_clean(out)


@pytest.mark.parametrize(
    ("name", "rate", "cause"),
    [
        ("open_gop", None, "keyframes after the first are not IDR"),
        ("rotated", None, "source rotation is 90, the project's is 0"),
        ("sar", None, "source pixel aspect ratio is 4/3, the project's is 1"),
        ("vfr", None, "source frame rate is variable"),
        ("sr44k_30", Fraction(25), "source frame rate is 30, the project's is 25"),
        ("full_range", None, "source pixel format is yuvj420p, the project's is yuv420p"),
        ("mkv", None, "source container is matroska,webm; smart render copies MP4/MOV only"),
        ("mkv_silent", None, "source container is matroska"),  # no dts on its keyframes: no walk
        ("mpegts", None, "source container is mpegts"),
        ("intra_refresh", None, "keyframes after the first are not IDR"),  # recovery points
        ("interlaced", None, "interlaced H.264"),  # libx264's edges would be progressive
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
    decision = check_smart(project, ExportSettings(tmp_path / "smart.mp4"))  # said before a render
    assert not decision and cause in decision.reason
    bus, started = EventBus(), list[RenderStarted]()
    bus.subscribe(RenderStarted, started.append)
    auto = render_auto(project, ExportSettings(tmp_path / "auto.mp4"), bus=bus)
    assert started and started[-1].encoder != "copy+libx264"
    decode_clean(auto)
    rate, sr = project.settings.frame_rate, project.settings.sample_rate
    frames = project.duration().to_frames(rate)
    assert len(tags(auto)) == frames
    if name not in ("rotated", "sar", "vfr"):  # the pictures as they are: each frame readable
        assert tags(auto) == expected(project)
    pcm, samples = decoded(auto)
    assert samples == round(Fraction(frames) / rate * sr)
    if name != "vfr":  # the model's frames (by index) are not the file's there
        found = sync(project, pcm)
        assert all(x is None or (abs(x[0]) <= SLACK and x[1] > 20) for x in found), found


@pytest.mark.parametrize(
    ("other", "cause"),
    [
        ("baseline", "clip 'baseline.mp4' (baseline.mp4): its H.264 SPS 0 differs from that of clip "
         "'bframes3.mp4'"),
        ("main_sps3", "libx264 cannot match (clip 'bframes3.mp4' (bframes3.mp4): profile_idc 100, clip "
         "'main_sps3.mp4' (main_sps3.mp4): profile_idc 77)"),
    ],
)  # fmt: skip
def test_sources_encoded_otherwise_are_refused_naming_both(
    other: str, cause: str, folder: Path, tmp_path: Path
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(make("bframes3", folder), 7, 20))
    project.tracks[0].append(studio.clip(make(other, folder), 13, 20))
    with pytest.raises(RenderError, match=re.escape(cause)):
        smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    auto = render_auto(project, ExportSettings(tmp_path / "auto.mp4"))
    assert tags(auto) == expected(project)


def test_sound_that_starts_inside_a_clip_lands_on_the_models_sample(folder: Path, tmp_path: Path) -> None:
    """The clip starts at 0.28 s, its sound (an edit list's empty edit) at 0.298 s: silence, then
    the source's first sample exactly where its time puts it."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(make("audio_late_grid", folder), 7, 25))
    export = ExportSettings(tmp_path / "out.mp4")
    out = smart_render(project, export)
    model = np.concatenate(list(audio_chunks(prepare(project, export))), axis=1)[0]
    got = decoded(out)[0][0, 4000:44000]
    fits = {k: snr(model[None, 4000 + k : 44000 + k], got[None]) for k in range(-2, 3)}
    assert max(fits, key=fits.__getitem__) == 0, fits


def packets_by_time(path: Path, index: int | None = None) -> dict[int, bytes]:
    """An audio stream's packets by pts in samples (the first audio stream by default)."""
    with av.open(str(path)) as c:
        st = c.streams.audio[0] if index is None else c.streams[index]
        sr = st.codec_context.sample_rate
        assert st.time_base is not None
        return {
            round(p.pts * st.time_base * sr): bytes(p) for p in c.demux(st) if p.pts is not None and p.size
        }


def test_a_jittered_clip_does_not_set_the_grid(folder: Path, tmp_path: Path) -> None:
    """The track's lead follows the clips with the most sound whose packets can be copied: a longer
    clip of a jittered source (its packets are not a clean run of frames) must not cost another its
    copy."""
    jittered, clean = make("audio_jitter", folder), make("faststart", folder)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("jitter", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(jittered, 13, 60))
    project.tracks[0].append(studio.clip(clean, 12, 45))  # at sample 115200: on the grid at lead 0
    export = ExportSettings(tmp_path / "smart.mp4")
    where = layout(prepare(project, export))
    assert where.lead == 0 and [cp.path for cp in where.copies] == [clean]
    out, cp = packets_by_time(smart_render(project, export)), where.copies[0]
    theirs = packets_by_time(clean, cp.index)
    inner = range(cp.start + GROW * FRAME, cp.end - GROW * FRAME, FRAME)  # a window may take GROW
    assert all(out[t] == theirs[t - cp.shift] for t in inner)


@pytest.mark.parametrize(("name", "stream"), [("two_audio", 2), ("fragmented", 1), ("audio_first", 0)])
def test_copied_sound_is_the_chosen_streams_bytes(
    name: str, stream: int, folder: Path, tmp_path: Path
) -> None:
    project = edit(name, folder, tmp_path)
    export = ExportSettings(tmp_path / "smart.mp4")
    out = packets_by_time(smart_render(project, export))
    spans = copies(prepare(project, export))
    assert spans
    for cp in spans:
        assert cp.index == stream
        source = packets_by_time(cp.path, cp.index)
        assert all(out[t] == source[t - cp.shift] for t in range(cp.start, cp.end, FRAME)), cp


@pytest.mark.parametrize(
    "name",
    ["audio_jitter", "audio_gap", "audio_drop", "mp3", "opus", "audio_late", "edit_list", "fragmented"],
)
def test_any_span_of_the_sound_is_the_whole_passes(name: str, folder: Path, tmp_path: Path) -> None:
    """The windows around cuts (and a long clip's parts) read the timeline from inside a clip:
    they must give the samples a pass over the whole track gives there, or their joins click."""
    plan = prepare(edit(name, folder, tmp_path), ExportSettings(tmp_path / "x.mp4"))
    whole = np.concatenate(list(audio_chunks(plan)), axis=1)
    for a in (5000, 30001, 61440, 100000, 131000, 160123):  # inside each clip, on the grid or not
        span = np.concatenate(list(pcm_range(plan, a, a + 9000)), axis=1)
        assert np.abs(span - whole[:, a : a + 9000]).max() < 1e-4, a


def test_a_stream_copy_cuts_remnant_is_left_out(folder: Path, tmp_path: Path) -> None:
    """``-c copy -t`` keeps an anchor past the cut but not the B-frames shown before it: the last
    GOP ends in a hole and a frame never shown; a clip up to the last shown frame copies the rest."""
    src = make("end_cut", folder)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 3, 20))
    shown = probe(src).video[0].frame_count
    assert shown is not None and len(tags(src)) > shown, "a decoder shows the remnant too"
    project.tracks[0].append(studio.clip(src, shown - 17, 17))
    out = smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    assert tags(out) == expected(project)
    decode_clean(out)
