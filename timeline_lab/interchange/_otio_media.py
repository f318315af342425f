"""The media file a foreign OTIO clip shows: a local file, an image sequence, or none (a generator,
a missing reference) whose place is kept as a gap and noted."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from ..errors import MediaError, ProjectFileError
from ..media import sequence
from ..media.reference import reference_for
from ..media.relink import find_media
from ..model.media_ref import MediaReference
from ._otio_common import exact_rate, our_data

__all__ = ["Relink", "exists", "media_for", "named_file", "shows_nothing"]


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
        """``path``, else the file of its name (size and fingerprint where known) under the folders;
        None, noted as missing, where there is none."""
        if exists(path):
            return path
        if not sequence.is_sequence(path):
            hit = find_media(file_name(path), size, print_, self.folders)
            if hit is not None:
                return hit
        self.missing.append(f"{file_name(path)} (was {path}, at {where})")
        return None


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
    found = media.get(path) or (reference_for(path, still_rate=still) if still else reference_for(path))
    media[path] = found
    return found


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
    text = unquote(parsed.path) if parsed.scheme == "file" else url
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
