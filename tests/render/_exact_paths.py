"""The paths a timeline reaches users by, each checked against the oracle frame by frame.

Full render (PNG sequence), the printed ffmpeg command run by Debian's ``ffmpeg`` CLI (when
installed), the preview's ``timeline_frame`` on a few frames, smart render where the edit allows it,
and the sound (WAV, through the engine and the CLI) with its tone-burst onsets placed. A crash is a
finding like a wrong frame: every path reports, none raises.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image

from timeline_lab.media.reference import reference_for
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Project
from timeline_lab.model.media_ref import MediaReference
from timeline_lab.render import ExportSettings, check_smart, compile_plan, execute, smart_render
from timeline_lab.render.frame import timeline_frame

from ._exact_media import Source
from ._exact_timelines import Spec, build
from ._oracle import Code, Expected, Mismatch, describe, expect, mismatches, onsets, sound_mismatches

__all__ = ["CLI", "PathResult", "Report", "check", "make_refs"]

TOLERANCE = 1024  # one AAC frame: how far a burst onset may be from the model's placement
CLI = shutil.which("ffmpeg")


@dataclass
class PathResult:
    """What one path produced against the oracle."""

    name: str
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    sound: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """No wrong frame, no misplaced burst, no failure."""
        return not (self.mismatches or self.sound or self.error)

    def text(self, limit: int = 8) -> str:
        """The first differences, one a line."""
        if self.error:
            return f"  {self.name}: FAILED: {self.error}"
        if self.sound:
            lines = [f"  {self.name}: {len(self.sound)} problems with {self.checked} bursts"]
        else:
            lines = [f"  {self.name}: {len(self.mismatches)} of {self.checked} frames differ"]
        lines += [f"    {m}" for m in self.mismatches[:limit]]
        if len(self.mismatches) > limit:
            lines.append(f"    ... {len(self.mismatches) - limit} more")
        lines += [f"    {s}" for s in self.sound[:limit]]
        if len(self.sound) > limit:
            lines.append(f"    ... {len(self.sound) - limit} more")
        return "\n".join(lines)


@dataclass
class Report:
    """One timeline through every path."""

    timeline: str
    paths: list[PathResult]

    @property
    def ok(self) -> bool:
        """Every path agrees with the oracle."""
        return all(p.ok for p in self.paths)

    def __str__(self) -> str:
        bad = [p for p in self.paths if not p.ok]
        good = ", ".join(p.name for p in self.paths if p.ok) or "none"
        return "\n".join([self.timeline, "paths that differ from the model:", *(p.text() for p in bad),
                          f"paths that agree: {good}"])  # fmt: skip


def _codes(folder: Path) -> list[Code]:
    out = []
    for png in sorted(folder.glob("frame_*.png")):
        with Image.open(png) as img:
            out.append(read_frame_index(np.asarray(img.convert("RGB"))))
    return out


def _cli_error(stderr: str) -> str:
    """The lines of ffmpeg's stderr that say what went wrong (not its banner and stream maps)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    bad = [ln for ln in lines if any(w in ln.lower() for w in ("error", "invalid", "failed", "cannot"))]
    return " / ".join((bad or lines)[-3:])[:500]


def _run(name: str, fn: Callable[[PathResult], None]) -> PathResult:
    result = PathResult(name)
    try:
        fn(result)
    except Exception as exc:  # a crash is a finding like a wrong frame
        result.error = f"{type(exc).__name__}: {str(exc)[-600:]}"
    return result


def _full(project: Project, exp: Expected, tmp: Path) -> PathResult:
    def go(r: PathResult) -> None:
        execute(compile_plan(project, ExportSettings(path=tmp / "full", format="png-sequence")))
        got = _codes(tmp / "full")
        r.checked, r.mismatches = len(exp.frames), mismatches(exp, got)

    return _run("render", go)


def _cli(project: Project, exp: Expected, tmp: Path) -> PathResult:
    def go(r: PathResult) -> None:
        plan = compile_plan(project, ExportSettings(path=tmp / "cli", format="png-sequence"))
        (tmp / "cli").mkdir(exist_ok=True)
        done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True, timeout=30)
        if done.returncode:
            raise RuntimeError(f"ffmpeg exited {done.returncode}: {_cli_error(done.stderr)}")
        got = _codes(tmp / "cli")
        r.checked, r.mismatches = len(exp.frames), mismatches(exp, got)

    return _run("ffmpeg CLI", go)


def _preview(project: Project, exp: Expected, frames: list[int]) -> PathResult:
    def go(r: PathResult) -> None:
        got = [read_frame_index(timeline_frame(project, k, scale=1)) for k in frames]
        r.checked, r.mismatches = len(frames), mismatches(exp, got, frames)

    return _run("preview timeline_frame", go)


def _smart(project: Project, exp: Expected, tmp: Path) -> PathResult | str:
    """Smart render's result, or why it does not apply (a note, not a failure)."""
    export = ExportSettings(path=tmp / "smart.mp4")
    decision = check_smart(project, export)
    if not decision:
        return decision.reason

    def go(r: PathResult) -> None:
        smart_render(project, export)
        with av.open(str(export.path)) as c:
            got = [read_frame_index(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
        r.checked, r.mismatches = len(exp.frames), mismatches(exp, got)

    return _run("smart render", go)


def _pcm_onsets(path: Path) -> tuple[list[int], int]:
    with av.open(str(path)) as c:
        sr = c.streams.audio[0].sample_rate
        planar = av.AudioResampler(format="fltp")
        chunks = [g.to_ndarray()[0] for f in c.decode(audio=0) for g in planar.resample(f)]
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return onsets(pcm, gap=480), sr


def _sound(project: Project, exp: Expected, tmp: Path, *, cli: bool = False) -> PathResult:
    def go(r: PathResult) -> None:
        plan = compile_plan(project, ExportSettings(path=tmp / ("cli.wav" if cli else "mix.wav")))
        if cli:
            done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True, timeout=30)
            if done.returncode:
                raise RuntimeError(f"ffmpeg exited {done.returncode}: {_cli_error(done.stderr)}")
            out = plan.output.path
        else:
            out = execute(plan)
        found, sr = _pcm_onsets(out)
        r.checked = len(exp.bursts)
        r.sound = sound_mismatches(exp, found, sr, TOLERANCE)

    return _run("ffmpeg CLI sound" if cli else "render sound (WAV)", go)


def _sample(exp: Expected, full: PathResult, count: int) -> list[int]:
    """Frames worth a preview: the render's first wrong one, then cuts, the last frame, the first."""
    picks = [m.frame for m in full.mismatches[:1] if m.frame < len(exp.frames)]
    frames = exp.frames
    cuts = [k for k in range(1, len(frames)) if frames[k].item != frames[k - 1].item]
    for k in [*cuts, len(frames) - 1, 0]:
        if len(picks) >= count:
            break
        if k not in picks and frames[k].code is not None:
            picks.append(k)
    return sorted(picks)


def check(
    spec: Spec,
    pool: Mapping[str, Source],
    refs: Mapping[str, MediaReference],
    *,
    previews: int = 2,
    cli: bool = True,
    sound: bool = True,
) -> Report:
    """Build ``spec`` and run it through every path; nothing raises except a broken model."""
    built = build(spec, pool, refs)
    project = built.project
    by_path = {s.path: s for s in pool.values()}
    exp = expect(project, by_path)
    text = describe(project, by_path) + "".join(f"\n  note: {n}" for n in built.notes)
    with tempfile.TemporaryDirectory(prefix="tl-exact-") as d:
        tmp = Path(d)
        full = _full(project, exp, tmp)
        paths = [full]
        if cli and CLI:
            paths.append(_cli(project, exp, tmp))
        if previews:
            paths.append(_preview(project, exp, _sample(exp, full, previews)))
        smart = _smart(project, exp, tmp)
        if isinstance(smart, PathResult):
            paths.append(smart)
        elif sum(bool(t.items) for t in project.tracks) == 1:
            text += f"\n  note: smart render does not apply ({smart})"
        if sound:
            paths.append(_sound(project, exp, tmp))
            if cli and CLI:
                paths.append(_sound(project, exp, tmp, cli=True))
    return Report(text, paths)


def make_refs(sources: Mapping[str, Source]) -> dict[str, MediaReference]:
    """Probe each source the way a user's clip would (failures surface at use, not here)."""
    refs = {}
    for name, src in sources.items():
        try:
            refs[name] = reference_for(src.path)
        except Exception:  # a probe failure shows in the examples that use the source
            continue
    return refs
