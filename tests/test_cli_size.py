"""``timeline-lab render --size``: the project drawn as at its own size, resized, so a
picture-in-picture (static or keyframed) lands where the full render puts it, scaled."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model import Transform
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.studio import Studio

from .test_cli import cli

pytestmark = pytest.mark.slow


Box = tuple[int, int, int, int]


def pip_boxes(path: Path) -> list[Box | None]:
    """Per frame, the bounding box of what is drawn over the black canvas (None: nothing)."""
    out: list[Box | None] = []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            ys, xs = np.nonzero(f.to_ndarray(format="rgb24").max(axis=2) > 60)
            box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(xs) else None
            out.append(box)
    return out


@pytest.fixture(scope="module")
def pip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Box | None]]:
    """A 128x96 project with a quarter-size clip moving from the left to the bottom right, and
    the boxes of its full-size render."""
    d = tmp_path_factory.mktemp("cli_size")
    src = make_clip(d / "v.mp4", width=128, height=96, rate=25, frames=8, tag=1, audio=False)
    studio = Studio(workspace=d)
    p = studio.new_project("pip", width=128, height=96, frame_rate=25)
    v1 = p.tracks[0]
    clip = v1.append(studio.clip(src, 0, 8))
    v1.update(clip.id, transform=Transform(scale_x=0.25, scale_y=0.25, x=40, y=30))
    add_keyframe(v1, clip.id, "transform.x", 0, -40)
    add_keyframe(v1, clip.id, "transform.x", 7, 40)
    project = d / "pip.tlproj"
    studio.save(p, project)
    full = d / "full.mp4"
    r = cli("render", str(project), "-o", str(full), "-q")
    assert r.returncode == 0, r.stderr
    return project, pip_boxes(full)


@pytest.mark.parametrize("size", [(64, 48), (96, 72), (256, 192)])
def test_size_keeps_the_pip_where_the_render_puts_it(
    pip: tuple[Path, list[Box | None]], size: tuple[int, int], tmp_path: Path
) -> None:
    project, full = pip
    out = tmp_path / "sized.mp4"
    r = cli("render", str(project), "-o", str(out), "-q", "--size", f"{size[0]}x{size[1]}")
    assert r.returncode == 0, r.stderr
    got = pip_boxes(out)
    sx, sy = size[0] / 128, size[1] / 96
    assert len(got) == len(full) == 8
    for k, (box, big) in enumerate(zip(got, full, strict=True)):
        assert big is not None and box is not None, (k, box, big)
        want = (big[0] * sx, big[1] * sy, big[2] * sx, big[3] * sy)
        assert max(abs(g - w) for g, w in zip(box, want, strict=True)) <= 2.5, (k, box, want)


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ("64x64", "--size 64x64: the project is 128x96; another shape would re-frame every clip"),
        ("100x50", "(use its shape, e.g. 100x76 or 66x50)"),
        ("65x49", "--size 65x49: width and height must be even"),
    ],
)
def test_size_of_another_shape_is_refused(
    pip: tuple[Path, list[Box | None]], size: str, message: str, tmp_path: Path
) -> None:
    project, _ = pip
    r = cli("render", str(project), "-o", str(tmp_path / "x.mp4"), "--size", size)
    assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "x.mp4").exists()
