"""Real-world media (issue 12): probe, frame_at, thumbnails, renders, A/V sync and proxies per file kind.

The corpus (``corpus.py``) is made with the ffmpeg CLI the way phones, cameras, browsers and
broadcast make files; ``test_corpus_matches_ffmpeg`` first proves each truth record against FFmpeg's
own reading, then every other test holds timeline_lab to that truth. Known failures are listed in
``KNOWN`` (strict xfail per case: remove the entry when the fix lands).
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from .corpus import (
    AUDIO_ONLY,
    BURST_HZ,
    BURST_MS,
    COMMENTARY_HZ,
    FFMPEG,
    KINDS,
    SEQUENCES,
    STILLS,
    VIDEO,
    Media,
    build,
)

if FFMPEG is None:
    pytest.skip("the ffmpeg CLI is not installed (Debian: apt-get install ffmpeg)", allow_module_level=True)

from timeline_lab.media._decoder import close_readers, frame_at
from timeline_lab.media.previews import thumbnail
from timeline_lab.media.probe import probe
from timeline_lab.media.proxy import make_proxy
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Clip, Project
from timeline_lab.model.time import RationalTime
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow

AUDIO_FRAME = Fraction(1024, 48000)  # A/V tolerance: one AAC frame
MAX_RENDER_WIDTH = 320  # big sources (DVD, DV) render scaled down, at their display aspect

# (check, kind) -> why it fails today; each becomes a strict xfail, so a fix makes the suite say so.
KNOWN: dict[tuple[str, str], str] = {
    **{
        ("ffmpeg_command", kind): "the ffmpeg 5.1 CLI takes a change of sound layout or rate only by "
        "rebuilding its whole filter graph (its abuffer refuses it otherwise), which repeats 2 video frames"
        for kind in ("layout_switch", "rate_switch")
    },
}
"""(check, kind) -> why it fails; only where the ffmpeg CLI itself cannot, since the fixes of issue 12
landed (TS captured mid-GOP, proxy sound placed by timestamps, Ogg read from a second before the clip)."""
CLI_REBUILDS = frozenset({"layout_switch", "rate_switch"})
"""Kinds whose sound the ffmpeg CLI places wrong after rebuilding its graph midway: their bursts are
checked against the design through timeline_lab only."""


def cases(check: str, kinds: Iterable[str | tuple[str, Any]]) -> list[Any]:
    """One parameter per kind (or per ``(kind, ...)`` tuple), strict-xfailed where ``KNOWN`` lists it."""
    out = []
    for case in kinds:
        values = case if isinstance(case, tuple) else (case,)
        reason = KNOWN.get((check, values[0]))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
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


def onsets(pcm: np.ndarray, sr: int, threshold: float = 0.2) -> list[Fraction]:
    """Times (s) where bursts begin: louder than ``threshold`` after 0.1 s quieter (bursts: 0.5)."""
    loud = np.flatnonzero(np.abs(pcm) > threshold)
    starts = [int(i) for k, i in enumerate(loud) if k == 0 or i - loud[k - 1] > sr // 10]
    return [Fraction(i, sr) for i in starts]


def check_sync(m: Media, pcm: np.ndarray, sr: int, src0: Fraction, length: Fraction) -> None:
    """Each burst of the clip's source span plays where its frame is on the timeline (one AAC frame)."""
    want = [b - src0 for b in m.bursts if src0 <= b < src0 + length - Fraction(BURST_MS, 1000)]
    got = onsets(pcm, sr)
    assert len(got) == len(want), (
        f"bursts at {[float(t) for t in got]} s, expected {[float(t) for t in want]}"
    )
    late = [round(float(g - w) * 1000, 1) for g, w in zip(got, want, strict=True)]
    assert all(abs(g - w) <= AUDIO_FRAME for g, w in zip(got, want, strict=True)), f"bursts late by {late} ms"


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


@dataclass(frozen=True)
class Rendered:
    """A decoded render of one clip, and what the truth says it must show."""

    frames: list[np.ndarray]
    pcm: np.ndarray
    sr: int
    want: list[int]  # painted index per output frame (sample-and-hold at the project rate)
    src0: Fraction  # clip start in the source, from its first shown frame (s)
    length: Fraction  # clip length on the timeline (s)


def one_clip(m: Media, studio: Studio, rate: Fraction, first: int) -> Project:
    """A project holding source frames ``first``..last of ``m`` at ``rate``, at its display aspect."""
    w, h = canvas(m)
    project = studio.new_project(width=w, height=h, frame_rate=rate)
    project.tracks[0].append(studio.clip(m.path, first))
    return project


def render_clip(m: Media, tmp_path: Path, rate: Fraction, first: int, *, cli: bool = False) -> Rendered:
    """Render frames ``first``..last of ``m`` at ``rate`` (in-process, or by the printed ffmpeg command)."""
    studio = Studio(workspace=tmp_path)
    project = one_clip(m, studio, rate, first)
    item = project.tracks[0].items[0]
    assert isinstance(item, Clip)
    out = tmp_path / "out.mp4"
    if cli:
        subprocess.run(studio.plan(project, out).to_ffmpeg_args(), check=True, capture_output=True)
    else:
        studio.render(project, out, progress=False)
    frames, pcm, sr = decode(out)
    src0 = item.source_range.start.to_seconds()
    n = project.duration().to_frames(rate)
    want = [m.shown_at(src0 + Fraction(j) / rate) for j in range(n)]
    assert want[0] == m.indices[first], f"clip from frame {first} starts at {float(src0):.4f} s in the source"
    return Rendered(frames, pcm, sr, want, src0, Fraction(n) / rate)


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


def ffmpeg_audio_onsets(m: Media, stream: int) -> list[Fraction]:
    """Burst times as the ffmpeg CLI plays them: absolute with video, from the first sample without."""
    return cli_onsets(m.path, stream, absolute=m.video_stream is not None)


def cli_onsets(path: str | Path, stream: int, *, absolute: bool = True) -> list[Fraction]:
    """Burst times in ``stream`` as the ffmpeg CLI plays it (``absolute``: on the file's clock).

    Absolute means by timestamps: silence before the first packet, and gaps between packets
    (over 1 ms) filled, as a player does; counted from the file's start (past any 33-bit MPEG
    clock wrap), then put back on the file's clock.
    """
    assert FFMPEG is not None
    src, zero = ["-i", str(path)], Fraction(0)
    if absolute:
        pad = "aresample=async=1:min_hard_comp=0.001:first_pts=0"
        src = ["-copyts", "-start_at_zero", *src, "-af", pad]
        with av.open(str(path)) as c:
            zero = Fraction(c.start_time or 0, av.time_base)
    out = f"-map 0:{stream} -ac 1 -ar 48000 -f f32le pipe:1".split()
    raw = subprocess.run([FFMPEG, "-v", "error", *src, *out], capture_output=True, check=True).stdout
    return [zero + t for t in onsets(np.frombuffer(raw, np.float32), 48000)]


@pytest.mark.parametrize("kind", KINDS)
def test_corpus_matches_ffmpeg(corpus: dict[str, Media], kind: str) -> None:
    m = corpus[kind]
    if m.kind != "audio":
        shown = ffmpeg_indices(m)
        assert len(shown) == m.frames + m.remnant and shown[: m.frames] == [(i, m.tag) for i in m.indices]
    if m.kind == "video":
        assert m.start is not None
        rel = [t - m.start for t in m.ff_times][: m.frames]
        assert len(rel) == m.frames
        assert max(abs(a - b) for a, b in zip(rel, m.times, strict=True)) <= Fraction(1, 1000)
        with av.open(m.path) as c:
            s = c.streams[m.video_stream]
            assert (s.codec_context.width, s.codec_context.height) == m.size
            assert Fraction(s.sample_aspect_ratio or 1) == m.sar
            assert next(c.decode(s)).rotation % 360 == m.rotation
    if m.audio_stream is not None and kind not in CLI_REBUILDS:
        got = [t - (m.start or 0) for t in ffmpeg_audio_onsets(m, m.audio_stream)]
        assert len(got) == len(m.bursts), f"bursts at {[float(t) for t in got]} s"
        # FFmpeg leaves Opus pre-skip (6.5 ms) in the timestamps, so a few ms of slack
        assert all(abs(g - b) <= Fraction(8, 1000) for g, b in zip(got, m.bursts, strict=True)), got


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


@pytest.mark.parametrize("kind", cases("probe_kept", (*VIDEO, *AUDIO_ONLY, *STILLS)))
def test_a_kept_probe_reads_back_as_probed(
    corpus: dict[str, Media], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process reads every kind's probe back from the disk exactly, without opening the file."""
    import importlib

    probe_mod = importlib.import_module("timeline_lab.media.probe")  # (the package exports the function)
    first = probe(corpus[kind].path)  # (a fresh cache per test: this one opens the file)

    def no_open(*a: object) -> None:
        raise AssertionError("probed again")

    monkeypatch.setattr(probe_mod, "_probe", no_open)
    assert probe(corpus[kind].path) == first


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
    """Frames 4..last (so the clip ends on the file's last frame), each burst where its frame is."""
    m = corpus[kind]
    r = render_clip(m, tmp_path, m.rate or Fraction(30), 4)
    check_frames(m, r.frames, r.want)
    check_sync(m, r.pcm, r.sr, r.src0, r.length)


@pytest.mark.parametrize("kind", cases("ffmpeg_command", VIDEO))
def test_printed_ffmpeg_command_renders_the_same(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    """The plan's ffmpeg command line (Debian's CLI) gives the same frames and sync as the render."""
    m = corpus[kind]
    r = render_clip(m, tmp_path, m.rate or Fraction(30), 4, cli=True)
    check_frames(m, r.frames, r.want)
    check_sync(m, r.pcm, r.sr, r.src0, r.length)


@pytest.mark.parametrize("kind", cases("preview", VIDEO))
def test_preview_frame_is_the_render_frame(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    """``timeline_frame`` (the paused preview) shows the same source frames, at the ends and between."""
    m = corpus[kind]
    rate = other_rate(m)
    project = one_clip(m, Studio(workspace=tmp_path), rate, 3)
    item = project.tracks[0].items[0]
    assert isinstance(item, Clip)
    src0 = item.source_range.start.to_seconds()
    n = project.duration().to_frames(rate)
    for k in sorted({0, 1, n // 2, n - 1}):
        got = code(timeline_frame(project, k, scale=1))
        assert got == (m.shown_at(src0 + Fraction(k) / rate), m.tag), f"timeline frame {k}"


@pytest.mark.parametrize("kind", cases("render_conform", VIDEO))
def test_render_conformed_cut_to_last_frame(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    """The last 12 frames at another project rate: conform holds frames, never reads past the end."""
    m = corpus[kind]
    r = render_clip(m, tmp_path, other_rate(m), m.frames - 12)
    check_frames(m, r.frames, r.want)
    check_sync(m, r.pcm, r.sr, r.src0, r.length)


@pytest.fixture(scope="module")
def proxy_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Media], Path]:
    """Make a kind's proxy once for the module (frames and sound are checked apart)."""
    folder = tmp_path_factory.mktemp("proxies")

    @functools.cache
    def make(m: Media) -> Path:
        return make_proxy(m.path, folder / f"{m.name}.mp4", height=min(240, m.display[1]) // 2 * 2)

    return make


@pytest.mark.parametrize("kind", cases("proxy", VIDEO))
def test_proxy_keeps_every_shown_frame(
    corpus: dict[str, Media], kind: str, proxy_of: Callable[[Media], Path]
) -> None:
    m = corpus[kind]
    with av.open(str(proxy_of(m))) as c:
        pics = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert aspect_ok(pics[0].shape, m), f"proxy {pics[0].shape[1]}x{pics[0].shape[0]}"
    assert [code(p) for p in pics] == [(i, m.tag) for i in m.indices]


@pytest.mark.parametrize("kind", cases("proxy_sync", tuple(k for k in VIDEO if k not in ("gif",))))
def test_proxy_sound_is_in_sync(
    corpus: dict[str, Media], kind: str, proxy_of: Callable[[Media], Path]
) -> None:
    """The preview plays the proxy: each burst is where its frame is (one AAC frame)."""
    m = corpus[kind]
    out = proxy_of(m)
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        start = next(f.pts for f in c.decode(v)) * Fraction(v.time_base)
        a = c.streams.audio[0].index
    got = [t - start for t in cli_onsets(out, a)]
    assert len(got) == len(m.bursts), f"proxy bursts at {[float(t) for t in got]} s"
    late = [round(float(g - b) * 1000, 1) for g, b in zip(got, m.bursts, strict=True)]
    assert all(abs(x) <= 1000 * AUDIO_FRAME for x in late), f"proxy bursts late by {late} ms"


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


STILL_LENGTHS = ((1, None), (7, None), (60, 25))  # (count, rate; None: the default project rate)


@pytest.mark.parametrize(
    ("kind", "count", "rate"), cases("still_clip", [(k, n, r) for k in STILLS for n, r in STILL_LENGTHS])
)
def test_still_is_a_clip_of_any_length(
    corpus: dict[str, Media], kind: str, count: int, rate: int | None, tmp_path: Path
) -> None:
    """``count`` frames at the project's rate (the default one, or ``rate`` for both)."""
    m = corpus[kind]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, **({"frame_rate": rate} if rate else {}))
    project.tracks[0].append(studio.clip(m.path, count=count, **({"rate": rate} if rate else {})))
    frames, _, _ = decode(studio.render(project, tmp_path / "s.mp4", progress=False))
    assert [code(f) for f in frames] == [(m.indices[0], m.tag)] * count


@pytest.mark.parametrize("kind", cases("still_alpha", ("still_png",)))
def test_still_alpha_is_kept(corpus: dict[str, Media], kind: str, tmp_path: Path) -> None:
    """The PNG is opaque over its code band and 160/255 below: over the black canvas it darkens."""
    m = corpus[kind]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120)
    project.tracks[0].append(studio.clip(m.path, count=3))
    frames, _, _ = decode(studio.render(project, tmp_path / "a.mp4", progress=False))
    with Image.open(m.path) as img:
        src = np.asarray(img.convert("RGB"), dtype=np.float64)
    assert code(frames[0]) == (m.indices[0], m.tag)
    lower = (slice(40, 120), slice(None))
    ratio = frames[0][lower].astype(np.float64).mean() / src[lower].mean()
    assert abs(ratio - 160 / 255) < 0.08, f"below the band: {ratio:.2f} of the picture's own level"


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
    """An audio file on an audio track: bursts play where they are in the file (encoder delay removed)."""
    m = corpus[kind]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    project.add_track("audio", "A1").append(studio.clip(m.path))
    _, pcm, sr = decode(studio.render(project, tmp_path / "m.mp4", progress=False))
    check_sync(m, pcm, sr, Fraction(0), project.duration().to_seconds())
