"""The demo: synthetic media -> a small edited project -> a rendered MP4, with nothing downloaded."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import OutputError
from .model import io
from .model.project import Project
from .render.targets import previous_output_of
from .studio import Studio

__all__ = ["DemoResult", "build_demo_project", "run_demo"]


@dataclass
class DemoResult:
    """What the demo made, for printing and for tests."""

    media: list[Path]
    project_file: Path
    output: Path
    project: Project
    seconds: float
    ffmpeg_command: list[str] = field(default_factory=list)

    def report(self) -> list[str]:
        """Lines the CLI prints."""
        rate = self.project.settings.frame_rate
        dur = self.project.duration()
        lines = [f"media:   {p}" for p in self.media]
        lines += [
            f"project: {self.project_file} ({sum(len(t.items) for t in self.project.tracks)} clips, "
            f"{dur.to_frames(rate)} frames = {dur.to_timecode()})",
            f"render:  {self.output} in {self.seconds:.1f}s",
        ]
        return lines


def build_demo_project(studio: Studio, media: list[Path]) -> Project:
    """Three trimmed clips at mixed rates and sizes, conformed to a 640x360 29.97 timeline."""
    project = studio.new_project("demo", width=640, height=360, frame_rate="30000/1001")
    v1 = project.tracks[0]
    v1.append(studio.clip(media[0], 13, 45, name="pal"))
    v1.append(studio.clip(media[1], 5, 30, name="ntsc"))
    v1.append(studio.clip(media[2], 0, 24, name="film"))
    return project


def run_demo(directory: str | Path, *, progress: bool = True) -> DemoResult:
    """Make media (if absent), build and save the project, render it; returns what happened."""
    from .media.synth import make_demo_media

    root = Path(directory).expanduser().resolve()  # the studio resolves relative paths against it
    root.mkdir(parents=True, exist_ok=True)
    studio = Studio(workspace=root)
    _check_ours(root / "demo.tlproj", io.is_project_file, "a timeline_lab project")
    media = make_demo_media(root / "media")
    project = build_demo_project(studio, media)
    _check_ours(root / "demo.mp4", lambda p: previous_output_of(p, project.id, project.name), "a demo render")
    project_file = io.save(project, root / "demo.tlproj")
    t0 = time.monotonic()
    out = studio.render(project, root / "demo.mp4", progress=progress)
    cmd = studio.plan(project, root / "demo.mp4").to_ffmpeg_args()
    return DemoResult(media, project_file, out, project, time.monotonic() - t0, cmd)


def _check_ours(path: Path, ours: Callable[[Path], bool], what: str) -> None:
    """The demo replaces only its own earlier files, and has no option to replace others: say so
    (the save's and render's own refusals point at an ``overwrite`` it does not take)."""
    if path.is_file() and path.stat().st_size and not ours(path):
        msg = f"{path}: exists and is not {what}; move it away, or run the demo in another folder (--dir)"
        raise OutputError(msg)
