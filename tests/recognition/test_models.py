"""Model manager: local registry, checksums, clear errors for missing/corrupt files, LRU budget."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from timeline_lab.recognition import ModelManager, ModelNotFoundError, ModelRegistry, RecognitionError
from timeline_lab.recognition.models import file_sha256, models_dir

from .conftest import build_square_detector


def test_models_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_LAB_MODELS", str(tmp_path / "m"))
    assert models_dir() == tmp_path / "m"
    assert ModelRegistry().root == tmp_path / "m"


def test_missing_model_says_where_to_put_it(tmp_path: Path) -> None:
    manager = ModelManager(ModelRegistry(tmp_path))
    with pytest.raises(ModelNotFoundError) as err:
        manager.get("yolo11n.pt")
    msg = str(err.value)
    assert f"put the file at {tmp_path / 'yolo11n.pt'}" in msg
    assert "download=True" in msg
    assert not (tmp_path / "yolo11n.pt").exists()  # nothing was fetched


def test_registered_name_whose_file_went_missing(tmp_path: Path, square_model: Path) -> None:
    copy = tmp_path / "sq.onnx"
    shutil.copy(square_model, copy)
    registry = ModelRegistry(tmp_path)
    registry.register("faces", copy)
    copy.unlink()
    with pytest.raises(ModelNotFoundError, match=r"'faces': .*sq\.onnx is missing; put the model file there"):
        registry.resolve("faces")


def test_unsupported_format(tmp_path: Path) -> None:
    (tmp_path / "model.tflite").write_bytes(b"x")
    with pytest.raises(RecognitionError, match=r"unsupported format '\.tflite'"):
        ModelRegistry(tmp_path).resolve(tmp_path / "model.tflite")


def test_file_name_is_found_in_the_models_folder(tmp_path: Path, square_model: Path) -> None:
    shutil.copy(square_model, tmp_path / "square.onnx")
    spec = ModelRegistry(tmp_path).resolve("square.onnx")
    assert spec.path == (tmp_path / "square.onnx").resolve()
    assert spec.backend == "onnx"


def test_registry_manifest_roundtrip(tmp_path: Path, square_model: Path) -> None:
    shutil.copy(square_model, tmp_path / "square.onnx")
    registry = ModelRegistry(tmp_path)
    spec = registry.register("square", tmp_path / "square.onnx", task="detect", names=["square"], imgsz=320)
    assert spec.sha256 == file_sha256(square_model)
    registry.save()
    data = json.loads((tmp_path / "models.json").read_text())
    assert data["models"][0]["name"] == "square"
    again = ModelRegistry(tmp_path)
    assert "square" in again and len(again) == 1
    assert again.resolve("square") == spec
    detector = ModelManager(again).get("square")
    assert detector.names == {0: "square"} and detector.imgsz == (320, 320)


def test_checksum_mismatch_is_refused(tmp_path: Path, square_model: Path) -> None:
    target = tmp_path / "square.onnx"
    shutil.copy(square_model, target)
    registry = ModelRegistry(tmp_path)
    registry.register("square", target)
    build_square_detector(target, size=160)  # replaced by a different model
    os.utime(target, ns=(1, 1))
    with pytest.raises(RecognitionError, match=r"has sha256 .* expected .*replaced or is corrupt"):
        ModelManager(registry).get("square")


def test_corrupt_onnx_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x07garbage that is not a protobuf model" * 10)
    with pytest.raises(
        RecognitionError, match=r"cannot load .*broken\.onnx with onnxruntime .*corrupt or not an ONNX"
    ):
        ModelManager(ModelRegistry(tmp_path)).get(bad)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::UserWarning")
def test_corrupt_pt_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"PK\x03\x04 this is not a torch checkpoint")
    with pytest.raises(
        RecognitionError, match=r"cannot load .*broken\.pt with ultralytics .*corrupt or not a YOLO"
    ):
        ModelManager(ModelRegistry(tmp_path)).get(bad)


def test_lru_keeps_recent_models_within_budget(tmp_path: Path) -> None:
    paths = [build_square_detector(tmp_path / f"m{size}.onnx", size=size) for size in (64, 96, 128)]
    size = max(p.stat().st_size for p in paths)
    manager = ModelManager(ModelRegistry(tmp_path), budget_bytes=2 * size + 1)
    a = manager.get(paths[0])
    manager.get(paths[1])
    assert manager.get(paths[0]) is a  # a hit, and now the most recent
    assert manager.loaded == ["m96.onnx", "m64.onnx"]
    manager.get(paths[2])  # over budget: the least recently used (m96) goes
    assert manager.loaded == ["m64.onnx", "m128.onnx"]
    assert manager.nbytes <= manager.budget_bytes
    manager.clear()
    assert manager.loaded == [] and manager.nbytes == 0


def test_one_model_larger_than_the_budget_still_loads(tmp_path: Path, square_model: Path) -> None:
    manager = ModelManager(ModelRegistry(tmp_path), budget_bytes=1)
    assert manager.get(square_model).name == "square.onnx"
    assert manager.loaded == ["square.onnx"]


def test_ultralytics_is_kept_offline(yolo_models: dict[str, Path]) -> None:
    from timeline_lab.recognition import _lazy

    ul = _lazy.ultralytics()
    assert os.environ["YOLO_OFFLINE"] == "1"
    assert ul.settings["sync"] is False
    from ultralytics.utils import is_online

    assert is_online() is False
