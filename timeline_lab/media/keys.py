"""Cache keys of media: a file by what it is, an image sequence by what each of its images is.

A sequence's pattern or glob is no file to stat, and its folder's own stat does not change when
an image is rewritten in place, so previews, proxies and readers key on the images themselves.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core.cache import content_key, key_for
from . import sequence

__all__ = ["media_key"]


def media_key(path: str | os.PathLike[str], **params: object) -> str:
    """Key for results derived from ``path`` (a file or an image sequence), plus ``params``."""
    if sequence.is_sequence(path):
        return key_for({"sequence": str(Path(path).resolve()), "images": sequence.identity(path)}, **params)
    return content_key(path, **params)
