"""A detector for the demo media's moving square, written as an ONNX graph: notebooks and tests show
recognition end to end without downloading weights (the square's box is found exactly)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_write_bytes

__all__ = ["square_detector"]


def square_detector(path: Path, size: int = 320, *, name: str = "square") -> Path:
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
        nodes += _extent(helper, axis, occupied)
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
    return atomic_write_bytes(path, model.SerializeToString())


def _extent(helper: Any, axis: str, occupied: str) -> list[Any]:
    """Nodes giving the centre and length of the occupied run along one axis (first to last hit)."""
    return [
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
