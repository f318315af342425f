"""The decode worker: bounded, stops promptly, joins, and hands its errors to the reader in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from timeline_lab.errors import CancelledError, RenderError
from timeline_lab.media.synth import make_clip
from timeline_lab.render import ExportSettings, RenderJob, compile_plan, execute
from timeline_lab.render.execute.decode import Decoding
from timeline_lab.studio import Studio


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("render-decode")]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("dec") / "c.mp4", width=96, height=64, frames=60, tag=3)


def test_frames_come_in_file_order_then_none(clip: Path) -> None:
    with av.open(str(clip)) as container:
        expected = [f.pts for f in container.decode(video=0)]
    with av.open(str(clip)) as container:
        dec = Decoding(clip, container.demux(container.streams.video[0]), lambda _s, f: f)
        got: list[int | None] = []
        while (packet := dec.next()) is not None:
            got += [f.pts for f in packet.frames if isinstance(f, av.VideoFrame)]
        assert dec.next() is None  # asking again keeps answering None
        dec.close()
    assert got == expected


def test_close_stops_a_worker_blocked_on_a_full_queue(clip: Path) -> None:
    with av.open(str(clip)) as container:
        dec = Decoding(clip, container.demux(), lambda _s, f: f)
        time.sleep(0.2)  # the worker fills its queue and waits
        t0 = time.monotonic()
        dec.close()
        assert time.monotonic() - t0 < 1.0
    assert not _workers()


def test_decode_error_names_the_file_and_arrives_in_order(clip: Path) -> None:
    calls = 0

    def convert(_stream: object, frame: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise av.InvalidDataError(1094995529, "bad frame")
        return frame

    with av.open(str(clip)) as container:
        dec = Decoding(clip, container.demux(container.streams.video[0]), convert)
        with pytest.raises(RenderError, match=r"c\.mp4: cannot decode"):
            for _ in range(100):
                dec.next()
        dec.close()


def test_demux_error_reaches_the_reader(clip: Path) -> None:
    def packets() -> Iterator[av.Packet]:
        raise OSError("disk gone")
        yield  # pragma: no cover

    dec = Decoding(clip, packets(), lambda _s, f: f)
    with pytest.raises(OSError, match="disk gone"):
        dec.next()
    dec.close()


@pytest.mark.slow
def test_cancel_mid_render_joins_every_decode_worker(studio: Studio, clip: Path, tmp_path: Path) -> None:
    project = studio.new_project(width=96, height=64, frame_rate=25)
    for start in (0, 20, 40):
        project.tracks[0].append(studio.clip(clip, start, 20))
    job = RenderJob()
    plan = compile_plan(project, ExportSettings(tmp_path / "out.mp4"))
    timer = threading.Timer(0.05, job.cancel)
    timer.start()
    with pytest.raises(CancelledError):
        for _ in range(50):  # cancel lands mid-render on one of these
            execute(plan, job=job)
            (tmp_path / "out.mp4").unlink()
    timer.join()
    assert not _workers()
