"""Real-world media (issue 12): probe, frame_at, thumbnails, renders, A/V sync and proxies per file kind.

The corpus (``corpus.py``) is made with the ffmpeg CLI the way phones, cameras, browsers and
broadcast make files; ``test_corpus_matches_ffmpeg`` first proves each truth record against FFmpeg's
own reading, then every other test holds timeline_lab to that truth. Known failures are listed in
``KNOWN`` (strict xfail per case: remove the entry when the fix lands).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from .corpus import AUDIO_ONLY, BURST_HZ, COMMENTARY_HZ, FFMPEG, KINDS, SEQUENCES, STILLS, VIDEO, Media, build

if FFMPEG is None:
    pytest.skip("the ffmpeg CLI is not installed (Debian: apt-get install ffmpeg)", allow_module_level=True)

from timeline_lab.media._decoder import close_readers, frame_at
from timeline_lab.media.previews import thumbnail
from timeline_lab.media.probe import probe
from timeline_lab.media.proxy import make_proxy
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model.time import RationalTime
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow

AUDIO_FRAME = Fraction(1024, 48000)  # A/V tolerance: one AAC frame
MAX_RENDER_WIDTH = 320  # big sources (DVD, DV) render scaled down, at their display aspect

# (check, kind) -> why it fails today; each becomes a strict xfail, so a fix makes the suite say so.
KNOWN: dict[tuple[str, str], str] = {
    ("frame_at", "sequence"): "image sequences: probe/frame_at say 'no such file' for frames/%05d.png",
    ("proxy", "rotate90"): "proxy ignores the display matrix (192x108 sideways)",
    ("proxy", "rotate180"): "proxy ignores the display matrix (upside down)",
    ("proxy", "rotate270"): "proxy ignores the display matrix (192x108 sideways)",
    ("proxy", "dv_ntsc"): "proxy: AAC encoder refuses PCM-in-AVI's unnamed layout ('2 channels')",
    ("proxy", "mjpeg_mono"): "proxy: AAC encoder refuses PCM-in-AVI's unnamed layout ('1 channels')",
    ("proxy", "divx_mp3"): "proxy: muxing AAC made from MP3-in-AVI frames fails (EINVAL, timestamps)",
    ("choose_video", "two_video"): "Studio.clip has no video_stream=",
    ("choose_audio", "two_audio"): "Studio.clip has no audio_stream=",
    ("sequence_clip", "sequence"): "Studio.clip has no rate= (image sequences)",
    ("still_clip", "still_png"): "a still is a 1-frame clip ('frames 0..6 are not within its 1 frames')",
    ("still_clip", "still_jpg"): "a still is a 1-frame clip ('frames 0..6 are not within its 1 frames')",
}


def cases(check: str, kinds: Iterable[str | tuple[str, Any]]) -> list[Any]:
    """One parameter per kind (or per ``(kind, ...)`` tuple), strict-xfailed where ``KNOWN`` lists it."""
    out = []
    for case in kinds:
        values = case if isinstance(case, tuple) else (case,)
        reason = KNOWN.get((check, values[0]))
        marks = [pytest.mark.xfail(strict=True, reason=f"issue 12: {reason}")] if reason else []
        out.append(pytest.param(*values, marks=marks))
    return out


@pytest.fixture(scope="session")
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Media]:
    """Every kind, built once and kept in pytest's cache folder (keyed by the generator's content)."""
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    root = cache.mkdir("media-corpus") if cache is not None else tmp_path_factory.mktemp("media-corpus")
    return build(Path(root))


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Thumbnails and proxies go to a fresh cache; pooled readers are closed afterwards."""
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(tmp_path / "cache"))
    yield
    close_readers()


# --- helpers ------------------------------------------------------------------------------------
def code(rgb: np.ndarray) -> tuple[int, int]:
    """(index, tag) painted in a picture."""
    return read_frame_index(rgb)


def aspect_ok(shape: tuple[int, ...], m: Media, slack: float = 0.03) -> bool:
    """True when a (h, w, ...) picture has the display aspect of ``m``."""
    h, w = shape[:2]
    return abs((w / h) / (m.display[0] / m.display[1]) - 1) < slack


def onset(pcm: np.ndarray, sr: int, threshold: float = 0.2) -> Fraction | None:
    """Time (s) of the first sample louder than ``threshold`` (the burst is 0.5 full scale)."""
    loud = np.flatnonzero(np.abs(pcm) > threshold)
    return Fraction(int(loud[0]), sr) if loud.size else None


def band(pcm: np.ndarray, sr: int, hz: float) -> float:
    """Spectral energy near ``hz``."""
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    freqs = np.fft.rfftfreq(len(pcm), 1 / sr)
    return float(spectrum[(freqs > hz - 30) & (freqs < hz + 30)].sum())


def decode(path: Path) -> tuple[list[np.ndarray], np.ndarray, int]:
    """Every picture of a render (RGB) and its first audio channel."""
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    pcm, sr = np.zeros(0, np.float32), 48000
    with av.open(str(path)) as c:
        if c.streams.audio:
            sr = c.streams.audio[0].sample_rate
            planar = av.AudioResampler(format="fltp")
            chunks = [g.to_ndarray()[0] for f in c.decode(audio=0) for g in planar.resample(f)]
            pcm = np.concatenate(chunks) if chunks else pcm
    return frames, pcm, sr


def canvas(m: Media) -> tuple[int, int]:
    """Even project size at the display aspect of ``m``, at most MAX_RENDER_WIDTH wide."""
    w, h = m.display
    scale = min(Fraction(1), Fraction(MAX_RENDER_WIDTH, w))
    return max(2, round(w * scale / 2) * 2), max(2, round(h * scale / 2) * 2)


def other_rate(m: Media) -> Fraction:
    """A project rate that is not the source's (so conform and rounding are exercised)."""
    if m.rate is None:
        return Fraction(24)
    return Fraction(30000, 1001) if abs(m.rate - 25) < 3 or m.rate < 20 else Fraction(25)


def render_clip(
    m: Media, tmp_path: Path, rate: Fraction, first: int, count: int | None = None, **clip: Any
) -> tuple[list[np.ndarray], np.ndarray, int, list[int], Fraction]:
    """Render one clip of ``m`` at ``rate``: (frames, audio, sr, expected indices, source start s)."""
    studio = Studio(workspace=tmp_path)
    w, h = canvas(m)
    project = studio.new_project(width=w, height=h, frame_rate=rate)
    item = studio.clip(m.path, first, count, **clip)
    project.tracks[0].append(item)
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    frames, pcm, sr = decode(out)
    src0 = item.source_range.start.to_seconds()
    n = project.duration().to_frames(rate)
    want = [m.shown_at(src0 + Fraction(j) / rate) for j in range(n)]
    return frames, pcm, sr, want, src0


def check_frames(m: Media, frames: list[np.ndarray], want: list[int]) -> None:
    """Every output frame is the expected source frame (index and tag)."""
    got = [code(f) for f in frames]
    assert len(got) == len(want), f"{m.name}: rendered {len(got)} frames, expected {len(want)}"
    bad = [(j, g, w) for j, (g, w) in enumerate(zip(got, want, strict=True)) if g != (w, m.tag)]
    assert not bad, f"{m.name}: (frame, got, want index) {bad[:6]} of {len(bad)}; tag {m.tag}"


# --- the corpus itself, read by FFmpeg ------------------------------------------------------------
def ffmpeg_indices(m: Media) -> list[tuple[int, int]]:
    """Shown frames decoded by the ffmpeg CLI (rotation applied by it, scaled to the display size)."""
    assert FFMPEG is not None
    w, h = m.display
    src = ["-framerate", "24", "-i", m.path] if m.kind == "sequence" else ["-i", m.path]
    pick = ["-map", f"0:{m.video_stream}"] if m.video_stream is not None else []
    out = f"-vf scale={w}:{h} -fps_mode passthrough -f rawvideo -pix_fmt gray pipe:1".split()
    raw = subprocess.run([FFMPEG, "-v", "error", *src, *pick, *out], capture_output=True, check=True).stdout
    return [code(p) for p in np.frombuffer(raw, np.uint8).reshape(-1, h, w)]


def ffmpeg_audio_onset(m: Media, stream: int) -> Fraction | None:
    """Burst time as the ffmpeg CLI plays it: absolute with video, from the first sample without.

    Absolute means by timestamps: silence before the first packet, and gaps between packets
    (over 1 ms) filled, as a player does.
    """
    assert FFMPEG is not None
    pad = "aresample=async=1:min_hard_comp=0.001:first_pts=0"
    src = ["-copyts", "-i", m.path, "-af", pad] if m.video_stream is not None else ["-i", m.path]
    out = f"-map 0:{stream} -ac 1 -ar 48000 -f f32le pipe:1".split()
    raw = subprocess.run([FFMPEG, "-v", "error", *src, *out], capture_output=True, check=True).stdout
    return onset(np.frombuffer(raw, np.float32), 48000)


@pytest.mark.parametrize("kind", KINDS)
def test_corpus_matches_ffmpeg(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    if m.kind != "audio":
        assert ffmpeg_indices(m) == [(i, m.tag) for i in m.indices]
    if m.kind == "video":
        assert m.start is not None
        rel = [t - m.start for t in m.ff_times]
        assert len(rel) == m.frames
        assert max(abs(a - b) for a, b in zip(rel, m.times, strict=True)) <= Fraction(1, 1000)
        with av.open(m.path) as c:
            s = c.streams[m.video_stream]
            assert (s.codec_context.width, s.codec_context.height) == m.size
            assert Fraction(s.sample_aspect_ratio or 1) == m.sar
            assert next(c.decode(s)).rotation % 360 == m.rotation
    if m.burst is not None and m.audio_stream is not None:
        t = ffmpeg_audio_onset(m, m.audio_stream)
        assert t is not None
        # FFmpeg leaves Opus pre-skip (6.5 ms) in the timestamps, so a few ms of slack
        assert abs(t - (m.start or 0) - m.burst) <= Fraction(8, 1000), f"burst at {float(t):.4f} s"


# --- probe ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", cases("probe_frames", VIDEO))
def test_probe_counts_shown_frames_and_rate(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    v = probe(m.path).primary_video
    assert v is not None
    assert (v.frame_count, v.variable_frame_rate) == (m.frames, m.vfr)
    if m.rate is not None:
        assert v.frame_rate == m.rate
    else:
        assert abs(v.frame_rate / m.average_rate - 1) < Fraction(2, 100), (
            f"average rate {float(v.frame_rate)}"
        )


@pytest.mark.parametrize("kind", cases("probe_start", VIDEO))
def test_probe_start_is_the_first_shown_frame(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    v = probe(m.path).primary_video
    assert v is not None and m.start is not None
    assert abs(v.start.to_seconds() - m.start) <= Fraction(1, 1000), f"start {float(v.start.to_seconds())}"


@pytest.mark.parametrize("kind", cases("probe_geometry", VIDEO))
def test_probe_geometry(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    v = probe(m.path).primary_video
    assert v is not None
    assert (v.width, v.height) == m.size
    assert (v.rotation % 360, v.sample_aspect_ratio) == (m.rotation, m.sar)
    assert (getattr(v, "display_width", None), getattr(v, "display_height", None)) == m.display


@pytest.mark.parametrize("kind", cases("probe_streams", (*VIDEO, *AUDIO_ONLY)))
def test_probe_picks_default_streams(corpus: dict[str, Media], kind: str) -> None:
    """The default-disposition streams are primary; ``default`` mirrors the disposition."""
    m = corpus[kind]
    info = probe(m.path)
    v, a = info.primary_video, info.primary_audio
    assert (v and v.index, a and a.index) == (m.video_stream, m.audio_stream)
    defaults = {s.index: getattr(s, "default", None) for s in (*info.video, *info.audio)}
    assert all(isinstance(d, bool) for d in defaults.values()), defaults
    others = [i for i, _ in (*m.other_video, *m.other_audio)]
    if others:  # (single-stream files often mark nothing default)
        assert [defaults[i] for i in others] == [False] * len(others)
        assert defaults[m.video_stream if m.other_video else m.audio_stream] is True


@pytest.mark.parametrize("kind", cases("probe_timecode", VIDEO))
def test_probe_timecode(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    v = probe(m.path).primary_video
    assert v is not None
    assert getattr(v, "timecode", "missing") == m.timecode


# --- frame_at and thumbnails ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", cases("frame_at", (*VIDEO, *STILLS, *SEQUENCES)))
def test_frame_at_every_index_is_the_shown_frame(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    got = []
    for k in range(m.frames):
        rgb = frame_at(m.path, k)
        assert aspect_ok(rgb.shape, m), f"frame {k}: {rgb.shape[1]}x{rgb.shape[0]}, display {m.display}"
        got.append(code(rgb))
    assert got == [(i, m.tag) for i in m.indices]


def probe_times(m: Media) -> list[tuple[Fraction, int]]:
    """(time from the first shown frame, index on screen): on a frame, between, just before the next.

    A constant-rate frame is found exactly at its grid time; a variable-rate one 2 ms either side
    of its design time, past any container's rounding of its timestamp (Matroska: 1 ms).
    """
    tick = Fraction(2, 1000)
    on = tick if m.vfr else Fraction(0)
    out = []
    for k in sorted({0, 1, m.frames // 2, m.frames - 2} & set(range(m.frames - 1))):
        t, nxt = m.times[k], m.times[k + 1]
        out += [(t + on, m.indices[k]), ((t + nxt) / 2, m.indices[k]), (nxt - tick, m.indices[k])]
    last = m.times[-1]  # how long the last frame lasts is the container's guess: just after it starts
    return [*out, (last + on, m.indices[-1]), (last + on + Fraction(1, 1000), m.indices[-1])]


@pytest.mark.parametrize("kind", cases("frame_at_time", VIDEO))
def test_frame_at_time_is_sample_and_hold(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    got = [(float(t), code(frame_at(m.path, RationalTime.from_seconds(t)))[0]) for t, _ in probe_times(m)]
    assert got == [(float(t), i) for t, i in probe_times(m)]


@pytest.mark.parametrize("kind", cases("thumbnail", (*VIDEO, *STILLS)))
def test_thumbnail_shows_the_frame_upright_at_display_aspect(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    for k in sorted({0, m.frames // 2, m.frames - 1}):
        img = np.asarray(thumbnail(m.path, k, width=96))
        assert aspect_ok(img.shape, m, slack=0.05), f"thumbnail {img.shape[1]}x{img.shape[0]}"
        assert code(img) == (m.indices[k], m.tag), f"thumbnail of frame {k}"


# --- renders --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", cases("render", VIDEO))
def test_render_at_source_rate_is_exact_and_in_sync(
    corpus: dict[str, Media], kind: str, tmp_path: Path
) -> None:
    """Frames 4..last (so the clip ends on the file's last frame), and the burst where its frame is."""
    m = corpus[kind]
    frames, pcm, sr, want, src0 = render_clip(m, tmp_path, m.rate or Fraction(30), 4)
    check_frames(m, frames, want)
    if m.burst is not None:
        t = onset(pcm, sr)
        assert t is not None, "no burst in the render's audio"
        drift = float((t - (m.burst - src0)) * 1000)
        assert abs(t - (m.burst - src0)) <= AUDIO_FRAME, f"burst {drift:+.1f} ms from its frame"


@pytest.mark.parametrize("kind", cases("render_conform", VIDEO))
def test_render_conformed_cut_to_last_frame(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    """The last 12 frames at another project rate: conform holds frames, never reads past the end."""
    m = corpus[kind]
    rate = other_rate(m)
    frames, _, _, want, _ = render_clip(m, tmp_path, rate, m.frames - 12)
    check_frames(m, frames, want)


@pytest.mark.parametrize("kind", cases("proxy", VIDEO))
def test_proxy_keeps_every_shown_frame(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    m = corpus[kind]
    height = min(240, m.display[1]) // 2 * 2
    out = make_proxy(m.path, tmp_path / "proxy.mp4", height=height)
    with av.open(str(out)) as c:
        pics = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert aspect_ok(pics[0].shape, m), f"proxy {pics[0].shape[1]}x{pics[0].shape[0]}"
    assert [code(p) for p in pics] == [(i, m.tag) for i in m.indices]


# --- stream choice, stills, sequences, audio-only -------------------------------------------------
@pytest.mark.parametrize("kind", cases("choose_video", ("two_video",)))
def test_clip_chooses_a_video_stream(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    m = corpus[kind]
    index, tag = m.other_video[0]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=96, height=72, frame_rate=25)
    project.tracks[0].append(studio.clip(m.path, 0, 10, video_stream=index))
    frames, _, _ = decode(studio.render(project, tmp_path / "v.mp4", progress=False))
    assert [code(f) for f in frames] == [(i, tag) for i in range(10)]


@pytest.mark.parametrize("kind", cases("choose_audio", ("two_audio",)))
def test_clip_chooses_an_audio_stream(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    m = corpus[kind]
    index, hz = m.other_audio[0]
    assert hz == COMMENTARY_HZ
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(m.path, 0, 25, audio_stream=index))
    _, pcm, sr = decode(studio.render(project, tmp_path / "a.mp4", progress=False))
    window = pcm[sr // 10 : sr // 10 + 9600]
    assert band(window, sr, COMMENTARY_HZ) > 10 * band(window, sr, BURST_HZ)


@pytest.mark.parametrize(
    ("kind", "count"),
    [
        *cases("still_1", [(k, 1) for k in STILLS]),
        *cases("still_clip", [(k, n) for k in STILLS for n in (7, 60)]),
    ],
)
def test_still_is_a_clip_of_any_length(
    corpus: dict[str, Media], kind: str, count: int, tmp_path: Path
) -> None:
    m = corpus[kind]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(m.path, count=count))
    frames, _, _ = decode(studio.render(project, tmp_path / "s.mp4", progress=False))
    assert [code(f) for f in frames] == [(m.indices[0], m.tag)] * count


@pytest.mark.parametrize("kind", cases("sequence_clip", SEQUENCES))
def test_image_sequence_is_a_clip(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    m = corpus[kind]
    assert m.rate is not None
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=m.rate)
    project.tracks[0].append(studio.clip(m.path, rate=m.rate))
    frames, _, _ = decode(studio.render(project, tmp_path / "q.mp4", progress=False))
    assert [code(f) for f in frames] == [(i, m.tag) for i in m.indices]


@pytest.mark.parametrize("kind", cases("audio_only", AUDIO_ONLY))
def test_audio_only_burst_in_place(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    """An audio file on an audio track: its burst plays where it is in the file (encoder delay removed)."""
    m = corpus[kind]
    assert m.burst is not None
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    project.add_track("audio", "A1").append(studio.clip(m.path))
    _, pcm, sr = decode(studio.render(project, tmp_path / "m.mp4", progress=False))
    t = onset(pcm, sr)
    assert t is not None
    assert abs(t - m.burst) <= AUDIO_FRAME, f"burst {float((t - m.burst) * 1000):+.1f} ms late"
