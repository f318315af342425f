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

import numpy as np
import pytest

from timeline_lab.media.synth import _band_height, _bounce, make_clip

WIDTH, HEIGHT, RATE, FRAMES = 320, 240, Fraction(25), 50


def square_box(index: int, width: int = WIDTH, height: int = HEIGHT) -> tuple[int, int, int, int]:
    """Ground truth: where media/synth.py draws the square in frame ``index`` (x1, y1, x2, y2)."""
    top = _band_height(height)
    side = max(4, min(width, height - top) // 4)
    x = _bounce(index * max(1, width // 40), width - side)
    y = top + _bounce(index * max(1, height // 60), height - top - side)
    return x, y, x + side, y + side


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


def build_square_detector(path: Path, size: int = 320, *, name: str = "square") -> Path:
    """An exact 'detector' for the synth square (RGB 255, 96, 0): the bounding box of its pixels.

    Output follows the ultralytics export layout ``(N, 4 + classes, anchors)``: one anchor with
    (cx, cy, w, h, score), score 1 where the square is seen and 0 elsewhere.
    """
    import onnx
    from onnx import TensorProto, helper

    def const(name: str, value: np.ndarray) -> onnx.NodeProto:
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(
            name, TensorProto.FLOAT, value.shape, value.astype(np.float32).ravel().tolist()))  # fmt: skip

    idx = np.arange(size, dtype=np.float32)
    nodes = [
        const("idx", idx),
        const("idx1", idx + 1),
        const("big", np.array(1e6)),
        const("one", np.array(1.0)),
        const("half", np.array(0.5)),
        const("r_lo", np.array(0.8)),
        const("g_lo", np.array(0.25)),
        const("g_hi", np.array(0.55)),
        const("b_hi", np.array(0.2)),
        helper.make_node("Split", ["images"], ["R", "G", "B"], axis=1),
        helper.make_node("Greater", ["R", "r_lo"], ["m1"]),
        helper.make_node("Greater", ["G", "g_lo"], ["m2"]),
        helper.make_node("Less", ["G", "g_hi"], ["m3"]),
        helper.make_node("Less", ["B", "b_hi"], ["m4"]),
        helper.make_node("And", ["m1", "m2"], ["m12"]),
        helper.make_node("And", ["m3", "m4"], ["m34"]),
        helper.make_node("And", ["m12", "m34"], ["mb"]),
        helper.make_node("Cast", ["mb"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMax", ["mask"], ["cols"], axes=[1, 2], keepdims=0),  # (N, W)
        helper.make_node("ReduceMax", ["mask"], ["rows"], axes=[1, 3], keepdims=0),  # (N, H)
    ]
    for axis, occupied in (("x", "cols"), ("y", "rows")):
        nodes += [
            helper.make_node("Sub", ["one", occupied], [f"{axis}_empty"]),
            helper.make_node("Mul", [occupied, "idx"], [f"{axis}_at"]),
            helper.make_node("Mul", [f"{axis}_empty", "big"], [f"{axis}_far"]),
            helper.make_node("Add", [f"{axis}_at", f"{axis}_far"], [f"{axis}_lo_all"]),
            helper.make_node("ReduceMin", [f"{axis}_lo_all"], [f"{axis}1"], axes=[1], keepdims=1),
            helper.make_node("Mul", [occupied, "idx1"], [f"{axis}_hi_all"]),
            helper.make_node("ReduceMax", [f"{axis}_hi_all"], [f"{axis}2"], axes=[1], keepdims=1),
            helper.make_node("Sub", [f"{axis}2", f"{axis}1"], [f"{axis}_len"]),
            helper.make_node("Add", [f"{axis}1", f"{axis}2"], [f"{axis}_sum"]),
            helper.make_node("Mul", [f"{axis}_sum", "half"], [f"{axis}_c"]),
        ]
    nodes += [
        helper.make_node("ReduceMax", ["cols"], ["score"], axes=[1], keepdims=1),
        helper.make_node("Concat", ["x_c", "y_c", "x_len", "y_len", "score"], ["rows5"], axis=1),
        helper.make_node("Unsqueeze", ["rows5", "axis2"], ["output0"]),
    ]
    axis2 = helper.make_tensor("axis2", TensorProto.INT64, [1], [2])
    graph = helper.make_graph(
        nodes,
        "square",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, ["batch", 5, 1])],
        initializer=[axis2],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in {"task": "detect", "names": f"{{0: '{name}'}}", "imgsz": f"[{size}, {size}]"}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


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
