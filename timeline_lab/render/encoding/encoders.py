"""Per-encoder knowledge: which encoder to run and how each one spells quality, speed and GOP."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import av

from ...errors import CapabilityError, RenderError
from ...media.capabilities import capabilities

__all__ = [
    "FAMILIES",
    "HARDWARE_FALLBACK",
    "LAYOUTS",
    "X264_PRESETS",
    "HardwareCheck",
    "canonical_encoder",
    "check_channels",
    "crf_range",
    "default_crf",
    "layout_name",
    "no_hardware",
    "pick_encoder",
    "preset_names",
    "video_encoder_options",
]


HardwareCheck = Callable[[str], bool]
"""Whether a hardware encoder (``h264_nvenc``...) works here; a Studio passes a real test encode."""

X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
# Codec family -> encoders, hardware first: what "auto" (or "h264", "hevc"...) may pick.
FAMILIES: dict[str, tuple[str, ...]] = {
    "h264": ("h264_nvenc", "libx264"),
    "hevc": ("hevc_nvenc", "libx265"),
    "vp9": ("libvpx-vp9",),
    "av1": ("libsvtav1",),  # av1_nvenc needs an Ada+ GPU; only used when asked for by name
}
_ALIASES = {"h265": "hevc", "x264": "libx264", "x265": "libx265", "svt-av1": "libsvtav1"}
# A hardware encoder that fails its test encode is replaced by the software one of its family.
HARDWARE_FALLBACK = {"h264_nvenc": "libx264", "hevc_nvenc": "libx265", "av1_nvenc": "libsvtav1"}
_NVENC = frozenset(HARDWARE_FALLBACK)

# CRF scale each encoder accepts (NVENC takes the x264 scale and maps it onto cq).
_CRF_RANGE: dict[str, tuple[int, int]] = {
    "libx264": (0, 51),
    "libx265": (0, 51),
    "libvpx-vp9": (0, 63),
    "libsvtav1": (1, 63),  # FFmpeg reads crf=0 as "unset" and silently uses 35
    **{name: (0, 51) for name in _NVENC},
}
_DEFAULT_CRF = {"libx264": 18, "libx265": 22, "libvpx-vp9": 31, "libsvtav1": 30, **dict.fromkeys(_NVENC, 18)}
_DEFAULT_PRESET = {
    "libx264": "veryfast",
    "libx265": "veryfast",
    "libvpx-vp9": "veryfast",
    "libsvtav1": "8",  # SVT-AV1's own default; 10+ warns "meant for automation tooling"
    **dict.fromkeys(_NVENC, "p4"),
}
# x264 preset names translated into each encoder's own speed setting.
_NVENC_PRESETS = dict(
    zip(X264_PRESETS, ("p1", "p1", "p2", "p3", "p3", "p4", "p5", "p6", "p7", "p7"), strict=True)
)
_SVT_PRESETS = dict(zip(X264_PRESETS, ("12", "11", "10", "9", "8", "6", "5", "4", "2", "0"), strict=True))
_VP9_SPEEDS = ("realtime:8", "realtime:7", "good:5", "good:4", "good:3", "good:2", "good:1", "good:0")
_VP9_PRESETS = dict(zip(X264_PRESETS, (*_VP9_SPEEDS, "best:0", "best:0"), strict=True))  # deadline:cpu-used
# Still-image and animation encoders: no CRF, no speed preset, no GOP.
_NO_RATE_CONTROL = frozenset({"gif", "png", "libwebp_anim"})


def canonical_encoder(name: str) -> str:
    """The FFmpeg encoder a user-facing name means (``opus`` -> ``libopus``); CapabilityError if none."""
    name = _ALIASES.get(name, name)
    try:
        return av.Codec(name, "w").name
    except (av.FFmpegError, ValueError):
        caps = capabilities()
        raise CapabilityError(
            f"encoder {name!r} is not in this FFmpeg build (FFmpeg {caps.ffmpeg_version}, "
            f"PyAV {caps.pyav_version})"
        ) from None


def family_of(encoder: str) -> str | None:
    """The codec family an encoder belongs to, so hardware and software twins share defaults."""
    return next((fam for fam, members in FAMILIES.items() if encoder in members), None)


LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}
"""The layout a project of each channel count is mixed and encoded in: a source of that layout keeps
every channel in its place (FFmpeg's defaults for 3 and 4, ``3c`` and ``4c``, are 2.1 and 4.0,
which fold a centre into the fronts and take the third channel for LFE)."""


def layout_name(channels: int) -> str:
    """The layout name of a project of ``channels`` (``LAYOUTS``)."""
    return LAYOUTS.get(channels, f"{channels}c")


def check_channels(encoder: str, channels: int, sample_rate: int | None) -> None:
    """Refuse, naming ``channels``, a channel count ``encoder`` cannot encode (MP3 past stereo,
    ALAC in quad...): its render would fail only once the encoder opened, naming no setting."""
    if _opens(encoder, layout_name(channels), sample_rate or 48000):
        return
    takes = [str(n) for n in LAYOUTS if _opens(encoder, layout_name(n), sample_rate or 48000)]
    msg = (
        f"channels: {encoder} cannot encode {channels} channels ({layout_name(channels)}); it takes "
        f"{', '.join(takes) or 'none of 1-8'}: pick another audio_codec or format, or set the "
        "project's channels"
    )
    raise RenderError(msg)


@functools.cache
def _opens(encoder: str, layout: str, sample_rate: int) -> bool:
    """Does ``encoder`` open for ``layout`` (no sample is encoded)? PyAV lists no codec's layouts."""
    ctx = av.CodecContext.create(encoder, "w")
    ctx.sample_rate, ctx.layout = sample_rate, layout  # type: ignore[attr-defined]
    formats = ctx.codec.audio_formats
    ctx.format = formats[0] if formats else "fltp"  # type: ignore[attr-defined]
    try:
        ctx.open()
    except (av.error.FFmpegError, ValueError):
        return False
    return True


def no_hardware(name: str) -> bool:
    """The hardware check of a plan made without one: no hardware encoder is assumed to work."""
    return False


def pick_encoder(
    requested: str, default: str, *, strict: bool = False, hardware: HardwareCheck = no_hardware
) -> tuple[str, str | None]:
    """Resolve a video_codec setting to ``(encoder, note)``; the note says why a fallback happened.

    ``auto`` means ``default`` (a family or an encoder). A family (``h264``, ``hevc``...) tries
    NVENC first, but only when ``hardware(name)`` says it works (a Studio passes the real test
    encode, ``media.capabilities.hardware_encoder_available``; planning itself never runs one). An
    NVENC encoder asked for by name falls back to its software twin, with the note saying why
    (CapabilityError if ``strict``); one that is not compiled in at all raises CapabilityError.
    The caller reports the note (a render logs it once, naming its output; ``--dry-run`` prints
    it), so it is not logged here a second time.
    """
    requested = default if requested == "auto" else requested
    family = _ALIASES.get(requested, requested)
    if family in FAMILIES:
        *gpu, software = FAMILIES[family]
        for name in gpu:
            if hardware(name):
                return name, None
        capabilities().require_encoder(software)
        return software, None
    encoder = canonical_encoder(requested)
    if encoder in _NVENC and not hardware(encoder):
        reason = f"{encoder} did not pass a test encode here (no usable NVIDIA GPU or driver)"
        fallback = HARDWARE_FALLBACK[encoder]
        if strict:
            raise CapabilityError(f"video_codec: {reason}; use {fallback!r} or 'auto'")
        return fallback, f"video_codec: {reason}; using {fallback} instead"
    return encoder, None


def crf_range(encoder: str) -> tuple[int, int] | None:
    """The CRF values ``encoder`` accepts, or None where it has no CRF."""
    return _CRF_RANGE.get(encoder)


def default_crf(encoder: str) -> int | None:
    """The CRF used when neither crf nor bitrate is given, or None where there is no CRF."""
    return _DEFAULT_CRF.get(encoder)


def preset_names(encoder: str) -> tuple[str, ...]:
    """Every preset value ``encoder`` accepts (x264 names are translated for the others)."""
    if encoder in ("libx264", "libx265", "libvpx-vp9"):
        return X264_PRESETS
    if encoder in _NVENC:
        return (*X264_PRESETS, *(f"p{i}" for i in range(1, 8)))
    if encoder == "libsvtav1":
        return (*X264_PRESETS, *(str(i) for i in range(14)))
    return ()


def _preset_options(encoder: str, preset: str | None) -> dict[str, str]:
    """The encoder's own speed option(s) for a preset name."""
    preset = preset or _DEFAULT_PRESET.get(encoder)
    if preset is None:
        return {}
    allowed = preset_names(encoder)
    if preset not in allowed:
        shown = ", ".join(allowed) if allowed else "none"
        raise RenderError(f"preset: {preset!r} is not a preset of {encoder} (allowed: {shown})")
    if encoder == "libvpx-vp9":
        deadline, cpu_used = _VP9_PRESETS[preset].split(":")
        return {"deadline": deadline, "cpu-used": cpu_used, "row-mt": "1"}
    if encoder in _NVENC:
        return {"preset": _NVENC_PRESETS.get(preset, preset)}
    if encoder == "libsvtav1":
        return {"preset": _SVT_PRESETS.get(preset, preset)}
    return {"preset": preset}


def _check_int(setting: str, value: int, lo: int, hi: int | None = None) -> None:
    """Reject non-integers and out-of-range values with a message naming the setting."""
    if isinstance(value, bool) or not isinstance(value, int) or value < lo or (hi is not None and value > hi):
        span = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        raise RenderError(f"{setting}: must be an int in {span}, got {value!r}")


def video_encoder_options(
    encoder: str,
    *,
    crf: int | None = None,
    bitrate: int | None = None,
    preset: str | None = None,
    gop: int | None = None,
    threads: int = 0,
) -> dict[str, str]:
    """Codec options (FFmpeg names, string values) for quality, speed and GOP on ``encoder``.

    Parameters
    ----------
    crf
        Constant quality in the encoder's scale (x264/x265 0..51, VP9 0..63, SVT-AV1 1..63;
        NVENC takes 0..51 and maps it onto ``cq`` = crf + 1, since cq 0 means "automatic").
        ``None`` with no bitrate: the encoder's default CRF.
    bitrate
        Target bits per second instead of a CRF; give one or the other.
    """
    if crf is not None and bitrate is not None:
        raise RenderError(f"crf, bitrate: give one or the other, got crf={crf} and bitrate={bitrate}")
    if encoder in _NO_RATE_CONTROL:
        for setting, value in (("crf", crf), ("bitrate", bitrate), ("preset", preset), ("gop", gop)):
            if value is not None:
                raise RenderError(f"{setting}: {encoder} has no such setting; leave it unset (None)")
        return {"quality": "80", "lossless": "0"} if encoder == "libwebp_anim" else {}
    options: dict[str, str] = {}
    span = crf_range(encoder)
    if bitrate is not None:
        _check_int("bitrate", bitrate, 1)
        options.update({"rc": "vbr"} if encoder in _NVENC else {})
        options["b"] = str(bitrate)
    elif span is not None:
        crf = default_crf(encoder) if crf is None else crf
        assert crf is not None
        if isinstance(crf, bool) or not isinstance(crf, int) or not span[0] <= crf <= span[1]:
            raise RenderError(f"crf: {crf!r} is out of range for {encoder} (allowed {span[0]}..{span[1]})")
        if encoder in _NVENC:
            options.update({"rc": "vbr", "cq": str(min(51, crf + 1)), "b": "0"})
        else:
            options["crf"] = str(crf)
            if encoder == "libvpx-vp9":
                options["b"] = "0"  # constant quality: without b=0 libvpx caps the bitrate
    elif crf is not None:
        raise RenderError(f"crf: {encoder} has no CRF; use bitrate instead")
    options.update(_preset_options(encoder, preset))
    if encoder == "libx265":
        options["x265-params"] = "log-level=error"  # x265 otherwise prints its banner per encode
    if encoder == "libsvtav1":
        # SVT-AV1 has no option for it: it reads SVT_LOG when it opens (1: errors only; the user's
        # own setting wins), else it prints some 20 lines of Svt[info] per encode
        os.environ.setdefault("SVT_LOG", "1")
    if gop is not None:
        _check_int("gop", gop, 1)
        options["g"] = str(gop)
    _check_int("threads", threads, 0)
    if threads:
        options["threads"] = str(threads)
    return options
