"""Where FCPX XML 1.9+ names an asset's file, and the ``.fcpxmld`` bundle Final Cut 10.6+ exports.

Final Cut Pro 10.5 and later write an asset's file as ``<media-rep kind="original-media" src=...>``
inside the asset, not as its ``src`` attribute, which is all otio-fcpx-xml-adapter 1.x reads: every
clip of such a file came in as a missing reference (a black, silent timeline). The original media
is taken; a proxy only where no original is named, said in the log. Final Cut 10.6's default export
is a folder (``Cut.fcpxmld``) holding the document as ``Info.fcpxml``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..errors import ProjectFileError

__all__ = ["BUNDLE_SUFFIX", "bundle_document", "media_rep"]

log = logging.getLogger(__name__)

BUNDLE_SUFFIX = ".fcpxmld"


def bundle_document(path: Path) -> Path:
    """The FCPX XML document inside a ``.fcpxmld`` bundle (a folder, as macOS packages are)."""
    doc = path / "Info.fcpxml"
    if not doc.is_file():
        raise ProjectFileError(
            f"{path}: a {BUNDLE_SUFFIX} bundle holds its timeline as Info.fcpxml; this has none"
        )
    return doc


def media_rep(original: Any) -> Any:
    """The adapter's media reference, from the asset's ``<media-rep>`` where it has no ``src``."""

    def reference_from_id(self: Any, asset_id: str, default_format: str) -> Any:
        asset = self._asset_by_id(asset_id)
        if asset is not None and not asset.get("src"):
            reps = {r.get("kind", "original-media"): r.get("src") for r in asset.findall("media-rep")}
            src = reps.get("original-media") or reps.get("proxy-media")
            if src and not reps.get("original-media"):
                log.warning(
                    "FCPX asset %r names only its proxy media: the proxy is imported", asset.get("name")
                )
            if src:
                asset.set("src", src)  # the document is the reader's own parse
        return original(self, asset_id, default_format)

    return reference_from_id
