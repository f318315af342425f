"""`timeline-lab render -q` prints nothing but the output's path: SVT-AV1 (MKV, AV1 MP4/WebM) printed
some 20 lines of Svt[info] to stderr per render, as it does unless SVT_LOG says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def project_file(media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("quiet")
    studio = Studio(workspace=folder)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 6))
    return studio.save(project, folder / "p.tlproj")


def _render(
    project: Path, out: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SVT_LOG"} | (env or {})
    argv = [sys.executable, "-m", "timeline_lab", "render", str(project), "-o", out, "-q", "-y", *extra]
    return subprocess.run(argv, cwd=project.parent, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize(
    ("out", "extra"),
    [
        ("q.mkv", ()),
        ("q.webm", ()),
        ("av1.mp4", ("--format", "mp4-av1")),
        ("av1.webm", ("--encoder", "libsvtav1")),
    ],
)
def test_a_quiet_render_writes_nothing_to_stderr(
    project_file: Path, out: str, extra: tuple[str, ...]
) -> None:
    done = _render(project_file, out, *extra)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.strip().endswith(out)


def test_the_users_own_svt_log_wins(project_file: Path) -> None:
    done = _render(project_file, "loud.mkv", env={"SVT_LOG": "4"})
    assert done.returncode == 0 and "Svt[info]" in done.stderr
