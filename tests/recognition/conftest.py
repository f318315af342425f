"""Recognition fixtures: synthetic videos with a known moving square, and models built offline.

Nothing is downloaded: YOLO models are built from ``yolo11n.yaml`` with random weights and
exported to ONNX locally; the exact detector is an ONNX graph written here with onnx.helper.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from fractions import Fraction
from pathlib import Path

# ultralytics reads these at import time: no network, settings in a throwaway folder
os.environ["YOLO_OFFLINE"] = "1"
os.environ["YOLO_AUTOINSTALL"] = "false"
os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="yolo-config-"))
os.environ.setdefault("YOLO_VERBOSE", "false")

import pytest

from timeline_lab.media.synth import _band_height, _bounce, _render, make_clip
from timeline_lab.recognition.demo_detector import square_detector

WIDTH, HEIGHT, RATE, FRAMES = 320, 240, Fraction(25), 50


def square_box(index: int, width: int = WIDTH, height: int = HEIGHT) -> tuple[int, int, int, int]:
    """Ground truth: where media/synth.py draws the square in frame ``index`` (x1, y1, x2, y2)."""
    top = _band_height(height)
    side = max(4, min(width, height - top) // 4)
    x = _bounce(index * max(1, width // 40), width - side)
    y = top + _bounce(index * max(1, height // 60), height - top - side)
    return x, y, x + side, y + side


def write_synth(
    path: Path,
    *,
    frames: int = 10,
    rotation: int = 0,
    sar: Fraction = Fraction(1),
    stamps: list[int] | None = None,
    time_base: Fraction = Fraction(1, 25),
    fmt: str | None = None,
) -> Path:
    """320x240 synth frames (the square moves with the index) stored as a phone, an anamorphic
    camera or a late-starting stream would: display ``rotation``, ``sar``, pts ``stamps``."""
    import av

    with av.open(str(path), "w", format=fmt) as c:
        s = c.add_stream("libx264", rate=25, options={"crf": "12", "preset": "veryfast"})
        s.width, s.height, s.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        s.codec_context.time_base = time_base
        s.codec_context.sample_aspect_ratio = sar
        if rotation:
            s.set_display_rotation(rotation)
        for i, pts in enumerate(stamps if stamps is not None else range(frames)):
            frame = av.VideoFrame.from_ndarray(_render(i, 0, WIDTH, HEIGHT), "rgb24")
            frame.pts, frame.time_base = pts, time_base
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return path


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """square: 320x240 25 fps 50 frames; ntsc: 29.97 fps; other: a second file; audio: no picture."""
    d = tmp_path_factory.mktemp("recognition-media")
    return {
        "square": make_clip(
            d / "square.mp4", width=WIDTH, height=HEIGHT, rate=RATE, frames=FRAMES, audio=False
        ),
        "ntsc": make_clip(
            d / "ntsc.mp4", width=WIDTH, height=HEIGHT, rate=Fraction(30000, 1001), frames=30, audio=False
        ),
        "other": make_clip(
            d / "other.mp4", width=WIDTH, height=HEIGHT, rate=RATE, frames=20, tag=7, audio=False
        ),
        "audio": make_clip(d / "tone.mp4", rate=RATE, frames=10, video=False),
    }


build_square_detector = square_detector  # the demo detector (timeline_lab/recognition/demo_detector.py)


@pytest.fixture(scope="session")
def square_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_square_detector(tmp_path_factory.mktemp("square-model") / "square.onnx")


def build_yolo(path: Path, cfg: str = "yolo11n.yaml", seed: int = 0) -> Path:
    """A random-weight YOLO whose outputs vary with the picture (so there are boxes to compare).

    A freshly initialised yolo11n squashes activations towards zero and biases every class
    score to ~1e-5; Kaiming-initialised convolutions and head weights rescaled to unit-ish
    logits give a few hundred candidates of varied confidence instead. The DFL layer (fixed
    weights) is left alone.
    """
    import torch
    from ultralytics import YOLO

    torch.manual_seed(seed)
    model = YOLO(cfg)
    net = model.model
    head = net.model[-1]
    fixed = set(head.dfl.modules()) if hasattr(head, "dfl") else set()
    for module in net.modules():
        if isinstance(module, torch.nn.Conv2d) and module not in fixed:
            torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    last = [seq[-1] for seq in [*head.cv3, *head.cv2]]
    out: dict[torch.nn.Module, torch.Tensor] = {}
    hooks = [m.register_forward_hook(lambda m, i, o: out.__setitem__(m, o)) for m in last]
    net.eval()
    with torch.no_grad():
        net(torch.rand(2, 3, 160, 160))
    for h in hooks:
        h.remove()
    n_cls = len(head.cv3)
    with torch.no_grad():
        for k, conv in enumerate(last):
            spread = float((out[conv] - conv.bias.view(1, -1, 1, 1)).std().detach())
            conv.weight.mul_(2.0 / spread)
            if k < n_cls:
                conv.bias.fill_(-4.0)
    model.save(str(path))
    return path


@pytest.fixture(scope="session")
def yolo_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """yolo11n (random weights) as .pt and its ONNX export (320, dynamic batch)."""
    import torch
    from ultralytics import YOLO

    d = tmp_path_factory.mktemp("yolo")
    pt = build_yolo(d / "yolo11n-random.pt")
    with warnings.catch_warnings():
        # only around the export: torch 2.9+ deprecates the TorchScript exporter that ultralytics
        # uses (and functions inside it); tracing warns about shape-dependent code
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        onnx_path = YOLO(str(pt)).export(
            format="onnx", imgsz=320, dynamic=True, simplify=False, verbose=False
        )
    return {"pt": pt, "onnx": Path(onnx_path)}
