"""Recognition over a library on real Dask workers: a partitioned Parquet dataset that equals the
sequential run, resumes where it stopped, and re-runs only what changed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from timeline_lab.cluster import library_summary, recognize_many
from timeline_lab.media.synth import make_clip
from timeline_lab.recognition.demo_detector import square_detector
from timeline_lab.recognition.errors import RecognitionError
from timeline_lab.recognition.service import recognize

pytestmark = pytest.mark.slow

KEY = ["source", "frame", "class_id", "x1", "y1"]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight clips of the moving square, 1 to 3 seconds long, at 25 and 29.97 fps."""
    root = tmp_path_factory.mktemp("library")
    (root / "sub").mkdir()
    for n in range(8):
        rate = Fraction(30000, 1001) if n % 3 == 0 else Fraction(25)
        make_clip(root / ("sub" if n % 2 else ".") / f"v{n}.mp4", width=160, height=120, rate=rate,
                  frames=25 * (1 + n % 3), audio=False, tag=n)  # fmt: skip
    return root


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return square_detector(tmp_path_factory.mktemp("model") / "square.onnx")


def _sequential(files: list[Path], model: Path) -> pl.DataFrame:
    return pl.concat([recognize(f, model, cache=False) for f in files]).sort(KEY)


def test_a_library_run_equals_the_sequential_one_and_resumes(
    client: Any, library: Path, model: Path, tmp_path: Path
) -> None:
    files = sorted(p.resolve() for p in library.rglob("*.mp4"))
    run = recognize_many(
        str(library / "**" / "*.mp4"), model, tmp_path / "ds", cluster=client, shard_seconds=1.0
    )
    assert run.ran > len(files) and run.reused == 0  # the longer files are cut into shards
    got = run.frame.collect().drop("file_fingerprint").sort(KEY)
    want = _sequential(files, model)
    assert got.select(want.columns).equals(want)
    # summaries stay lazy until asked for
    summary = library_summary(run.frame).collect()
    assert summary.height == len(files) and summary["detections"].sum() == want.height
    # nothing is done twice; a lost partition is the only one run again
    again = recognize_many(library, model, tmp_path / "ds", cluster=client, shard_seconds=1.0)
    assert (again.ran, again.reused) == (0, run.ran)
    lost = sorted(run.dataset.rglob("*.parquet"))[3]
    lost.unlink()
    third = recognize_many(library, model, tmp_path / "ds", cluster=client, shard_seconds=1.0)
    assert (third.ran, third.reused) == (1, run.ran - 1)
    assert third.frame.collect().drop("file_fingerprint").sort(KEY).select(want.columns).equals(want)


def test_other_options_are_another_dataset_and_bad_input_is_named(
    client: Any, library: Path, model: Path, tmp_path: Path
) -> None:
    first = recognize_many(library, model, tmp_path / "ds", cluster=client)
    higher = recognize_many(library, model, tmp_path / "ds", cluster=client, conf=0.9)
    assert higher.dataset != first.dataset and higher.reused == 0
    with pytest.raises(Exception, match="no such file, folder or matching pattern"):
        recognize_many(tmp_path / "nowhere", model, tmp_path / "ds", cluster=client)
    with pytest.raises(Exception, match=r"conf and iou must be within 0\.\.1"):
        recognize_many(library, model, tmp_path / "ds", cluster=client, conf=2)


OPTIONS = [
    {"every": 2},
    {"every": 3},
    {"ranges": [(Fraction(1, 2), Fraction(7, 5))]},
    {"ranges": [(0, 1), (Fraction(3, 2), 2)], "every": 2},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_sampling_options_give_the_sequential_table(
    client: Any, library: Path, model: Path, tmp_path: Path, options: dict[str, Any]
) -> None:
    """``every`` counts from each file's start and ``ranges`` are the caller's, however the files
    would be cut into shards: the same rows as one run per file."""
    files = sorted(p.resolve() for p in library.rglob("*.mp4"))
    run = recognize_many(library, model, tmp_path / "ds", cluster=client, shard_seconds=1.0, **options)
    want = pl.concat([recognize(f, model, cache=False, **options) for f in files]).sort(KEY)
    got = run.frame.collect().drop("file_fingerprint").sort(KEY)
    assert got.select(want.columns).equals(want)


def test_two_paths_to_one_content_each_keep_their_rows(
    client: Any, library: Path, model: Path, tmp_path: Path
) -> None:
    here = tmp_path / "lib"
    here.mkdir()
    first = next(library.rglob("v2.mp4"))
    for name in ("a.mp4", "copy of a.mp4"):
        (here / name).write_bytes(first.read_bytes())
    run = recognize_many(here, model, tmp_path / "ds", cluster=client, shard_seconds=1.0)
    got = run.frame.collect()
    assert sorted(Path(s).name for s in got["source"].unique().to_list()) == ["a.mp4", "copy of a.mp4"]
    one = recognize(here / "a.mp4", model, cache=False)
    assert got.height == 2 * one.height
    assert library_summary(run.frame).collect()["source"].n_unique() == 2
    again = recognize_many(here, model, tmp_path / "ds", cluster=client, shard_seconds=1.0)
    assert again.ran == 0


def _raw(path: Path, black: range = range(0), frames: int = 100) -> Path:
    """``frames`` uncompressed 160x120 frames of the moving square (every frame the same byte size, so a
    file with other pictures in ``black`` is the same size, its first and last MiB the same)."""
    import av
    import numpy as np

    from timeline_lab.media.synth import _render

    with av.open(str(path), "w", format="avi") as c:
        s = c.add_stream("rawvideo", rate=25)
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        for i in range(frames):
            img = np.zeros((120, 160, 3), np.uint8) if i in black else _render(i, 0, 160, 120)
            frame = av.VideoFrame.from_ndarray(img, "rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return path


def _rewrite(path: Path, source: Path) -> None:
    """Put ``source``'s bytes at ``path`` with ``path``'s old size and modification time kept
    (``cp -p``, ``rsync -t``: only the change time says the file is another)."""
    import os

    st = path.stat()
    data = source.read_bytes()
    assert len(data) == st.st_size
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_rewritten_file_is_run_again_and_only_its_new_rows_come_back(
    client: Any, model: Path, tmp_path: Path
) -> None:
    """A same-size rewrite whose first and last MiB are unchanged (the fingerprint) was reused; and
    a file's earlier partitions were read with its new ones (rows of both versions)."""
    here = tmp_path / "lib"
    here.mkdir()
    a = _raw(here / "a.avi")
    b = _raw(tmp_path / "b.avi", black=range(45, 56))
    run = recognize_many(here, model, tmp_path / "ds", cluster=client, shard_seconds=1.0)
    assert run.ran >= 2
    before = run.frame.collect().height
    _rewrite(a, b)
    again = recognize_many(here, model, tmp_path / "ds", cluster=client, shard_seconds=1.0)
    assert again.reused == 0 and again.ran == run.ran
    got = again.frame.collect().drop("file_fingerprint").sort(KEY)
    want = recognize(a, model, cache=False).sort(KEY)
    assert got.select(want.columns).equals(want) and got.height < before
    # shorter now: the old version's rows are gone from the frame and from the dataset
    _raw(a, frames=12)
    third = recognize_many(here, model, tmp_path / "ds", cluster=client, shard_seconds=1.0)
    assert third.frame.collect().height == recognize(a, model, cache=False).height
    assert len(list(third.dataset.rglob("*.parquet"))) == third.ran + third.reused


@pytest.mark.parametrize("options", [{"fps": 7}, {"fps": "10"}, {"fps": Fraction(25, 3)}])
def test_a_sampling_rate_keeps_one_grid_per_file(
    client: Any, library: Path, model: Path, tmp_path: Path, options: dict[str, Any]
) -> None:
    files = sorted(p.resolve() for p in library.rglob("*.mp4"))
    run = recognize_many(library, model, tmp_path / "ds", cluster=client, shard_seconds=0.5, **options)
    want = pl.concat([recognize(f, model, cache=False, **options) for f in files]).sort(KEY)
    got = run.frame.collect().drop("file_fingerprint").sort(KEY)
    assert got.select(want.columns).equals(want)


def test_cutting_another_way_is_not_reused_as_the_old_cut(
    client: Any, library: Path, model: Path, tmp_path: Path
) -> None:
    files = sorted(p.resolve() for p in library.rglob("*.mp4"))
    recognize_many(library, model, tmp_path / "ds", cluster=client, shard_seconds=0.5)
    run = recognize_many(library, model, tmp_path / "ds", cluster=client, shard_seconds=60)
    want = _sequential(files, model)
    assert run.frame.collect().drop("file_fingerprint").sort(KEY).select(want.columns).equals(want)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "60", True])
def test_shard_seconds_is_checked(library: Path, model: Path, tmp_path: Path, bad: object) -> None:
    with pytest.raises(RecognitionError, match="shard_seconds"):
        recognize_many(library, model, tmp_path / "ds", cluster="threads", shard_seconds=bad)  # type: ignore[arg-type]
