"""A long EDL probes each file it names a few times, not a few times an event: its thousands of
events name a few files. Before, 4000 events of one file probed it 8001 times (~5 ms an event)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model.timecode import format_timecode

R = Fraction(24)
probe_module = importlib.import_module(
    "timeline_lab.media.probe"
)  # (the package exports probe() by that name)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("many")
    return [
        make_clip(d / f"f{k}.mp4", width=64, height=48, rate=24, frames=48, tag=k, audio=False)
        for k in (1, 2)
    ]


def _edl(path: Path, events: int, names: list[str], by: str) -> Path:
    lines = ["TITLE: many", "FCM: NON-DROP FRAME", ""]
    for k in range(events):
        s, rec = (k * 7) % 40, 86400 + 5 * k
        tcs = " ".join(format_timecode(t, R, False) for t in (s, s + 5, rec, rec + 5))
        lines += [
            f"{k % 999 + 1:03d}  AX       V     C        {tcs}",
            f"* FROM CLIP{by}: {names[k % len(names)]}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("events", [20, 200])
@pytest.mark.parametrize("how", ["name", "path"])
@pytest.mark.parametrize("n_files", [1, 2])
@pytest.mark.parametrize("rate", [R, None])
def test_each_file_is_probed_a_few_times(
    files: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    events: int,
    how: str,
    n_files: int,
    rate: Fraction | None,
) -> None:
    used = files[:n_files]
    names = [f.name for f in used] if how == "name" else [str(f) for f in used]
    for f in used:
        (tmp_path / f.name).write_bytes(f.read_bytes())
    edl = _edl(
        tmp_path / "many.edl",
        events,
        names if how == "name" else [str(tmp_path / f.name) for f in used],
        " NAME" if how == "name" else "",
    )
    probes: list[str] = []
    stamp: Callable[..., Any] = probe_module.file_stamp

    def counted(path: Any) -> Any:
        probes.append(str(path))
        return stamp(path)

    monkeypatch.setattr(probe_module, "file_stamp", counted)
    project = read_otio(edl, rate=rate)
    assert len(project.tracks[0].items) == events
    said = f"{len(probes)} probes for {events} events of {n_files} file(s)"
    assert len(probes) <= 8 * n_files, said  # (a fresh probe stamps its file twice): not a few an event
