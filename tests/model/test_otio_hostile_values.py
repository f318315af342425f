"""Hostile or damaged values in an .otio file (OTIO's JSON reader takes NaN and Infinity): each is a
ProjectFileError naming the file and the place, never a traceback or a message naming nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from timeline_lab.cli import main
from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange.otio import read_otio

from ._otio_parts import ORT, OTR, otio_clip, otio_gap

INF, NAN = float("inf"), float("nan")


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)


def _timeline(url: str) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="hostile", global_start_time=ORT(0, 24))
    v = otio.schema.Track(name="V1")
    v.extend([otio_clip(url, 0, 10), otio_gap(2)])
    v[0].name = "a"
    tl.tracks.append(v)
    return tl


def _warp(scalar: float, on: int = 0) -> Callable[[otio.schema.Timeline], None]:
    def edit(tl: otio.schema.Timeline) -> None:
        tl.tracks[0][on].effects.append(otio.schema.LinearTimeWarp(time_scalar=scalar))

    return edit


def _start_rate(rate: float) -> Callable[[otio.schema.Timeline], None]:
    def edit(tl: otio.schema.Timeline) -> None:
        tl.global_start_time = ORT(0, rate)

    return edit


def _ours(where: str, value: Any) -> Callable[[otio.schema.Timeline], None]:
    def edit(tl: otio.schema.Timeline) -> None:
        obj = {"timeline": tl, "track": tl.tracks[0], "clip": tl.tracks[0][0], "marker": None}[where]
        if obj is None:  # a marker of the timeline
            obj = otio.schema.Marker(name="m", marked_range=OTR(ORT(1, 24), ORT(0, 24)))
            tl.tracks.markers.append(obj)
        obj.metadata["timeline_lab"] = value

    return edit


def _duration(value: float) -> Callable[[otio.schema.Timeline], None]:
    def edit(tl: otio.schema.Timeline) -> None:
        clip = tl.tracks[0][0]
        clip.source_range = OTR(clip.source_range.start_time, ORT(value, 24))

    return edit


def _stack_range(value: float) -> Callable[[otio.schema.Timeline], None]:
    def edit(tl: otio.schema.Timeline) -> None:
        tl.tracks.source_range = OTR(ORT(value, 24), ORT(5, 24))

    return edit


HOSTILE: dict[str, tuple[Callable[[otio.schema.Timeline], None], str]] = {
    **{
        f"time_scalar {s!r}": (_warp(s), 'tracks[0][0] clip "a" effects[0] time_scalar')
        for s in (NAN, INF, -INF, 1e-9, -1e-9, 0.001, 0.004, 101.0, -1000.0, 1e300)
    },
    "time_scalar nan on a gap": (_warp(NAN, on=1), "tracks[0][1] gap effects[0] time_scalar"),
    **{
        f"global_start_time rate {r!r}": (_start_rate(r), "timeline global_start_time.rate")
        for r in (1e-9, 1e-4, 0.0, -25.0, NAN, INF)
    },
    **{
        f"source_range duration {d!r}": (_duration(d), 'tracks[0][0] clip "a"')
        for d in (1e300, 1e12, 24 * 3600 * 24 + 1.0)
    },
    **{f"tracks source_range start {v!r}": (_stack_range(v), "tracks source_range") for v in (NAN, INF)},
    **{
        f"metadata.timeline_lab on the {where} is {value!r}": (_ours(where, value), "metadata.timeline_lab")
        for where in ("timeline", "track", "clip", "marker")
        for value in ("just a string", 5, [1, 2])
    },
}


def _write(tmp_path: Path, tl: otio.schema.Timeline) -> Path:
    path = tmp_path / "hostile.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_value_is_named_with_its_file_and_place(cam: Path, tmp_path: Path, case: str) -> None:
    edit, where = HOSTILE[case]
    tl = _timeline(cam.as_uri())
    edit(tl)
    path = _write(tmp_path, tl)
    with pytest.raises(ProjectFileError) as info:
        read_otio(path)
    said = str(info.value)
    assert said.startswith(f"{path}: ") and where in said, said
    assert "Value error," not in said and "integer ratio" not in said


@pytest.mark.parametrize("case", ["time_scalar inf", "global_start_time rate 1e-09", "time_scalar nan"])
def test_the_command_line_says_one_line(
    cam: Path, tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, where = HOSTILE[case]
    tl = _timeline(cam.as_uri())
    edit(tl)
    path = _write(tmp_path, tl)
    assert main(["render", str(path), "-o", str(tmp_path / "out.mp4"), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and where in err and "Traceback" not in err


@pytest.mark.parametrize("scalar", [0.0, 0.01, 0.5, 1.0, 2.0, -1.0, -2.0, 4.0])
def test_speeds_the_model_plays_still_import(cam: Path, tmp_path: Path, scalar: float) -> None:
    tl = _timeline(cam.as_uri())
    _warp(scalar)(tl)
    project = read_otio(_write(tmp_path, tl))
    effects = [fx.kind for fx in project.tracks[0].items[0].effects]
    assert ("freeze" in effects) == (scalar == 0) and ("reverse" in effects) == (scalar < 0)
