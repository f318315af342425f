"""Numbers a crafted or damaged project file may hold: each refused with the file and the field
named, at once (a huge exponent hung the load, NaN in a transform crashed the render, a huge time
raised a bare OverflowError)."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectFileError
from timeline_lab.model import io
from timeline_lab.model._exact import to_fraction
from timeline_lab.model.properties import Transform


def _project_with(tmp_path: Path, edit: dict[str, object], where: str) -> Path:
    from timeline_lab.model import Project

    doc = json.loads(io.dumps(Project(name="p")))
    doc["markers"] = [{"time": {"value": 1, "rate": 25}, "name": "m"}]
    target = doc["markers"][0] if where == "marker" else doc
    target.update(edit)
    path = tmp_path / "p.tlproj"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("rate", ["1e1000000000", "1e-1000000", "7E999999", "1e401"])
def test_a_huge_exponent_is_refused_at_once(tmp_path: Path, rate: str) -> None:
    path = _project_with(tmp_path, {"time": {"value": 1, "rate": rate}}, "marker")
    t0 = time.perf_counter()
    with pytest.raises(ProjectFileError, match=r"p\.tlproj: markers\[0\]\.time: .*cannot read"):
        io.load(path)
    assert time.perf_counter() - t0 < 2


def test_a_huge_time_names_the_field(tmp_path: Path) -> None:
    path = _project_with(tmp_path, {"time": {"value": 10**400, "rate": 25}}, "marker")
    with pytest.raises(ProjectFileError, match=r"p\.tlproj: markers\[0\]\.time: .*24 h"):
        io.load(path)


@pytest.mark.parametrize("field", ["x", "y", "rotation", "scale_x", "scale_y"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e308])
def test_a_transform_is_finite_and_bounded(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        Transform(**{field: value})


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789eE+-./ ", max_size=40))
def test_any_numeric_text_reads_or_is_refused_quickly(text: str) -> None:
    t0 = time.perf_counter()
    with contextlib.suppress(ValueError, ZeroDivisionError):
        to_fraction(text)
    assert time.perf_counter() - t0 < 0.5


def test_a_lone_surrogate_a_file_brought_is_named_when_saving(tmp_path: Path) -> None:
    """A load keeps a name written as a JSON ``\\ud800`` escape; a save named neither file nor field."""
    from timeline_lab.model import Project

    doc = json.loads(io.dumps(Project(name="p")))
    doc["markers"] = [{"time": {"value": 1, "rate": 25}, "name": "ok"}, {"time": {"value": 2, "rate": 25}}]
    text = json.dumps(doc).replace('"time": {"value": 2', '"name": "bad\\ud800", "time": {"value": 2')
    (tmp_path / "in.tlproj").write_text(text)
    project = io.load(tmp_path / "in.tlproj")
    lone = r"out\.tlproj: markers\[1\]\.name: holds an unpaired surrogate"
    with pytest.raises(ProjectFileError, match=lone):
        io.save(project, tmp_path / "out.tlproj")
    assert not (tmp_path / "out.tlproj").exists()


def test_a_media_file_named_in_another_encoding_probes_renders_and_is_named_when_saving(
    tmp_path: Path,
) -> None:
    """Linux file names are bytes: a Latin-1 ``café.mp4`` crashed the probe cache's key (review 64)."""
    import os

    from timeline_lab.media.synth import make_clip
    from timeline_lab.studio import Studio

    made = make_clip(tmp_path / "made.mp4", width=64, height=48, rate=25, frames=10)
    latin = os.fsdecode(b"caf\xe9.mp4")
    (tmp_path / latin).write_bytes(made.read_bytes())
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(latin, 2, 5))
    assert studio.render(project, tmp_path / "out.mp4", progress=False).exists()
    with pytest.raises(ProjectFileError, match=r"media\.path: the file name is not UTF-8.*rename the file"):
        studio.save(project, tmp_path / "p.tlproj")
