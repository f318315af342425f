"""The service: a job with progress events, cancel, a worker thread, and results reused from cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.core.events import Event, EventBus
from timeline_lab.core.events import RecognitionProgress as CoreProgress
from timeline_lab.recognition import (
    ModelManager,
    ModelRegistry,
    RecognitionCancelled,
    RecognitionCancelledError,
    RecognitionCompleted,
    RecognitionFailed,
    RecognitionJob,
    RecognitionProgress,
    RecognitionStarted,
    ResultCache,
    recognize,
    start_recognition,
)
from timeline_lab.recognition.detections import Detections
from timeline_lab.recognition.frames import FrameBatch


@pytest.fixture
def manager(tmp_path: Path) -> ModelManager:
    return ModelManager(ModelRegistry(tmp_path / "models"))


def _events(bus: EventBus) -> list[Event]:
    seen: list[Event] = []
    bus.subscribe(Event, seen.append)
    return seen


def test_progress_events(videos: dict[str, Path], square_model: Path, manager: ModelManager) -> None:
    bus = EventBus()
    seen = _events(bus)
    core: list[CoreProgress] = []
    bus.subscribe(CoreProgress, core.append)  # widgets listening to the core event see us too
    job = RecognitionJob()
    df = recognize([videos["square"], videos["other"]], square_model, bus=bus, job=job, manager=manager,
                   batch=10, cache=False)  # fmt: skip
    kinds = [type(e).__name__ for e in seen]
    assert kinds == ["RecognitionStarted", *["RecognitionProgress"] * 7, "RecognitionCompleted"]
    started, done = seen[0], seen[-1]
    assert (
        isinstance(started, RecognitionStarted)
        and started.model == "square.onnx"
        and len(started.sources) == 2
    )
    progress = [e for e in seen if isinstance(e, RecognitionProgress)]
    assert [(p.frames_done, p.total_frames, p.files_done) for p in progress] == [
        (10, 50, 0), (20, 50, 0), (30, 50, 0), (40, 50, 0), (50, 50, 0), (10, 20, 1), (20, 20, 1),
    ]  # fmt: skip
    assert progress[4].fraction == 1.0 and all(p.job_id == job.job_id for p in progress)
    assert len(core) == 7
    assert isinstance(done, RecognitionCompleted) and done.rows == df.height == 70 and done.frames == 70


def test_cancel_stops_at_the_next_batch(
    videos: dict[str, Path], square_model: Path, manager: ModelManager
) -> None:
    bus, job = EventBus(), RecognitionJob()
    seen = _events(bus)

    def stop_after_two(ev: RecognitionProgress) -> None:
        if ev.frames_done >= 10:
            job.cancel()

    bus.subscribe(RecognitionProgress, stop_after_two)
    with pytest.raises(RecognitionCancelledError, match="cancelled after 10 frames"):
        recognize(videos["square"], square_model, bus=bus, job=job, manager=manager, batch=5)
    assert isinstance(seen[-1], RecognitionCancelled)
    assert not any(isinstance(e, RecognitionCompleted | RecognitionFailed) for e in seen)


def test_background_job(videos: dict[str, Path], square_model: Path, manager: ModelManager) -> None:
    job, future = start_recognition(videos["square"], square_model, manager=manager, every=5, cache=False)
    assert future.result(timeout=60).height == 10
    assert not job.cancelled


def test_failure_is_published(videos: dict[str, Path], square_model: Path, manager: ModelManager) -> None:
    bus = EventBus()
    seen = _events(bus)
    with pytest.raises(Exception, match="no video stream"):
        recognize([videos["square"], videos["audio"]], square_model, bus=bus, manager=manager, cache=False)
    assert isinstance(seen[-1], RecognitionFailed) and "no video stream" in seen[-1].error


def test_results_are_reused(
    videos: dict[str, Path],
    square_model: Path,
    manager: ModelManager,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from timeline_lab.recognition._onnx import OnnxDetector

    store = ResultCache(tmp_path / "cache")
    frames: list[int] = []
    real = OnnxDetector.detect

    def counting(self: OnnxDetector, batch: FrameBatch, **options: Any) -> Detections:
        frames.append(len(batch))
        return real(self, batch, **options)

    monkeypatch.setattr(OnnxDetector, "detect", counting)

    def run(**options: Any) -> tuple[Any, list[Event]]:
        bus = EventBus()
        seen = _events(bus)
        return recognize(
            videos["other"], square_model, bus=bus, manager=manager, cache=store, **options
        ), seen

    first, _ = run(every=2)
    assert sum(frames) == 10 and len(list(store.root.glob("*.parquet"))) == 1
    again, seen = run(every=2)
    assert sum(frames) == 10  # nothing decoded or detected the second time
    assert again.equals(first)
    assert any(isinstance(e, RecognitionProgress) and e.cached for e in seen)
    run(every=4)  # other parameters: a new entry
    assert sum(frames) == 15 and len(list(store.root.glob("*.parquet"))) == 2
    os.utime(videos["other"])  # the file changed (mtime): computed again
    run(every=2)
    assert sum(frames) == 25


def test_detect_options_are_checked_and_unknown_keywords_named() -> None:
    from timeline_lab.recognition.errors import RecognitionError
    from timeline_lab.recognition.service import DetectOptions, _options

    with pytest.raises(RecognitionError, match="conf and iou"):
        DetectOptions(conf=1.5)
    with pytest.raises(RecognitionError, match="every: must be an int >= 1"):
        DetectOptions(every=0)
    assert DetectOptions(tracker_options=None).tracker_options == {}  # type: ignore[arg-type]
    assert _options(None, {"conf": 0.4, "every": 2}) == DetectOptions(conf=0.4, every=2)
    with pytest.raises(TypeError, match=r"unknown options \['cofn'\]"):
        _options(None, {"cofn": 0.4})
    with pytest.raises(RecognitionError, match="not both"):
        _options(DetectOptions(), {"conf": 0.4})
