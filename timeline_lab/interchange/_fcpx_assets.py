"""A fix for otio-fcpx-xml-adapter 1.x's writer: each asset described as the media it is.

Its writer gave every asset the sequence's ``<format>`` (a 25 fps file on a 29.97 timeline was read
back on 29.97 frames: a clip from frame 7 showed frame 6), declared ``hasAudio="0"`` on every picture
clip's asset (Final Cut imports such clips silent) and ``hasVideo`` by track, named formats by running
ffprobe on each file, and put a ``<clip>``'s ``<video>`` at 0 on the clip's clock where Final Cut puts
it at the asset's timecode (``offset`` = ``start`` = the asset's ``start``). Here each asset gets its
media's own format (frame size and frame duration; none for sound-only media), ``hasVideo``,
``hasAudio``, ``audioSources``, ``audioChannels`` and ``audioRate`` from the probe; the sequence's
format gets the project's frame size, and connected clips find their parent clip by exact times.
Applied once, only when the adapter is installed.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any
from xml.etree import ElementTree

import opentimelineio as otio

from ..errors import MediaError
from ..media.probe import probe
from ._fcpx_rates import frame_duration, seconds
from ._otio_common import adapter_module, exact, our_data

__all__ = ["describe_fcpx_assets", "format_name"]


def describe_fcpx_assets() -> None:
    """Patch the FCPX XML writer's assets, formats and connected clips (idempotent)."""
    fcpx: Any = adapter_module("fcpx_xml")
    if fcpx is None:  # the interchange extra is not installed: nothing to fix
        return
    writer = fcpx.FcpxOtio
    if getattr(writer._add_asset, "described", False):
        return
    writer._add_asset = _described(writer._add_asset)
    writer._element_for_clip = _on_asset_clock(writer._element_for_clip)
    writer._find_or_create_format_from = _sized(writer._find_or_create_format_from)
    writer._format_by_frame_rate = _not_media_formats(writer._format_by_frame_rate)
    writer._clip_format_name = lambda self, clip: ""  # (was ffprobe on every file: formats named here)
    writer._find_parent_element = _find_parent_element


def format_name(rate: Fraction, width: int, height: int) -> str:
    """Final Cut's name for a video format (``FFVideoFormat1080p2997``, ``FFVideoFormat640x480p25``)."""
    size = {(1920, 1080): "1080", (1280, 720): "720"}.get((width, height), f"{width}x{height}")
    code = str(rate.numerator) if rate.denominator == 1 else f"{float(rate):.2f}".replace(".", "")
    return f"FFVideoFormat{size}p{code}"


def _media_formats(self: Any) -> set[str]:
    """The ids of the formats written for media (not a sequence's), kept on the writer."""
    found: set[str] = self.__dict__.setdefault("_timeline_lab_media_formats", set())
    return found


def _media_format(self: Any, rate: Fraction, width: int, height: int) -> str:
    """The id of the format of this rate and frame size (the sequence's where they are the same),
    written beside the others when first needed."""
    wanted = (frame_duration(rate), str(width), str(height))
    formats = self.resource_element.findall("./format")
    for f in formats:
        if (f.get("frameDuration"), f.get("width"), f.get("height")) == wanted:
            return str(f.get("id"))
    fid = str(self._resource_id_generator())
    attrs = {"id": fid, "name": format_name(rate, width, height), "frameDuration": wanted[0]}
    element = ElementTree.Element("format", {**attrs, "width": wanted[1], "height": wanted[2]})
    self.resource_element.insert(
        list(self.resource_element).index(formats[-1]) + 1 if formats else 0, element
    )
    _media_formats(self).add(fid)
    return fid


def _sound(media: dict[str, Any]) -> tuple[int, int, int] | None:
    """(sources, channels, sample rate) of the media's sound; None without sound (or unreadable now)."""
    if not media.get("has_audio") or media.get("sequence") or media.get("still"):
        return None
    try:
        info = probe(media["path"])
        stream = info.audio_stream(media.get("audio_stream"))
    except (MediaError, OSError):
        return None
    return (len(info.audio), stream.channels, stream.sample_rate) if stream is not None else None


def _described(original: Any) -> Any:
    """The writer's asset, its format, picture and sound as the clip's media has them."""

    def add_asset(self: Any, clip: Any, compound_only: bool = False) -> Any:
        asset_id = original(self, clip, compound_only=compound_only)
        media = ((our_data(clip) or {}).get("item") or {}).get("media")
        asset = self._asset_by_id(asset_id)
        if not isinstance(media, dict) or asset is None:  # (a clip of ours always has its media)
            return asset_id
        fmt = None
        if media.get("has_video", True) and media.get("width") and media.get("height"):
            rate = Fraction(media["rate"])
            fmt = _media_format(self, rate, int(media["width"]), int(media["height"]))
        listed = self.event_resource.find(f"./asset-clip[@ref='{asset_id}']")
        for element in (asset, listed):
            if element is None:
                continue
            if fmt is None:
                element.attrib.pop("format", None)
            else:
                element.set("format", fmt)
        asset.set("hasVideo", "1" if fmt is not None else "0")
        sound = _sound(media)
        asset.set("hasAudio", "1" if sound else "0")
        for key in ("audioSources", "audioChannels", "audioRate"):
            asset.attrib.pop(key, None)
        if sound:
            sources, channels, sample_rate = sound
            asset.set("audioSources", str(sources))
            asset.set("audioChannels", str(channels))
            asset.set("audioRate", str(sample_rate))
        return asset_id

    add_asset.described = True  # type: ignore[attr-defined]
    return add_asset


def _on_asset_clock(original: Any) -> Any:
    """A ``<clip>``'s ``<video>`` at its asset's timecode on the clip's clock, as Final Cut writes it
    (``offset`` = ``start`` = the asset's ``start``; the clip's ``start`` is on that clock)."""

    def element_for_clip(self: Any, item: Any, asset_id: Any, duration: Any, lane: Any) -> Any:
        element = original(self, item, asset_id, duration, lane)
        asset = self._asset_by_id(asset_id)
        video = element.find("./video")
        start = asset.get("start") if asset is not None else None
        if video is not None and start and start != "0s":
            video.set("offset", start)
            video.set("start", start)
        return element

    return element_for_clip


def _settings(self: Any, item: Any) -> dict[str, Any] | None:
    """The project (or nested sequence) settings a stack was exported from."""
    ours = our_data(item) or {}
    if isinstance(ours.get("sequence"), dict):
        return dict(ours["sequence"].get("settings") or {})
    for tl in getattr(self, "timelines", ()):
        if tl.tracks is item:
            project = (our_data(tl) or {}).get("project") or {}
            return dict(project.get("settings") or {})
    return None


def _sized(original: Any) -> Any:
    """The sequence's format with the project's frame size (the writer wrote none)."""

    def find_or_create_format_from(self: Any, item: Any) -> Any:
        element = original(self, item)
        settings = _settings(self, item) if isinstance(item, otio.schema.Stack) else None
        if settings and settings.get("width") and settings.get("height") and not element.get("width"):
            rate = 1 / seconds(element.get("frameDuration"))
            width, height = int(settings["width"]), int(settings["height"])
            element.set("name", format_name(rate, width, height))
            element.set("width", str(width))
            element.set("height", str(height))
        return element

    return find_or_create_format_from


def _not_media_formats(original: Any) -> Any:
    """A sequence's format by rate, never a media file's (of another frame size)."""

    def format_by_frame_rate(self: Any, frame_rate: Any) -> Any:
        duration = self._framerate_to_frame_duration(frame_rate)
        for f in self.resource_element.findall(f"./format[@frameDuration='{duration}']"):
            if f.get("id") not in _media_formats(self):
                return f
        return None

    return format_by_frame_rate


def _find_parent_element(self: Any, spine: Any, trimmed_range: Any, format_id: Any) -> Any:
    """The storyline element a connected clip at ``trimmed_range`` hangs from, by exact times (the
    writer compared frames at each asset's rate, and had none for sound-only assets)."""
    at = exact(trimmed_range).to_seconds()
    for item in spine.iter():
        if item.tag not in ("clip", "asset-clip", "gap", "ref-clip") or item.get("lane") is not None:
            continue
        if item.tag == "gap" and item.find("./audio") is not None:
            continue
        offset = seconds(item.get("offset"))
        if offset <= at < offset + seconds(item.get("duration")):
            return item
    return None
