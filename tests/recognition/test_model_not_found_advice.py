"""A model that is not on disk: the advice fits what was asked (download=True fetches only a bare
official name; it never says "pass download=True" to someone who did)."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.recognition.errors import ModelNotFoundError
from timeline_lab.recognition.models import ModelRegistry


@pytest.mark.parametrize(
    "model", ["models/yolo11n.pt", "weights/custom.pt", "/nowhere/yolo11s.pt", "a/b.onnx"]
)
def test_a_path_with_download_says_only_bare_names_download(tmp_path: Path, model: str) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        ModelRegistry(tmp_path / "models").resolve(model, download=True)
    text = str(info.value)
    assert "download=True fetches only a bare official .pt name such as 'yolo11n.pt', not a path" in text
    assert "unless you pass download=True" not in text


@pytest.mark.parametrize("model", ["yolo11n.pt", "models/yolo11n.pt", "custom.onnx"])
def test_without_download_it_says_how_to_ask_for_one(tmp_path: Path, model: str) -> None:
    with pytest.raises(
        ModelNotFoundError, match=r"unless you pass download=True with a bare official \.pt name"
    ):
        ModelRegistry(tmp_path / "models").resolve(model)
