"""Smart render: copy the untouched H.264 GOPs of a cuts-only edit, re-encode only the cut edges.

Why: re-encoding a cuts-only edit costs time and a generation of quality; most of it can be copied.
Each clip's whole closed GOPs are remuxed byte for byte (only pts/dts rewritten), and so is its last
GOP up to the cut where decode order allows (``walk``); the rest of a partial GOP, and gaps (encoded
as the background colour), go through libx264, one run per stretch between copies, the stretches
side by side on worker threads while the copies are muxed (``edges``, ``run``). MP4 keeps the
parameter sets in one avcC, but an avcC may hold several SPS/PPS: the sources' keep their ids and
libx264 writes its own under an id no source uses (``sps-id``), so both kinds of GOP decode, and
every switch falls on an IDR, where H.264 allows one. libx264's extradata is checked (ids, profile)
before anything is written; sources whose parameter sets clash are refused, not guessed at.

Audio is AAC on the output's 1024-sample grid (``splice``): a clip whose sound lands on the grid
(its offset a multiple of 1024 samples: the whole file, a split that keeps the sound running, a cut
on the grid) has its source packets copied, with only a few frames around each cut re-encoded and
spliced on; any other clip's sound is re-encoded, in parallel with the video pass (``track``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ...atomic import OutputError, commit, release, write_path
from ...core.events import EventBus, RenderCompleted, RenderStarted
from ...core.jobs import Job
from ...errors import RenderError, TimelineLabError
from ...model.project import Project
from ..execute.interrupts import cancel_on_interrupt
from ..execute.outcome import fail
from ..execute.runner import RenderJob, execute
from ..plan import ExportSettings
from ..targets import check_replace, check_target, mark_output, project_sources, staging_file
from .plan import Plan, Refused
from .prepare import prepare
from .run import Run

__all__ = ["SmartDecision", "check_smart", "render_auto", "smart_render"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmartDecision:
    """Whether ``smart_render`` can do this export, and if not, what blocks it."""

    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


def check_smart(project: Project, export: ExportSettings) -> SmartDecision:
    """Can this export be stream-copied? ``reason`` names the first thing that blocks it."""
    try:
        plan = prepare(project, export)
    except TimelineLabError as exc:
        return SmartDecision(False, str(exc))
    clips = sum(p.path is not None for p in plan.pieces)
    return SmartDecision(True, f"cuts-only: {clips} clip(s), {plan.total} frames of matching H.264")


def smart_render(
    project: Project, export: ExportSettings, *, bus: EventBus | None = None, job: Job | None = None
) -> Path:
    """Render a cuts-only edit by copying GOPs; raises RenderError naming what blocks it."""
    check_target(export.path, project_sources(project))
    check_replace(export.path, project.id, project.name, overwrite=export.overwrite)
    return _execute(prepare(project, export), bus, job, quiet=False)


def render_auto(
    project: Project, export: ExportSettings, *, bus: EventBus | None = None, job: Job | None = None
) -> Path:
    """Smart render when the edit allows it, else the full engine; the reason goes to the log."""
    check_target(export.path, project_sources(project))
    check_replace(export.path, project.id, project.name, overwrite=export.overwrite)
    try:
        return _execute(prepare(project, export), bus, job, quiet=True)
    except Refused as exc:
        log.info("smart render not possible (%s); rendering in full", exc)
    from ..compile.compiler import compile_plan

    return execute(compile_plan(project, export), bus=bus, job=job)


def _execute(plan: Plan, bus: EventBus | None, job: Job | None, *, quiet: bool) -> Path:
    """Same contract as execute(): events, cancel (Ctrl-C on the main thread too), the staged output
    renamed only on success."""
    job = job or RenderJob()
    with cancel_on_interrupt(job):
        return _copy(plan, bus, job, quiet=quiet)


def _copy(plan: Plan, bus: EventBus | None, job: Job, *, quiet: bool) -> Path:
    """Copy and re-encode the plan's pieces into a staging file, renamed onto the target when done."""
    target = plan.export.path
    part = staging_file(target)  # a new file of ours: never a planted link, never another's file
    if bus:
        bus.publish(RenderStarted(job.job_id, target, plan.total, "copy+libx264"))
    run = None
    try:
        run = Run(plan, write_path(part), job, bus)  # the file made: never a link swapped in for it
        run.run()
        owner = (plan.project_id, plan.project_name)
        check_replace(target, *owner, overwrite=plan.export.overwrite)  # did one appear meanwhile?
        mark_output(part, *owner)
        try:  # renamed only while it is the file made; the staging lock is let go
            commit(part, target)
        except OutputError as exc:
            raise RenderError(str(exc)) from None
    except BaseException as exc:
        if run is not None:
            run.abort()
        part.unlink(missing_ok=True)
        release(part)
        if quiet and isinstance(exc, Refused):
            raise  # render_auto falls back to the full engine; not a failure to report
        fail(exc, job.job_id, target, bus)
    wall = time.monotonic() - run.t0
    run.progress(force=True, finished=True)
    if bus:
        bus.publish(RenderCompleted(job.job_id, target, plan.total, wall))
    sound = f"{run.track.copied}/{run.track.copied + run.track.encoded} AAC packets copied"
    log.info("smart-rendered %s: %d frames (%d copied), %s, in %.2fs", target, plan.total, run.copied, sound,
             wall)  # fmt: skip
    return target
