"""A FIFO (or device) named like a project, a notebook or a render's output: opening it to read
blocks until a writer comes, which froze a kernel (``studio.open``), a render request, and the
whole Jupyter server (the companion notebook check runs on its event loop). Each is now passed
over at once."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.fs import is_regular_file
from timeline_lab.model import io
from timeline_lab.render.targets import previous_output_of
from timeline_lab.server.companion import ensure_companion

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")


def _within(seconds: float, call: Callable[[], object], fifo: Path) -> object:
    """``call()``'s result, failing (and unblocking it) if it takes longer than ``seconds``."""
    out: dict[str, object] = {}

    def run() -> None:
        try:
            out["value"] = call()
        except BaseException as exc:  # handed to the test
            out["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # let the blocked reader go
        os.close(fd)
        pytest.fail(f"blocked on the FIFO {fifo.name}")
    if "error" in out:
        raise out["error"]  # type: ignore[misc]
    return out.get("value")


def test_a_fifo_is_no_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "p.tlproj"
    os.mkfifo(fifo)
    (tmp_path / "real.tlproj").write_text("{}")
    assert not is_regular_file(fifo) and is_regular_file(tmp_path / "real.tlproj")
    assert not is_regular_file(tmp_path / "missing")


def test_opening_a_fifo_project_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "p.tlproj"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFileError, match=r"p\.tlproj: is not a regular file"):
        _within(5, lambda: io.load(fifo), fifo)


def test_a_fifo_output_is_no_earlier_render(tmp_path: Path) -> None:
    fifo = tmp_path / "show.mp4"
    os.mkfifo(fifo)
    assert _within(5, lambda: previous_output_of(fifo, "id", "show"), fifo) is False


def test_a_fifo_companion_notebook_is_passed_over(tmp_path: Path) -> None:
    project = tmp_path / "show.tlproj"
    project.write_text("{}")
    fifo = tmp_path / "show.ipynb"
    os.mkfifo(fifo)
    made = _within(5, lambda: ensure_companion(project), fifo)
    assert isinstance(made, Path) and made != fifo and is_regular_file(made)
