"""The media file a foreign OTIO clip shows: a local file, an image sequence, or none (a generator,
a missing reference) whose place is kept as a gap and noted."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from ..errors import MediaError, ProjectFileError
from ..media import sequence
from ..media.reference import reference_for
from ..media.relink import find_media, find_sequence
from ..media.sequence import Numbering
from ..model.media_ref import MediaReference
from ._otio_common import MAX_PICTURE_RATE, exact_rate, our_data

__all__ = ["Numbering", "Relink", "clip_frame_rates", "exists", "media_for", "named_file", "numbering",
           "shows_nothing"]  # fmt: skip


def exists(path: Path) -> bool:
    """A media file, or an image sequence (pattern, glob or folder) with images, as the media layer
    opens it."""
    if not sequence.is_sequence(path):
        return path.exists()
    try:
        sequence.files(path)
    except MediaError:
        return False
    return True


def numbering(path: Path) -> Numbering | None:
    """The numbering of the sequence ``path`` names (a pattern, a glob, a folder), as the media layer
    reads it; None where its files are named otherwise (an OTIO reader could not find its frames by
    number)."""
    try:
        return sequence.numbering(sequence.files(path))
    except MediaError:
        return None


def file_name(path: Path | str) -> str:
    """The file name of a path written on any system (``C:\\Media\\a.mov`` is ``a.mov`` here too)."""
    return re.split(r"[\\/]", str(path))[-1]


@dataclass
class Relink:
    """Where an import looks for media that is not where the timeline says (the timeline file's
    folder, the ``search`` folders), and what it did not find: all of it said in one error."""

    folders: list[Path]
    missing: list[str] = field(default_factory=list)

    def locate(
        self, path: Path, where: str, size: int | None = None, print_: str | None = None
    ) -> Path | None:
        """``path``, else the file of its name (size and fingerprint where known) or the image
        sequence of its folder's name under the folders; None, noted as missing, where there is none."""
        if exists(path):
            return path
        hit = None if sequence.is_sequence(path) else find_media(file_name(path), size, print_, self.folders)
        if hit is None and size is None:  # an image sequence (a folder, a pattern) has no size of its own
            hit = find_sequence(path, self.folders)
        if hit is not None:
            return hit
        self.missing.append(f"{file_name(path)} (was {path}, at {where})")
        return None

    def refusal(self) -> MediaError | None:
        """Every media file not found, in one error (None: all were)."""
        if not self.missing:
            return None
        msg = f"{len(self.missing)} media file(s) missing: {'; '.join(self.missing)}. "
        return MediaError(msg + "Put them next to the timeline file, or pass search=[folder]")


def shows_nothing(child: otio.schema.Clip) -> bool:
    """A foreign clip imported as a gap: a generator, no media, an image sequence with a frame_step."""
    if our_data(child):
        return False
    ref = child.media_reference
    if isinstance(ref, otio.schema.ImageSequenceReference):
        return bool(ref.frame_step != 1)
    return ref is None or isinstance(ref, otio.schema.GeneratorReference | otio.schema.MissingReference)


def media_for(
    child: otio.schema.Clip,
    where: str,
    base: Path | None,
    media: dict[Path, MediaReference],
    notes: list[str],
    relink: Relink,
) -> MediaReference | None:
    """The probed media of a foreign clip (each file probed once an import, found again by name
    where it moved); None, noted, where the clip has no media file to show (a generator, a missing
    reference) or the file is missing (``relink`` keeps those for one error)."""
    ref = child.media_reference
    if shows_nothing(child):
        notes.append(_as_gap(child, where))
        return None
    still = None
    if isinstance(ref, otio.schema.ImageSequenceReference):
        path, still = _image_sequence(ref, where, base), exact_rate(ref.rate)
    else:
        path = _media_path(ref, where, base)
    located = relink.locate(path, where)
    if located is None:
        return None
    path = located
    if still is None and sequence.is_sequence(path):  # a folder or pattern named by a plain reference
        still = _sequence_rate(child)
    found = media.get(path) or (reference_for(path, still_rate=still) if still else reference_for(path))
    media[path] = found
    return found


def _sequence_rate(child: otio.schema.Clip) -> Fraction | None:
    """The rate an image sequence named by a plain reference is counted at: its available range's
    (FCP 7 XML's ``<rate>``, an FCPX asset's format), else its source range's; None: unsaid."""
    for rng in (child.media_reference.available_range, child.source_range):
        if rng is not None and 0 < rng.duration.rate <= MAX_PICTURE_RATE:
            return exact_rate(rng.duration.rate)
    return None


def _as_gap(child: otio.schema.Clip, where: str) -> str:
    """The import note for a clip that shows nothing here."""
    ref, what = child.media_reference, f"{where}: clip {json.dumps(child.name)}"
    kind = type(ref).__name__
    if isinstance(ref, otio.schema.GeneratorReference):
        return f"{what} is a {ref.generator_kind or 'generator'} ({kind}): imported as a gap"
    if isinstance(ref, otio.schema.ImageSequenceReference):
        return f"{what}: an image sequence with frame_step {ref.frame_step} is imported as a gap"
    return f"{what} has no media ({kind}): imported as a gap"


def _local(url: str, where: str, base: Path | None) -> Path:
    """The local path a URL names; a relative one is taken from the .otio file's folder."""
    parsed = urlparse(url)
    if len(parsed.scheme) == 1:  # a bare Windows drive path (C:\\Media\\a.mov)
        return Path(url)
    if parsed.scheme not in ("", "file"):
        raise ProjectFileError(f"{where}: media {url!r} is not a local file")
    # a relative reference is a URL too (percent-encoded, as our export writes one); whole: a "#" in a
    # name written raw is no fragment
    text = unquote(parsed.path) if parsed.scheme == "file" else unquote(url)
    if _WINDOWS_DRIVE.match(text):  # file:///C:/Media/a.mov: the drive path as given (then by name)
        return Path(text.lstrip("/"))
    path = Path(text)
    return path if path.is_absolute() or base is None else base / path


_WINDOWS_DRIVE = re.compile(r"^/?[A-Za-z]:[\\/]")


def _media_path(ref: Any, where: str, base: Path | None) -> Path:
    """The local file a media reference names."""
    url = getattr(ref, "target_url", None)
    if not url:
        raise ProjectFileError(f"{where}: media reference is not a local file ({type(ref).__name__})")
    return _local(url, where, base)


def clip_frame_rates(
    tl: otio.schema.Timeline, base: Path, relink: Relink
) -> Iterator[tuple[otio.schema.Clip, Fraction]]:
    """Each clip whose file ``relink`` finds (as an import finds it), with its first video stream's
    frame rate; sound files, stills and files that cannot be probed are passed over (each file
    probed once: an EDL names the same few files in thousands of events)."""
    from ..media.probe import probe

    rates: dict[Path, Fraction | None] = {}
    for k, clip in enumerate(tl.find_clips()):
        named = named_file(clip, base) if clip.source_range is not None else None
        found = relink.locate(named, f"event {k + 1}") if named is not None else None
        if found is None:
            continue
        if found not in rates:
            try:
                video = probe(found).video
            except MediaError:
                video = ()
            # a still has no frame grid of its own
            rates[found] = video[0].frame_rate if video and video[0].frame_count != 1 else None
        if (rate := rates[found]) is not None:
            yield clip, rate


def named_file(child: otio.schema.Clip, base: Path | None) -> Path | None:
    """The local file a clip's media reference names (None: no file, or not a local one)."""
    ref = child.media_reference
    if shows_nothing(child) or not isinstance(ref, otio.schema.ExternalReference):
        return None
    try:
        return _media_path(ref, "", base)
    except ProjectFileError:
        return None


def _image_sequence(ref: otio.schema.ImageSequenceReference, where: str, base: Path | None) -> Path:
    """OTIO's image sequence as the printf pattern the media layer opens (``shot_%04d.png``).

    The name parts are joined after the folder's URL is decoded: ``%04d`` is no URL escape.
    """
    if not ref.target_url_base:
        raise ProjectFileError(f"{where}: image sequence reference has no target_url_base")
    folder = _local(ref.target_url_base, where, base)
    digits = f"%0{ref.frame_zero_padding}d" if ref.frame_zero_padding > 0 else "%d"
    return folder / f"{ref.name_prefix}{digits}{ref.name_suffix}"
