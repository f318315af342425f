"""Renders to a URL: written to a local file first, then put beside the target under a temporary
name and moved into place, so nobody ever reads half an output (where the store can move)."""

from __future__ import annotations

import uuid
from pathlib import Path

from ..errors import RenderError

__all__ = ["upload"]


def upload(local: Path, url: str) -> str:
    """Put ``local`` at ``url`` (fsspec) atomically where the filesystem can rename; returns ``url``."""
    from fsspec.core import url_to_fs  # type: ignore[import-untyped]

    fs, path = url_to_fs(url)
    part = f"{path}.{uuid.uuid4().hex[:12]}.part"
    try:
        fs.put_file(str(local), part)
    except (NotImplementedError, OSError) as exc:
        raise RenderError(f"{url}: cannot write there ({exc})") from None
    try:
        fs.mv(part, path)  # a rename where the store has one; object stores copy whole objects
    except BaseException:
        fs.rm(part)
        raise
    return url
