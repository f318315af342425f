"""Soft subtitles in the output: text streams remuxed from generated .srt/.vtt, or sidecar files."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import av

from ..targets import check_replace, check_target, mark_output, previous_output_of

if TYPE_CHECKING:
    from av.container import InputContainer, OutputContainer
    from av.subtitles.stream import SubtitleStream

    from ..plan import RenderPlan, SoftSubtitles

__all__ = ["SubtitleStreams", "check_sidecars", "sidecar_paths", "write_sidecars"]


class SubtitleStreams:
    """Adds one subtitle stream per track to an output container (Matroska: SRT, WebM: WebVTT).

    PyAV cannot open FFmpeg's text *encoders* without libass headers, so each track is written
    to a temporary subtitle file, demuxed, and its packets remuxed: the stream is exact text.
    """

    def __init__(self, out: OutputContainer, container: str, tracks: tuple[SoftSubtitles, ...]) -> None:
        from ...model.subtitles import write_srt, write_vtt

        self._tmp = tempfile.TemporaryDirectory(prefix="tl-subs-")
        self._pairs: list[tuple[InputContainer, SubtitleStream, SubtitleStream]] = []
        vtt = container == "webm"
        for n, track in enumerate(tracks):
            path = Path(self._tmp.name) / f"{n}.{'vtt' if vtt else 'srt'}"
            (write_vtt if vtt else write_srt)(track.cues, path)
            source = av.open(str(path))
            template = source.streams.subtitles[0]
            stream = out.add_stream_from_template(template)
            stream.metadata["title"] = track.name
            self._pairs.append((source, template, stream))

    def mux_all(self, out: OutputContainer) -> None:
        """Copy every cue packet into the output (the muxer interleaves them by time)."""
        for source, template, stream in self._pairs:
            for packet in source.demux(template):
                if packet.dts is None:
                    continue
                packet.stream = stream
                out.mux(packet)
        self.close()

    def close(self) -> None:
        """Close the temporary subtitle files."""
        for source, _, _ in self._pairs:
            source.close()
        self._pairs.clear()
        self._tmp.cleanup()


def sidecar_paths(target: Path, tracks: tuple[SoftSubtitles, ...]) -> list[Path]:
    """``<target stem>.<track>.srt`` beside the output, one per track.

    Names that clash once cleaned (case ignored, as macOS and Windows disks do: two tracks called
    'Subtitles', 'EN' and 'en') end in the track's position among the subtitle tracks, from 1
    (``.Subtitles-1.srt``, ``.Subtitles-2.srt``), so no sidecar overwrites another.
    """
    names = ["".join(c if c.isalnum() or c in "-_" else "_" for c in t.name) or "subtitles" for t in tracks]
    counts = Counter(n.casefold() for n in names)
    taken = {n.casefold() for n in names if counts[n.casefold()] == 1}
    unique = []
    for position, name in enumerate(names, start=1):
        if counts[name.casefold()] > 1:
            name = f"{name}-{position}"
            while name.casefold() in taken:  # a track already called 'Subtitles-2'
                name = f"{name}-{position}"
            taken.add(name.casefold())
        unique.append(name)
    return [target.with_name(f"{target.stem}.{name}.srt") for name in unique]


def check_sidecars(plan: RenderPlan) -> None:
    """Refuse, before rendering, a sidecar that would replace a source or a file that is not an
    earlier render's sidecar of this project (an imported ``.srt`` of the same name was rewritten)."""
    if not plan.subtitles or plan.export.subtitles != "sidecar":
        return
    owner = (plan.project_id, plan.project_name)
    # beside an earlier render of this project its sidecars are taken as its own too: where the
    # filesystem keeps no mark (no extended attributes: macOS's Python, some mounts) they carry none
    beside_ours = previous_output_of(plan.export.path, *owner)
    for path in sidecar_paths(plan.export.path, plan.subtitles):
        check_target(path, plan.sources)
        check_replace(path, *owner, overwrite=plan.export.overwrite or beside_ours)


def write_sidecars(
    target: Path, tracks: tuple[SoftSubtitles, ...], project_id: str = "", name: str = ""
) -> list[Path]:
    """The sidecars, written atomically and marked as this project's (a later render may replace them)."""
    from ...model.subtitles import write_srt

    out = []
    for track, path in zip(tracks, sidecar_paths(target, tracks), strict=True):
        out.append(write_srt(track.cues, path))
        mark_output(path, project_id, name)
    return out
