"""Recognition over a library of videos on a Dask cluster: shards by file and time range, one
Parquet partition each (keyed by the file's fingerprint, the model's hash and the options), so a
re-run does only what is missing; the result is a Polars LazyFrame over the dataset."""

from __future__ import annotations

import glob
import hashlib
import io as bytes_io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl

from ..atomic import atomic_write_bytes
from ..recognition.errors import RecognitionError
from .render import ClusterLike, connect

__all__ = ["LibraryRun", "library_summary", "recognize_many"]


@dataclass(frozen=True)
class _Shard:
    """Seconds [start, end) of one file, and the partition file that holds its detections."""

    path: str
    fingerprint: str
    start: float
    end: float | None
    model: str
    options: dict[str, Any]
    target: str


@dataclass
class LibraryRun:
    """What ``recognize_many`` did: the dataset, the shards run now and those already there."""

    dataset: Path
    ran: int
    reused: int
    frame: pl.LazyFrame


def recognize_many(
    sources: str | Path | Sequence[str | Path],
    model: str | Path,
    dataset: str | Path,
    *,
    cluster: ClusterLike = "local",
    shard_seconds: float = 60.0,
    **options: Any,
) -> LibraryRun:
    """Detect in every file of ``sources`` (paths, folders, or glob patterns) with the model file
    ``model``, on ``cluster``; detections land in ``dataset`` as Parquet partitions.

    ``options`` are :class:`~timeline_lab.recognition.service.DetectOptions` fields. With a
    tracker, ``every`` or ``ranges``, each file is one shard (tracks do not cross shards; ``every``
    and ``ranges`` count their frames from the file's start and the ranges' starts, as a run over
    the whole file does; ``fps`` likewise, its grid from the file's start); else files are cut every
    ``shard_seconds``. Shards whose partition exists (the same file at the same path, with the same
    content, size, modification and change times, model and options) are not run again; partitions
    of a path's earlier versions are removed, and the frame reads only this run's partitions. Two
    paths to one content each keep their own rows.
    """
    from ..media.relink import fingerprint
    from ..recognition.models import file_sha256
    from ..recognition.service import DetectOptions
    from ..recognition.store import source_identity

    DetectOptions(**options)  # checked here, once, before any worker sees them
    if (
        isinstance(shard_seconds, bool)
        or not isinstance(shard_seconds, int | float)
        or not (math.isfinite(shard_seconds) and shard_seconds > 0)
    ):
        raise RecognitionError(f"shard_seconds: must be a number of seconds > 0, got {shard_seconds!r}")
    files = _expand(sources)
    model_path = Path(model).resolve()
    if not model_path.is_file():
        raise RecognitionError(f"{model_path}: no such model file (workers load it by path)")
    model_key = file_sha256(model_path)[:16]
    params = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()[:12]
    root = Path(dataset).resolve() / f"model_sha256={model_key}" / f"options_key={params}"
    whole = bool(options.get("tracker")) or any(options.get(k) is not None for k in ("fps", "ranges"))
    whole = whole or options.get("every", 1) != 1
    shards = []
    for path in files:
        fp = fingerprint(path)
        seen = source_identity(path)  # size, mtime and ctime: a same-size rewrite is another file
        where = hashlib.sha256(str(path).encode()).hexdigest()[:10]  # the path: the rows' source
        for a, b in _spans(path, None if whole else shard_seconds):
            which = hashlib.sha256(json.dumps([fp, seen["size"], seen["stamp"], a, b]).encode()).hexdigest()
            target = root / f"file_fingerprint={fp[:20]}" / f"shard-{where}-{which[:16]}.parquet"
            shards.append(_Shard(str(path), fp, a, b, str(model_path), options, str(target)))
    _drop_superseded(root, shards)
    todo = [s for s in shards if not Path(s.target).exists()]
    if todo:
        with connect(cluster) as client:
            futures = client.map(_run_shard, todo, pure=False, retries=2)
            client.gather(futures)
    # this run's partitions only: rows of a file's earlier version, or of files not asked for, stay out
    frame = pl.scan_parquet([s.target for s in shards], hive_partitioning=True, hive_schema=_HIVE)
    return LibraryRun(root, len(todo), len(shards) - len(todo), frame.drop("model_sha256", "options_key"))


_HIVE = dict.fromkeys(("model_sha256", "options_key", "file_fingerprint"), pl.String)
"""The partition columns of a shard's path, as text (a hex key of digits only is not a number)."""


def _drop_superseded(root: Path, shards: list[_Shard]) -> None:
    """Remove this dataset's partitions of the same paths that this run does not use: a file's
    earlier version, or spans cut another way (they would be read by whoever scans the folder)."""
    keep = {s.target for s in shards}
    for where in {Path(s.target).name.split("-")[1] for s in shards}:
        for old in root.glob(f"file_fingerprint=*/shard-{where}-*.parquet"):
            if str(old) not in keep and old.is_file() and not old.is_symlink():
                old.unlink(missing_ok=True)


def library_summary(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Per file and class: detections, frames with one, mean confidence, first and last time."""
    return (
        frame.group_by("source", "class_name")
        .agg(
            pl.len().alias("detections"),
            pl.col("frame").n_unique().alias("frames"),
            pl.col("conf").mean().alias("mean_conf"),
            pl.col("pts_s").min().alias("first_s"),
            pl.col("pts_s").max().alias("last_s"),
        )
        .sort("source", "class_name")
    )


def _expand(sources: str | Path | Sequence[str | Path]) -> list[Path]:
    """Files named, found under folders, or matched by glob patterns; sorted, each once."""
    from ..fs import media_type_of

    items = [sources] if isinstance(sources, str | Path) else list(sources)
    found: set[Path] = set()
    for item in items:
        text = str(item)
        if any(c in text for c in "*?["):
            found |= {Path(p) for p in glob.glob(text, recursive=True)}  # noqa: PTH207 (absolute patterns)
        elif Path(text).is_dir():
            found |= {p for p in Path(text).rglob("*") if p.is_file() and media_type_of(p) == "video"}
        elif Path(text).is_file():
            found.add(Path(text))
        else:
            raise RecognitionError(f"{text}: no such file, folder or matching pattern")
    if not found:
        raise RecognitionError(f"sources: no video files in {items}")
    return sorted(p.resolve() for p in found)


def _spans(path: Path, seconds: float | None) -> list[tuple[float, float | None]]:
    """Seconds [start, end) cutting ``path`` every ``seconds`` (one span when None)."""
    from ..media.probe import probe

    length = probe(path).duration
    duration = float(length.to_seconds()) if length is not None else 0.0
    if seconds is None or duration <= seconds:
        return [(0.0, None)]
    n = math.ceil(duration / seconds)
    return [(k * seconds, (k + 1) * seconds if k + 1 < n else None) for k in range(n)]


def _run_shard(shard: _Shard) -> str:
    """On a worker: check the file is the one fingerprinted, detect, write the partition atomically."""
    from ..media.relink import fingerprint
    from ..recognition.service import recognize

    if fingerprint(shard.path) != shard.fingerprint:
        raise RecognitionError(f"{shard.path}: changed since the library run began (fingerprint)")
    options = dict(shard.options)
    if shard.end is None and shard.start == 0:
        ranges = options.pop("ranges", None)  # the whole file (within the caller's ranges)
    else:  # the last shard runs to the file's end
        end = Fraction(shard.end) if shard.end is not None else _end_of(shard.path)
        ranges = [(Fraction(shard.start), end)]
    df = recognize(shard.path, shard.model, ranges=ranges, cache=False, **options)
    buffer = bytes_io.BytesIO()
    df.write_parquet(buffer)
    Path(shard.target).parent.mkdir(parents=True, exist_ok=True)
    return str(atomic_write_bytes(shard.target, buffer.getvalue()))


def _end_of(path: str) -> Fraction:
    """A time past the file's last frame."""
    from ..media.probe import probe

    length = probe(path).duration
    return (length.to_seconds() if length is not None else Fraction(0)) + 1
