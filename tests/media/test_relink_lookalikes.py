"""Relink never takes a different file of the same name: lookalikes that share size and first and
last MiB (room tone at either end of a take) are told apart by their whole contents, and refused
as ambiguous, naming each, when nothing says which is the media."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.errors import MediaError
from timeline_lab.media.relink import find_media, fingerprint

MIB = 2**20


def _take(path: Path, seed: int, *, middle_at: int = 2 * MIB) -> Path:
    """5 MiB: the same silence for the first and last two MiB, a performance of ``seed`` between."""
    data = bytearray(5 * MIB)
    rng = np.random.default_rng(seed)
    data[middle_at : middle_at + 4096] = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("where", [2 * MIB, int(2.5 * MIB), 3 * MIB], ids=["early", "middle", "late"])
@pytest.mark.parametrize("recorded", [True, False], ids=["fingerprint", "size-only"])
@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")], ids=["other-first", "ours-first"])
def test_lookalikes_are_refused_naming_each(
    tmp_path: Path, where: int, recorded: bool, order: tuple[str, str]
) -> None:
    ours = _take(tmp_path / "old" / "take.wav", 1, middle_at=where)
    size, print_ = ours.stat().st_size, fingerprint(ours) if recorded else None
    ours.unlink()
    other = _take(tmp_path / "new" / order[0] / "take.wav", 2, middle_at=where)
    moved = _take(tmp_path / "new" / order[1] / "take.wav", 1, middle_at=where)
    assert fingerprint(other) == fingerprint(moved) and other.stat().st_size == size
    with pytest.raises(MediaError, match=r"take\.wav: 2 different files match") as err:
        find_media("take.wav", size, print_, [tmp_path / "new"])
    assert str(other) in str(err.value) and str(moved) in str(err.value)


def test_copies_of_one_file_are_that_file(tmp_path: Path) -> None:
    ours = _take(tmp_path / "old" / "take.wav", 1)
    size, print_ = ours.stat().st_size, fingerprint(ours)
    near = tmp_path / "new" / "take.wav"
    far = tmp_path / "new" / "backup" / "take.wav"
    far.parent.mkdir(parents=True)
    shutil.copy(ours, near)
    shutil.copy(ours, far)
    assert find_media("take.wav", size, print_, [tmp_path / "new"]) == near.resolve()
    assert find_media("take.wav", size, print_, [tmp_path / "new", tmp_path / "new"]) == near.resolve()


def test_one_match_among_other_files_of_that_name(tmp_path: Path) -> None:
    ours = _take(tmp_path / "old" / "take.wav", 1)
    size, print_ = ours.stat().st_size, fingerprint(ours)
    (tmp_path / "new" / "short").mkdir(parents=True)
    (tmp_path / "new" / "short" / "take.wav").write_bytes(b"another length")
    moved = tmp_path / "new" / "deep" / "take.wav"
    moved.parent.mkdir(parents=True)
    shutil.move(ours, moved)
    assert find_media("take.wav", size, print_, [tmp_path / "new"]) == moved.resolve()
    assert find_media("take.wav", size + 1, print_, [tmp_path / "new"]) is None
