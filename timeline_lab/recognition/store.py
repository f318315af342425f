"""Results on disk: Parquet with metadata (model hash, parameters, source identity), reused on a match.

A result is found again only when the same file (resolved path, size, modification and change
time), the same model file (SHA-256) and the same parameters come back; any change is a new entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import platformdirs
import polars as pl

from ..atomic import staged
from ..core.disk_memo import file_stamp
from .errors import RecognitionError

__all__ = ["ResultCache", "load_results", "save_results", "source_identity"]

META_KEY = "timeline_lab.recognition"
FORMAT_VERSION = 3
"""2: boxes in shown pixels (display matrix, SAR), times from the first shown frame; 3: a
constant-rate frame's time is its slot's (a jittery stamp's raw time before)."""
CACHE_ENV = "TIMELINE_LAB_CACHE"


def source_identity(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What makes a video the same video for caching: resolved path, size, mtime and ctime.

    ctime too: a same-size rewrite with its mtime put back (``cp -p``, ``rsync -t``, a card copied
    again) must not bring the old file's detections back; the kernel sets ctime on every write.
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise RecognitionError(f"{p}: cannot read ({exc.strerror or exc})") from None
    stamp, size = file_stamp(st)
    return {"path": str(p.resolve()), "size": size, "stamp": stamp}


def save_results(df: pl.DataFrame, path: str | os.PathLike[str], metadata: dict[str, Any]) -> Path:
    """Write ``df`` as Parquet with ``metadata`` (JSON) in the file's key-value metadata, atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT_VERSION, **metadata}
    with staged(target) as tmp:
        df.write_parquet(tmp, metadata={META_KEY: json.dumps(meta, sort_keys=True, default=str)})
    return target


def load_results(path: str | os.PathLike[str]) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Read a results file back with its metadata."""
    p = Path(path)
    try:
        raw = pl.read_parquet_metadata(p).get(META_KEY)
        df = pl.read_parquet(p)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise RecognitionError(f"{p}: not a readable results file ({exc})") from exc
    return df, json.loads(raw) if raw else {}


class ResultCache:
    """A folder of results keyed by (source identity, model SHA-256, parameters)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        if root is None:
            env = os.environ.get(CACHE_ENV)
            base = Path(env) if env else Path(platformdirs.user_cache_dir("timeline_lab"))
            root = base / "recognition"
        self.root = Path(root)

    def key(self, source: dict[str, Any], model_sha256: str, params: dict[str, Any]) -> str:
        """Stable hash of everything that determines the result."""
        text = json.dumps(
            {"v": FORMAT_VERSION, "source": source, "model": model_sha256, "params": params},
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def path(self, key: str) -> Path:
        """Where the entry for ``key`` lives."""
        return self.root / f"{key}.parquet"

    def get(self, key: str) -> tuple[pl.DataFrame, dict[str, Any]] | None:
        """The stored result, or None (a damaged entry is dropped and counts as a miss)."""
        p = self.path(key)
        if not p.is_file():
            return None
        try:
            return load_results(p)
        except RecognitionError:
            p.unlink(missing_ok=True)
            return None

    def put(self, key: str, df: pl.DataFrame, metadata: dict[str, Any]) -> Path:
        """Store a result."""
        return save_results(df, self.path(key), metadata)
