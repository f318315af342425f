"""One reading of a frame pattern (``render.targets.frame_pattern``): the preset's check of an
image-sequence path, the names a pattern owns, and the folder check all agree on what a
``%d``/``%0Nd`` name is, and a folder to be replaced may hold only frames of its pattern."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.errors import RenderError
from timeline_lab.render.encoding.presets import FORMATS, PATTERN, _output_path
from timeline_lab.render.targets import check_folder_target, frame_names, frame_pattern

NAMES = [
    ("frame_%06d.png", ("frame_", 6, ".png")),
    ("f%d.png", ("f", 0, ".png")),
    ("%03d.png", ("", 3, ".png")),
    ("img_%02d_x.png", ("img_", 2, "_x.png")),
    ("a%%d.png", None),
    ("a%d_%d.png", None),
    ("plain.png", None),
    ("50%.png", None),
    ("x%s.png", None),
]


@pytest.mark.parametrize(("name", "parsed"), NAMES)
def test_the_preset_check_reads_the_pattern_as_targets_do(name: str, parsed: object) -> None:
    assert frame_pattern(name) == parsed
    fmt = FORMATS["png-sequence"]
    if parsed is None:
        with pytest.raises(RenderError, match=r"path: .*needs a folder or a pattern with one"):
            _output_path(fmt, Path("out") / name)
    else:
        assert _output_path(fmt, Path("out") / name) == Path("out") / name
        head, width, tail = parsed  # type: ignore[misc]
        ours = frame_names(name)
        assert ours(f"{head}{7:0{width}d}{tail}") and ours(f"{head}{1234567}{tail}")
        assert not ours(f"{head}x{tail}") and not ours(f"{head}{tail}")


@pytest.mark.parametrize("stranger", ["frame_notes.png", "frame_.png", "frame_12a.png", "frame_7.png"])
def test_a_folder_with_a_file_named_near_a_frame_is_not_replaced(tmp_path: Path, stranger: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("frame_000000.png", "frame_000001.png", "frame_1234567.png"):  # an earlier render's
        (out / name).write_bytes(b"old")
    check_folder_target(out, [], PATTERN)
    (out / stranger).write_bytes(b"mine")
    with pytest.raises(RenderError, match=rf"{out}: holds files that are not rendered frames \({stranger}"):
        check_folder_target(out, [], PATTERN)
