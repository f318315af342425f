"""The offline face cascades on a real photograph: a panned video of skimage's astronaut."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.recognition import DETECTION_SCHEMA, ModelManager, ModelRegistry, recognize
from timeline_lab.recognition.errors import ModelNotFoundError

skimage_data = pytest.importorskip("skimage.data")

FACE = (177.0, 63.0, 278.0, 164.0)  # the astronaut's face in the 512 x 512 photograph (x1, y1, x2, y2)
FRAMES, SIZE, STEP = 12, 320, 8  # 320 x 320 crops, panned 8 pixels a frame to the right


@pytest.fixture(scope="module")
def panned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    photo = skimage_data.astronaut()
    path = tmp_path_factory.mktemp("faces") / "astronaut.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(25))
        stream.width = stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18"}
        for k in range(FRAMES):
            crop = np.ascontiguousarray(photo[20 : 20 + SIZE, k * STEP : k * STEP + SIZE])
            out.mux(stream.encode(av.VideoFrame.from_ndarray(crop, format="rgb24")))
        out.mux(stream.encode(None))
    return path


@pytest.fixture
def manager(tmp_path: Path) -> ModelManager:
    return ModelManager(ModelRegistry(tmp_path))


def test_one_face_per_frame_where_the_pan_puts_it(panned: Path, manager: ModelManager) -> None:
    df = recognize(panned, "skimage:face", manager=manager, cache=False)
    assert df.schema == DETECTION_SCHEMA
    assert df["frame"].to_list() == list(range(FRAMES))  # exactly one face in every frame
    assert set(df["class_name"]) == {"face"} and set(df["model"]) == {"skimage:face"}
    for row in df.iter_rows(named=True):
        dx, dy = row["frame"] * STEP, 20
        want = np.array(FACE) - [dx, dy, dx, dy]
        got = np.array([row["x1"], row["y1"], row["x2"], row["y2"]])
        assert np.abs(got - want).max() < 20, (row["frame"], got, want)
        assert row["nx2"] == pytest.approx(row["x2"] / SIZE)


def test_detector_interface(manager: ModelManager) -> None:
    detector = manager.get("skimage:face")
    assert manager.get("skimage:face") is detector  # loaded once, kept by the manager
    assert detector.backend == "opencv" and detector.names == {0: "face"} and detector.device == "cpu"
    found = detector.predict([skimage_data.astronaut()])
    assert len(found) == 1 and np.abs(found.xyxy[0] - FACE).max() < 20
    assert len(detector.predict([skimage_data.astronaut()], classes=[1])) == 0


@pytest.mark.parametrize(
    ("model", "error"),
    [("skimage:cat", "no such bundled cascade"), ("opencv:dog", "no such bundled cascade")],
)
def test_unknown_cascades_are_named(manager: ModelManager, model: str, error: str) -> None:
    with pytest.raises(ModelNotFoundError, match=error):
        manager.get(model)


def test_opencv_haar_when_opencv_has_cascades(panned: Path, manager: ModelManager) -> None:
    cv2 = pytest.importorskip("cv2")
    if not hasattr(cv2, "CascadeClassifier"):
        with pytest.raises(ModelNotFoundError, match="skimage:face"):
            manager.get("opencv:face")
        return
    df = recognize(panned, "opencv:face", manager=manager, cache=False)
    assert df.schema == DETECTION_SCHEMA and df["frame"].n_unique() == FRAMES
