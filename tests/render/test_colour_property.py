"""Any colours, written in any common matrix and range, tagged or not, at HD or SD size, come out
of a render (and the frame reader) as the colours a player shows of the source (hypothesis).

The hand-made kinds of ``tests/colour_patches.py`` fix the patches; here they are drawn at random,
so no matrix/range/size combination is right by the luck of four colours.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.media._frame_reader import FrameReader
from timeline_lab.studio import Studio

_CODES = {"bt709": 1, "bt470bg": 5, "smpte170m": 6}
_SWS = {"bt709": "bt709", "bt470bg": "bt601", "smpte170m": "bt601"}
_SIZES = ((1280, 720), (640, 360), (720, 576), (320, 240))
colour = st.tuples(*[st.integers(24, 232)] * 3)  # inside the gamut: no clipping at either end


def _write(path: Path, colours: list[tuple[int, int, int]], size: tuple[int, int], matrix: str, rng: str,
           tagged: bool) -> None:  # fmt: skip
    """Four patches in ``matrix`` and ``rng`` (H.264), its colour tags written or not."""
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    for k, rgb in enumerate(colours):
        img[:, k * w // 4 : (k + 1) * w // 4] = rgb
    g = av.filter.Graph()
    src = g.add("buffer", f"video_size={w}x{h}:pix_fmt=rgb24:pixel_aspect=1/1:time_base=1/25")
    scale = g.add("scale", f"out_color_matrix={_SWS[matrix]}:out_range={rng}")
    fmt, sink = g.add("format", "yuv420p"), g.add("buffersink")
    src.link_to(scale)
    scale.link_to(fmt)
    fmt.link_to(sink)
    g.configure()
    frame = av.VideoFrame.from_ndarray(img, format="rgb24")
    frame.pts = 0
    src.push(frame)
    yuv = sink.pull()
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25, options={"crf": "6", "preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        if tagged:
            cc = s.codec_context
            cc.colorspace, cc.color_range = _CODES[matrix], {"tv": 1, "pc": 2}[rng]
        for k in range(6):
            yuv.pts = k
            c.mux(s.encode(yuv))
        c.mux(s.encode(None))


def _centres(img: np.ndarray, x0: int, x1: int) -> list[np.ndarray]:
    return [img[img.shape[0] // 2, x0 + (2 * k + 1) * (x1 - x0) // 8].astype(int) for k in range(4)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    colours=st.lists(colour, min_size=4, max_size=4),
    size=st.sampled_from(_SIZES),
    canvas=st.sampled_from(((1280, 720), (640, 360))),
    matrix=st.sampled_from(sorted(_CODES)),
    rng=st.sampled_from(("tv", "pc")),
    tagged=st.booleans(),
)
def test_any_colours_in_any_matrix_come_out_as_a_player_shows_them(
    tmp_path: Path,
    colours: list[tuple[int, int, int]],
    size: tuple[int, int],
    canvas: tuple[int, int],
    matrix: str,
    rng: str,
    tagged: bool,
) -> None:
    if not tagged:  # untagged: players read limited range, and BT.709 from 1280 wide or 577 lines
        rng = "tv"
        matrix = "bt709" if size[0] >= 1280 or size[1] > 576 else "smpte170m"
    path = tmp_path / f"src-{size[0]}-{matrix}-{rng}-{int(tagged)}.mp4"
    _write(path, colours, size, matrix, rng, tagged)
    with FrameReader(path) as reader:
        for got, want in zip(_centres(np.asarray(reader.frame(2)), 0, size[0]), colours, strict=True):
            assert np.abs(got - want).max() <= 6, f"frame reader: {got.tolist()} for {want}"
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=canvas[0], height=canvas[1], frame_rate=Fraction(25))
    project.tracks[0].append(studio.clip(path, 0, 4))
    out = studio.render(project, tmp_path / "out.mp4", progress=False, overwrite=True, crf=6)
    sw, sh = size
    w = round(sw * canvas[1] / sh) if sw * canvas[1] < canvas[0] * sh else canvas[0]
    x0 = (canvas[0] - w) // 2
    with av.open(str(out)) as c:
        img = next(c.decode(video=0)).to_ndarray(format="rgb24")  # read as its tags (BT.709) say
    for got, want in zip(_centres(img, x0, x0 + w), colours, strict=True):
        assert np.abs(got - want).max() <= 8, f"render: {got.tolist()} for {want}"
