"""Export formats: every setting resolves to options FFmpeg accepts, or to an error naming it."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import CapabilityError, RenderError
from timeline_lab.media.capabilities import hardware_encoder_available
from timeline_lab.render.encoding.presets import FORMATS, ResolvedExport, format_for, resolve
from timeline_lab.render.plan import ExportSettings

W, H, RATE, SR = 64, 48, Fraction(25), 48000
HAVE_NVENC = hardware_encoder_available("h264_nvenc")
needs_no_nvenc = pytest.mark.skipif(HAVE_NVENC, reason="this machine has a working NVENC")


def _resolve(path: str, width: int = W, height: int = H, **settings: Any) -> ResolvedExport:
    hardware = settings.pop("hardware", hardware_encoder_available)  # what a Studio passes
    return resolve(
        ExportSettings(Path(path), **settings), width=width, height=height, frame_rate=RATE, hardware=hardware
    )


def _has_run(args: list[str], *run: str) -> bool:
    """True when ``run`` appears in ``args`` as consecutive items."""
    return any(args[i : i + len(run)] == list(run) for i in range(len(args)))


@pytest.mark.parametrize(
    ("path", "settings", "encoder", "options"),
    [
        ("a.mp4", {}, "libx264", {"crf": "18", "preset": "veryfast", "g": "50"}),
        (
            "a.mp4",
            {"crf": 0, "preset": "slow", "gop": 12},
            "libx264",
            {"crf": "0", "preset": "slow", "g": "12"},
        ),
        ("a.mp4", {"bitrate": 4_000_000}, "libx264", {"b": "4000000"}),
        ("a.mp4", {"threads": 2}, "libx264", {"threads": "2"}),
        ("a.m4v", {}, "libx264", {"crf": "18"}),
        ("a.mp4", {"format": "mp4-hevc", "crf": 51}, "libx265", {"crf": "51", "preset": "veryfast"}),
        ("a.mp4", {"video_codec": "hevc"}, "libx265", {"crf": "22"}),
        ("a.mp4", {"video_codec": "libsvtav1"}, "libsvtav1", {"crf": "30", "preset": "8"}),
        ("a.mp4", {"format": "mp4-av1", "preset": "slow"}, "libsvtav1", {"crf": "30", "preset": "5"}),
        ("a.mkv", {"crf": 1, "preset": "13"}, "libsvtav1", {"crf": "1", "preset": "13"}),
        ("a.webm", {}, "libvpx-vp9", {"crf": "31", "b": "0", "deadline": "good", "cpu-used": "5"}),
        ("a.webm", {"crf": 63, "preset": "ultrafast"}, "libvpx-vp9", {"crf": "63", "deadline": "realtime"}),
        ("a.mov", {"pix_fmt": "yuv444p"}, "libx264", {"crf": "18"}),
        ("a.gif", {}, "gif", {}),
        ("a.webp", {}, "libwebp_anim", {"quality": "80", "lossless": "0"}),
        ("frames", {"format": "png-sequence"}, "png", {}),
    ],
)
def test_resolves_to_encoder_and_options(
    path: str, settings: dict[str, Any], encoder: str, options: dict[str, str]
) -> None:
    r = _resolve(path, **settings)
    assert r.video_encoder == encoder
    assert options.items() <= r.video_options.items()
    if "bitrate" in settings:
        assert "crf" not in r.video_options


@pytest.mark.parametrize(
    ("path", "settings", "size", "error", "fragment"),
    [
        ("a.mp4", {"crf": 52}, (W, H), RenderError, "crf: 52 is out of range for libx264 (allowed 0..51)"),
        ("a.mp4", {"crf": -1}, (W, H), RenderError, "allowed 0..51"),
        ("a.mp4", {"format": "mp4-hevc", "crf": 60}, (W, H), RenderError, "for libx265 (allowed 0..51)"),
        ("a.webm", {"crf": 64}, (W, H), RenderError, "for libvpx-vp9 (allowed 0..63)"),
        ("a.mkv", {"crf": 0}, (W, H), RenderError, "for libsvtav1 (allowed 1..63)"),
        ("a.mp4", {"crf": 20, "bitrate": 10**6}, (W, H), RenderError, "crf, bitrate: give one"),
        ("a.mp4", {"bitrate": 0}, (W, H), RenderError, "bitrate: must be an int in >= 1"),
        ("a.mp4", {"gop": 0}, (W, H), RenderError, "gop: must be an int in >= 1"),
        ("a.mp4", {"threads": -1}, (W, H), RenderError, "threads: must be an int >= 0"),
        ("a.mp4", {"preset": "p4"}, (W, H), RenderError, "preset: 'p4' is not a preset of libx264"),
        ("a.mp4", {"preset": "turbo"}, (W, H), RenderError, "(allowed: ultrafast, superfast"),
        ("a.mkv", {"preset": "14"}, (W, H), RenderError, "'14' is not a preset of libsvtav1"),
        ("a.webm", {"preset": "p7"}, (W, H), RenderError, "'p7' is not a preset of libvpx-vp9"),
        ("a.gif", {"crf": 10}, (W, H), RenderError, "crf: gif has no such setting"),
        ("a.webp", {"preset": "fast"}, (W, H), RenderError, "preset: libwebp_anim has no such setting"),
        (
            "a.mp4",
            {"pix_fmt": "rgb24"},
            (W, H),
            RenderError,
            "pix_fmt: libx264 cannot encode rgb24; supported: yuv420p",
        ),
        ("a.mkv", {"pix_fmt": "yuv444p"}, (W, H), RenderError, "libsvtav1 cannot encode yuv444p"),
        ("a.mp4", {"pix_fmt": "nope"}, (W, H), RenderError, "pix_fmt: 'nope' is not a pixel format"),
        (
            "a.mp4",
            {},
            (65, 48),
            RenderError,
            "width: yuv420p halves chroma, so libx264 needs an even width; got 65",
        ),
        ("a.mp4", {}, (64, 47), RenderError, "height: yuv420p halves chroma"),
        ("a.mov", {"pix_fmt": "yuv422p"}, (63, 48), RenderError, "width: yuv422p halves chroma"),
        ("a.mp4", {}, (0, 48), RenderError, "width: must be a positive int"),
        (
            "a.mp4",
            {"format": "mp5"},
            (W, H),
            RenderError,
            "format: unknown format 'mp5'; known formats: mp4-h264, ",
        ),
        (
            "a.mp4",
            {"format": "webm-vp9"},
            (W, H),
            RenderError,
            "ends in '.mp4' but format 'webm-vp9' writes .webm",
        ),
        ("a.xyz", {}, (W, H), RenderError, "path: no export format for 'a.xyz'"),
        ("frames", {}, (W, H), RenderError, "or pass format= one of: mp4-h264"),
        ("still.png", {}, (W, H), RenderError, "names one file; png-sequence needs a folder or a pattern"),
        (
            "a.webm",
            {"video_codec": "libx264"},
            (W, H),
            RenderError,
            "webm-vp9 (webm) cannot hold libx264; allowed: libvpx-vp9",
        ),
        (
            "a.m4a",
            {"audio_codec": "libopus"},
            (W, H),
            RenderError,
            "audio-m4a (ipod) cannot hold libopus; allowed: aac",
        ),
        (
            "a.mp4",
            {"audio_codec": "libx264"},
            (W, H),
            RenderError,
            "audio_codec: 'libx264' is not an encoder for audio",
        ),
        (
            "a.mp4",
            {"video_codec": "libaom-av1"},
            (W, H),
            CapabilityError,
            "'libaom-av1' is not in this FFmpeg build",
        ),
        ("a.wav", {"video_codec": "libx264"}, (W, H), RenderError, "video_codec: audio-wav is audio-only"),
        ("a.m4a", {"crf": 18}, (W, H), RenderError, "crf: audio-m4a is audio-only"),
        ("a.gif", {"audio_codec": "aac"}, (W, H), RenderError, "audio_codec: gif holds no audio"),
        ("a.m4a", {"audio_bitrate": 0}, (W, H), RenderError, "audio_bitrate: must be an int >= 1000"),
        (
            "a.mp4",
            {"loudnorm": True, "loudness_target": 0.0},
            (W, H),
            RenderError,
            "loudness_target: must be in -70..-5",
        ),
    ],
)
def test_bad_settings_name_the_setting_and_the_allowed_values(
    path: str, settings: dict[str, Any], size: tuple[int, int], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error) as info:
        _resolve(path, *size, **settings)
    assert fragment in str(info.value)


def test_odd_sizes_are_fine_where_chroma_is_not_halved_that_way() -> None:
    assert _resolve("a.mov", 64, 47, pix_fmt="yuv422p").pix_fmt == "yuv422p"
    assert _resolve("a.mp4", 65, 47, pix_fmt="yuv444p").pix_fmt == "yuv444p"
    assert _resolve("a.gif", 65, 47).pix_fmt == "pal8"
    assert _resolve("a.webp", 65, 47).pix_fmt == "yuv420p"  # libwebp pads chroma itself


def test_format_for_picks_by_suffix_or_name() -> None:
    assert format_for("x/OUT.MP4").name == "mp4-h264"
    assert format_for("x.mkv").name == "mkv-av1"
    assert format_for("x.opus").name == format_for("x.ogg").name == "audio-opus"
    assert format_for("x.mp4", "mp4-hevc").name == "mp4-hevc"
    assert format_for("x", "audio-wav").container == "wav"
    assert FORMATS["webm-vp9"].crf_range == (0, 63)
    assert FORMATS["audio-flac"].crf_range is None


def test_sample_rate_is_checked_against_the_encoder() -> None:
    settings = ExportSettings(Path("a.opus"))
    r = resolve(settings, width=0, height=0, frame_rate=1, sample_rate=48000)
    assert (r.audio_encoder, r.sample_fmt, r.audio_bitrate) == ("libopus", "flt", 192_000)
    with pytest.raises(RenderError, match=r"sample_rate: libopus takes 48000, 24000, .* got 44100"):
        resolve(settings, width=0, height=0, frame_rate=1, sample_rate=44100)


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        (
            "a.mp4",
            [
                ("-c:v", "libx264", "-crf", "18", "-preset", "veryfast", "-g", "50"),
                ("-pix_fmt", "yuv420p", "-r", "25/1"),
                ("-c:a", "aac", "-b:a", "192000", "-sample_fmt", "fltp"),
                ("-movflags", "+faststart"),
                ("-f", "mp4", "a.mp4"),
            ],
        ),
        ("a.webm", [("-crf", "31", "-b:v", "0"), ("-c:a", "libopus"), ("-f", "webm", "a.webm")]),
        ("a.wav", [("-vn", "-c:a", "pcm_s16le", "-sample_fmt", "s16"), ("-f", "wav", "a.wav")]),
        ("a.flac", [("flac", "-bits_per_raw_sample:a", "24", "-sample_fmt", "s32"), ("-f", "flac")]),
        ("a.gif", [("-c:v", "gif", "-pix_fmt", "pal8"), ("-an", "-loop", "0", "-f", "gif")]),
        ("seq", [("-start_number", "0", "-f", "image2", str(Path("seq/frame_%06d.png")))]),
    ],
)
def test_cli_args(path: str, runs: list[tuple[str, ...]]) -> None:
    fmt = "png-sequence" if path == "seq" else "auto"
    args = _resolve(path, format=fmt).to_ffmpeg_args()
    for run in runs:
        assert _has_run(args, *run), (run, args)
    if path in ("a.wav", "a.flac"):
        assert "-b:a" not in args  # lossless: no bitrate


def test_faststart_can_be_turned_off() -> None:
    assert "movflags" not in _resolve("a.mp4", faststart=False).container_options


@needs_no_nvenc
def test_auto_is_libx264_without_a_gpu() -> None:
    assert _resolve("a.mp4").video_encoder == "libx264"


@needs_no_nvenc
@pytest.mark.parametrize(("nvenc", "software"), [("h264_nvenc", "libx264"), ("hevc_nvenc", "libx265")])
def test_explicit_nvenc_falls_back_with_a_reason(nvenc: str, software: str) -> None:
    r = _resolve("a.mp4", video_codec=nvenc)
    assert r.video_encoder == software
    assert len(r.notes) == 1
    assert f"{nvenc} did not pass a test encode here" in r.notes[0]
    assert f"using {software} instead" in r.notes[0]
    with pytest.raises(CapabilityError, match=f"video_codec: {nvenc} did not pass a test encode"):
        resolve(
            ExportSettings(Path("a.mp4"), video_codec=nvenc), width=W, height=H, frame_rate=RATE, strict=True
        )


@needs_no_nvenc
def test_a_render_warns_of_the_nvenc_fallback_once(
    media: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from timeline_lab import Studio

    studio = Studio(workspace=tmp_path)
    project = studio.new_project("nv", width=160, height=120, frame_rate=25)
    project.add_track("video", "V1").append(studio.clip(media["pal"], 0, 5))
    with caplog.at_level(logging.WARNING, logger="timeline_lab"):
        out = studio.render(project, tmp_path / "nv.mp4", video_codec="h264_nvenc", progress=False)
    fallbacks = [r for r in caplog.records if "did not pass a test encode" in r.getMessage()]
    assert len(fallbacks) == 1, [r.getMessage() for r in fallbacks]
    assert str(out) in fallbacks[0].getMessage()


def test_auto_takes_nvenc_when_its_test_encode_works() -> None:
    def works(name: str) -> bool:
        return name == "h264_nvenc"

    r = _resolve("a.mp4", crf=23, preset="slow", hardware=works)
    assert r.video_encoder == "h264_nvenc"
    assert r.video_options == {"rc": "vbr", "cq": "24", "b": "0", "preset": "p5", "g": "50"}
    assert _resolve("a.mp4", crf=51, hardware=works).video_options["cq"] == "51"
    assert _resolve("a.mp4", format="mp4-hevc", hardware=works).video_encoder == "libx265"  # no hevc_nvenc
    assert _resolve("a.mp4", preset="p7", hardware=works).video_options["preset"] == "p7"


def test_planning_never_runs_a_test_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    """compile_plan is pure: which NVENC encoders work is passed in, never probed while planning."""
    import importlib

    caps = importlib.import_module("timeline_lab.media.capabilities")  # the package exports a function

    ran: list[str] = []

    def probe(name: str) -> int:
        ran.append(name)  # (a raise would be taken for "no GPU" by the caller)
        return 0

    monkeypatch.setattr(caps, "_test_encode", probe)
    caps._encoder_works.cache_clear()
    try:
        assert (
            resolve(ExportSettings(Path("a.mp4")), width=W, height=H, frame_rate=RATE).video_encoder
            == "libx264"
        )
        assert ran == [], f"planning ran test encodes: {ran}"
        if caps.capabilities().has_encoder("h264_nvenc"):  # the hook is live: a real check does call it
            assert caps.hardware_encoder_available("h264_nvenc") is False and ran == ["h264_nvenc"]
    finally:
        caps._encoder_works.cache_clear()


# --- encode through PyAV with the resolved options, then decode back -----------------------------


def _rgb(i: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    img = np.zeros((H, W, 3), np.uint8)
    img[:, : (i + 1) * W // 6] = (255, 128, 0)
    img[H // 2 :, :, 2] = 40 * i
    return img


def _tone(seconds: float) -> list[av.AudioFrame]:
    t = np.arange(int(seconds * SR)) / SR
    wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    frames = []
    for lo in range(0, len(wave), 1024):
        chunk = np.repeat(wave[None, lo : lo + 1024], 2, axis=0)
        f = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        f.sample_rate, f.pts, f.time_base = SR, lo, Fraction(1, SR)
        frames.append(f)
    return frames


def _palettised(frames: list[av.VideoFrame]) -> list[av.VideoFrame]:
    """RGB -> pal8 through palettegen/paletteuse, the graph a GIF export needs (swscale has no pal8)."""
    g: Any = av.filter.Graph()
    src = g.add_buffer(width=W, height=H, format="rgb24", time_base=Fraction(1, 25))
    split, gen, use, sink = g.add("split"), g.add("palettegen"), g.add("paletteuse"), g.add("buffersink")
    src.link_to(split)
    split.link_to(gen, 0, 0)
    split.link_to(use, 1, 0)
    gen.link_to(use, 0, 1)
    use.link_to(sink)
    g.configure()
    for f in frames:
        src.push(f)
    src.push(None)
    out: list[av.VideoFrame] = []
    while True:
        try:
            out.append(sink.pull())
        except (av.BlockingIOError, av.EOFError, EOFError, BlockingIOError):
            return out


def _encode(r: ResolvedExport) -> None:
    """Write 5 frames (and a short tone where the format has audio) exactly as resolved."""
    if r.image_sequence:
        r.path.parent.mkdir(parents=True)
    with av.open(str(r.path), "w", format=r.container, options=r.container_options) as out:
        vs: Any = None
        aus: Any = None
        if r.video_encoder:
            vs = out.add_stream(r.video_encoder, rate=r.frame_rate, options=r.video_options)
            vs.width, vs.height, vs.pix_fmt = r.width, r.height, r.pix_fmt
            vs.codec_context.time_base = 1 / r.frame_rate
        if r.audio_encoder:
            aus = out.add_stream(r.audio_encoder, rate=SR, layout="stereo", options=r.audio_options)
            aus.format = r.sample_fmt
        if vs is not None:
            frames = [av.VideoFrame.from_ndarray(_rgb(i), "rgb24") for i in range(5)]
            frames = _palettised(frames) if r.gif else [f.reformat(format=r.pix_fmt) for f in frames]
            for i, f in enumerate(frames):
                f.pts, f.time_base = i, 1 / r.frame_rate
                out.mux(vs.encode(f))
            out.mux(vs.encode(None))
        if aus is not None:
            for a in _tone(0.2):
                out.mux(aus.encode(a))
            out.mux(aus.encode(None))


def _count_frames(path: Path) -> tuple[int, int]:
    """(video frames, audio samples) decoded from ``path``."""
    if path.suffix == ".webp":  # FFmpeg cannot decode animated WebP; Pillow can
        with Image.open(path) as im:
            return int(getattr(im, "n_frames", 1)), 0
    with av.open(str(path)) as c:
        video = sum(1 for _ in c.decode(video=0)) if c.streams.video else 0
    with av.open(str(path)) as c:
        audio = sum(f.samples for f in c.decode(audio=0)) if c.streams.audio else 0
    return video, audio


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, f in FORMATS.items() if f.kind != "audio"])
def test_each_video_format_encodes_and_decodes(name: str, tmp_path: Path) -> None:
    fmt = FORMATS[name]
    target = tmp_path / ("seq" if fmt.kind == "images" else f"out{fmt.extensions[0]}")
    r = resolve(ExportSettings(target, format=name), width=W, height=H, frame_rate=RATE, sample_rate=SR)
    _encode(r)
    if r.image_sequence:
        files = sorted(p.name for p in target.iterdir())
        assert files == [f"frame_{i:06d}.png" for i in range(5)]
        with av.open(str(target / files[-1])) as c:
            frame = next(c.decode(video=0))
        assert (frame.width, frame.height) == (W, H)
        return
    video, audio = _count_frames(target)
    assert video == 5
    if r.has_audio:
        assert audio >= 0.2 * SR * 0.9


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, f in FORMATS.items() if f.kind == "audio"])
def test_each_audio_format_encodes_a_tone(name: str, tmp_path: Path) -> None:
    ext = FORMATS[name].extensions[0]
    target = tmp_path / f"tone{ext}"
    # a suffix names the first format with it (.wav: 16-bit); others sharing it are asked for by name
    first = next(f.name for f in FORMATS.values() if ext in f.extensions)
    export = ExportSettings(target) if first == name else ExportSettings(target, format=name)
    r = resolve(export, width=0, height=0, frame_rate=1, sample_rate=SR)
    assert r.audio_only and r.video_encoder is None and r.format.name == name
    _encode(r)
    video, audio = _count_frames(target)
    assert video == 0
    assert audio >= 0.2 * SR * 0.9


@pytest.mark.parametrize(
    ("path", "channels", "bitrate"),
    [("a.mp4", 1, 192_000), ("a.mp4", 2, 192_000), ("a.mp4", 6, 384_000), ("a.m4a", 8, 512_000),
     ("a.opus", 6, 384_000), ("a.webm", 2, 192_000), ("a.flac", 6, None), ("a.wav", 6, None)],
)  # fmt: skip
def test_the_default_sound_bitrate_grows_with_the_channels(
    path: str, channels: int, bitrate: int | None
) -> None:
    """192 kbps kept six channels of plain tones at ~21 dB SNR (~36 dB at 384): 64 kbps a channel."""
    r = resolve(ExportSettings(Path(path)), width=W, height=H, frame_rate=25, channels=channels)
    assert r.audio_bitrate == bitrate
    if bitrate is not None:
        assert r.audio_options == {"b": str(bitrate)}
        args = r.to_ffmpeg_args()
        assert args[args.index("-b:a") + 1] == str(bitrate)  # the printed command says the same


def test_a_set_sound_bitrate_is_kept_at_any_channel_count() -> None:
    r = resolve(
        ExportSettings(Path("a.mp4"), audio_bitrate=128_000), width=W, height=H, frame_rate=25, channels=6
    )
    assert r.audio_bitrate == 128_000
    with pytest.raises(RenderError, match="audio_bitrate: expected a whole number, got bool True"):
        ExportSettings(Path("a.mp4"), audio_bitrate=True)  # type: ignore[arg-type]
