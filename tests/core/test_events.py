"""Event bus: typed delivery, thread safety, loop delivery for notebooks, isolation of failures."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest

from timeline_lab.core.events import (
    Event,
    EventBus,
    MediaImported,
    ProjectSaved,
    RenderCompleted,
    RenderProgress,
    TimelineChanged,
)
from timeline_lab.studio import Studio


def test_delivery_by_type_and_subclass() -> None:
    bus = EventBus()
    everything: list[Event] = []
    progress: list[RenderProgress] = []
    bus.subscribe(Event, everything.append)
    bus.subscribe(RenderProgress, progress.append)
    bus.publish(RenderProgress("j", 1, 2, 10.0, 0.1))
    bus.publish(RenderCompleted("j", Path("x"), 2, 0.2))
    assert len(everything) == 2 and len(progress) == 1


def test_unsubscribe_and_context_manager() -> None:
    bus = EventBus()
    seen: list[Event] = []
    with bus.subscribe(Event, seen.append):
        bus.publish(MediaImported(Path("a")))
    bus.publish(MediaImported(Path("b")))
    sub = bus.subscribe(Event, seen.append)
    sub.close()
    sub.close()
    bus.publish(MediaImported(Path("c")))
    assert [e.path.name for e in seen] == ["a"]  # type: ignore[attr-defined]


def test_failing_subscriber_is_logged_and_isolated(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("boom")

    bus.subscribe(Event, broken)
    bus.subscribe(Event, seen.append)
    with caplog.at_level(logging.ERROR):
        bus.publish(MediaImported(Path("a")))
    assert len(seen) == 1 and "boom" in caplog.text


def test_many_threads_publish_and_subscribe() -> None:
    bus = EventBus()
    count = 0
    lock = threading.Lock()

    def on(event: Event) -> None:
        nonlocal count
        with lock:
            count += 1

    bus.subscribe(Event, on)

    def worker() -> None:
        for _ in range(500):
            bus.publish(MediaImported(Path("x")))
            bus.subscribe(RenderProgress, on).close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count == 8 * 500


def test_async_subscriber_runs_on_its_loop_even_from_worker_threads() -> None:
    async def main() -> list[tuple[str, bool]]:
        bus = EventBus()
        got: list[tuple[str, bool]] = []
        loop_thread = threading.get_ident()
        done = asyncio.Event()

        async def on(event: MediaImported) -> None:
            got.append((event.path.name, threading.get_ident() == loop_thread))
            if len(got) == 2:
                done.set()

        bus.subscribe(MediaImported, on)
        bus.publish(MediaImported(Path("same-thread")))
        worker = threading.Thread(target=bus.publish, args=(MediaImported(Path("worker")),))
        worker.start()
        worker.join()
        await asyncio.wait_for(done.wait(), 5)
        return got

    got = asyncio.run(main())
    assert sorted(got) == [("same-thread", True), ("worker", True)]


def test_async_subscriber_needs_a_loop() -> None:
    async def on(event: Event) -> None: ...

    with pytest.raises(ValueError, match="running event loop"):
        EventBus().subscribe(Event, on)


def test_studio_announces_edits_saves_and_media(media: dict[str, Path], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    seen: list[Event] = []
    studio.bus.subscribe(Event, seen.append)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    clip = project.tracks[0].append(studio.clip(media["pal"], 0, 5))
    project.tracks[0].trim_out(clip.id, -1)
    project.undo()
    studio.save(project, "p.tlproj")
    kinds = [type(e).__name__ for e in seen]
    assert "MediaImported" in kinds and kinds[-1] == "ProjectSaved"
    changes = [(e.op, e.how) for e in seen if isinstance(e, TimelineChanged)]
    assert changes == [("append", "do"), ("trim", "do"), ("trim", "undo")]
    assert isinstance(seen[-1], ProjectSaved) and seen[-1].path == tmp_path / "p.tlproj"
