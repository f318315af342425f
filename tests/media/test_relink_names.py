"""Relink finds a file whose name is stored in the other Unicode normal form (a folder copied
through macOS has NFD names, a project written on Linux NFC); size and fingerprint still decide."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from timeline_lab import Studio
from timeline_lab.media.relink import find_media, fingerprint
from timeline_lab.media.synth import make_clip, read_frame_indices

NAMES = ["café.mp4", "Ångström take.wav", "ñandú 1.mov", "한국어.mp4", "e\u0301\u0301.bin"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("recorded", "on_disk"), [("NFC", "NFD"), ("NFD", "NFC"), ("NFC", "NFC")])
@pytest.mark.parametrize("depth", [0, 2])
def test_the_name_in_either_normal_form_is_found(
    tmp_path: Path, name: str, recorded: str, on_disk: str, depth: int
) -> None:
    folder = tmp_path.joinpath(*["sub"] * depth)
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / unicodedata.normalize(on_disk, name)  # type: ignore[arg-type]
    f.write_bytes(name.encode() * 100)
    size, print_ = f.stat().st_size, fingerprint(f)
    asked = unicodedata.normalize(recorded, name)  # type: ignore[arg-type]
    assert find_media(asked, size, print_, [tmp_path]) == f.resolve()


def test_a_different_file_of_the_other_form_is_not_taken(tmp_path: Path) -> None:
    f = tmp_path / unicodedata.normalize("NFD", "café.mp4")
    f.write_bytes(b"other take")
    assert find_media(unicodedata.normalize("NFC", "café.mp4"), 99, None, [tmp_path]) is None
    assert find_media("café.mp4", f.stat().st_size, "sha256:0", [tmp_path]) is None


@pytest.mark.parametrize("name", ["café.mp4", "Ærø ü.mp4"])
def test_a_project_naming_nfc_opens_with_nfd_media(tmp_path: Path, name: str) -> None:
    proj = tmp_path / "proj"
    (proj / "media").mkdir(parents=True)
    media = make_clip(proj / "media" / unicodedata.normalize("NFD", name), width=64, height=48, rate=25,
                      frames=12, tag=3, audio=False)  # fmt: skip
    s = Studio(workspace=tmp_path)
    p = s.new_project("u", width=64, height=48, frame_rate=25)
    p.tracks[0].append(s.clip(media, 2, 6))
    s.save(p, proj / "p.tlproj")
    text = (proj / "p.tlproj").read_text(encoding="utf-8")
    (proj / "p.tlproj").write_text(unicodedata.normalize("NFC", text), encoding="utf-8")
    shutil.move(proj, tmp_path / "moved")
    q = s.open(tmp_path / "moved" / "p.tlproj")
    assert Path(next(q.clips()).media.path).parent == (tmp_path / "moved" / "media").resolve()
    s.render(q, tmp_path / "out.mp4", progress=False, cluster=False)
    assert [t for _, t in read_frame_indices(tmp_path / "out.mp4")] == [3] * 6
