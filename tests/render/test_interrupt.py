"""Ctrl-C during a render stops it: KeyboardInterrupt, no output, no staging file left, whatever the
format (a GIF's palettegen makes every buffersink pull answer EAGAIN, where the signal was lost)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio

CHILD = """
import sys
from timeline_lab.core.events import RenderProgress
from timeline_lab.studio import Studio

clip, out, ws = sys.argv[1:4]
studio = Studio(workspace=ws)
p = studio.new_project("k", width=320, height=180, frame_rate=25)
for _ in range(40):
    p.tracks[0].append(studio.clip(clip, 0, 50))
told = []

def started(event):
    if not told:
        told.append(event)
        print("rendering", flush=True)

studio.bus.subscribe(RenderProgress, started)
try:
    studio.render(p, out, progress=False, cluster=False)
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("kbi") / "c.mp4", width=320, height=180, rate=25, frames=50)


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4])
@pytest.mark.parametrize("name", ["o.gif", "o.mp4", "o.webp", "frames"])
def test_ctrl_c_stops_a_render_and_leaves_no_output(
    clip: Path, tmp_path: Path, name: str, delay: float
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / name
    args = [sys.executable, "-c", CHILD, str(clip), str(target), str(tmp_path / "ws")]
    if name == "frames":
        target = out / "frames" / "f_%04d.png"
        target.parent.mkdir()
        args[4] = str(target)
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "rendering"
        threading.Event().wait(delay)
        child.send_signal(signal.SIGINT)
        said, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert said.strip() == "interrupted", err
    left = sorted(p.name for p in out.rglob("*"))
    assert left == ([] if name != "frames" else ["frames"])  # no output, no .part


def test_the_handler_is_put_back_and_a_cancel_is_still_a_cancel(clip: Path, tmp_path: Path) -> None:
    from timeline_lab.errors import CancelledError
    from timeline_lab.render.execute.runner import RenderJob

    studio = Studio(workspace=tmp_path / "ws")
    p = studio.new_project("k", width=64, height=36, frame_rate=25)
    p.tracks[0].append(studio.clip(clip, 0, 5))
    studio.render(p, tmp_path / "a.mp4", progress=False, cluster=False)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    job = RenderJob()
    job.cancel()
    with pytest.raises(CancelledError):
        studio.render(p, tmp_path / "b.mp4", progress=False, cluster=False, job=job)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert not (tmp_path / "b.mp4").exists()


def test_ctrl_c_as_the_output_is_put_in_place_still_tells_its_completion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C that arrives once the output is in place (during the commit) cannot take it back:
    the render is told complete (RenderCompleted), then KeyboardInterrupt is raised. It raised a
    cancel after the commit, so the output stood there and no end of the render was told."""
    import os

    from timeline_lab.core.events import RenderCancelled, RenderCompleted, RenderFailed
    from timeline_lab.render.execute import runner

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT is handled on the main thread only")
    clip = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=25, frames=10)
    studio = Studio(workspace=tmp_path / "ws")
    p = studio.new_project("k", width=64, height=48, frame_rate=25)
    p.tracks[0].append(studio.clip(clip, 0, 5))
    events: list[object] = []
    for kind in (RenderCompleted, RenderCancelled, RenderFailed):
        studio.bus.subscribe(kind, events.append)
    real = runner.Staging.commit

    def commit(self: runner.Staging) -> None:
        real(self)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C just as the output is put in place

    monkeypatch.setattr(runner.Staging, "commit", commit)
    with pytest.raises(KeyboardInterrupt):
        studio.render(p, tmp_path / "a.mp4", progress=False, cluster=False)
    assert (tmp_path / "a.mp4").is_file()
    assert [type(e).__name__ for e in events] == ["RenderCompleted"]


@pytest.mark.parametrize("when", ["first frame", "after the commit"])
def test_ctrl_c_stops_a_smart_render_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    """The smart render (copying GOPs) honours Ctrl-C as the full engine does: before the output is
    in place, no output and KeyboardInterrupt; once it is, the completion is told first."""
    import os

    from timeline_lab.core.events import RenderCompleted
    from timeline_lab.render import ExportSettings
    from timeline_lab.render.smart import run as smart_run
    from timeline_lab.render.smart import smart_render

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT is handled on the main thread only")
    clip = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=25, frames=60)
    studio = Studio(workspace=tmp_path / "ws")
    p = studio.new_project("k", width=64, height=48, frame_rate=25)
    p.tracks[0].append(studio.clip(clip, 0, 60))
    done: list[object] = []
    studio.bus.subscribe(RenderCompleted, done.append)
    if when == "first frame":
        real = smart_run.Run.run

        def run(self: smart_run.Run) -> None:
            os.kill(os.getpid(), signal.SIGINT)
            real(self)

        monkeypatch.setattr(smart_run.Run, "run", run)
    else:
        from timeline_lab.render import smart

        real_commit = smart.commit

        def commit(part: Path, target: Path) -> None:
            real_commit(part, target)
            os.kill(os.getpid(), signal.SIGINT)

        monkeypatch.setattr(smart, "commit", commit)
    out = tmp_path / "s.mp4"
    with pytest.raises(KeyboardInterrupt):
        smart_render(p, ExportSettings(path=out), bus=studio.bus)
    assert out.exists() == (when != "first frame")
    assert len(done) == (when != "first frame")
    assert not list(tmp_path.glob("*.part"))
