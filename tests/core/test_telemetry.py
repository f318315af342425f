"""Telemetry fed by the bus: Prometheus counters and OpenTelemetry spans after a real render."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from timeline_lab.core.logging import JsonFormatter, configure_logging, timed
from timeline_lab.errors import CancelledError
from timeline_lab.studio import Studio
from timeline_lab.telemetry import configure_tracing, metrics_text


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.slow
def test_render_updates_metrics_and_spans(media: dict[str, Path], tmp_path: Path) -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    configure_tracing(exporter)
    try:
        studio = Studio(workspace=tmp_path)
        before = metrics_text().decode()
        project = studio.new_project(width=160, height=120, frame_rate=25)
        project.tracks[0].append(studio.clip(media["pal"], 0, 12))
        studio.render(project, "m.mp4", progress=False)
        after = metrics_text(studio.services.caches if studio.services else None).decode()
        studio.close()
    finally:
        configure_tracing(None)
    name = 'timeline_lab_renders_total{outcome="completed"}'
    assert _value(after, name) == _value(before, name) + 1
    assert (
        _value(after, "timeline_lab_frames_encoded_total")
        >= _value(before, "timeline_lab_frames_encoded_total") + 12
    )
    assert _value(after, "timeline_lab_render_seconds_count") >= 1
    assert "timeline_lab_cache_hits" in after
    spans = [s for s in exporter.get_finished_spans() if s.name == "render"]
    assert len(spans) == 1
    attrs = dict(spans[0].attributes or {})
    assert attrs["target"] == "m.mp4" and attrs["frames"] == 12 and attrs["outcome"] == "completed"


@pytest.mark.slow
def test_cancelled_render_is_counted(media: dict[str, Path], tmp_path: Path) -> None:
    from timeline_lab.core.events import RenderProgress
    from timeline_lab.render import RenderJob

    studio = Studio(workspace=tmp_path)
    name = 'timeline_lab_renders_total{outcome="cancelled"}'
    before = _value(metrics_text().decode(), name)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"]))
    job = RenderJob()
    studio.bus.subscribe(RenderProgress, lambda ev: job.cancel())
    with pytest.raises(CancelledError):
        studio.render(project, "c.mp4", progress=False, job=job)
    studio.close()
    assert _value(metrics_text().decode(), name) == before + 1


def test_json_log_lines_keep_extras() -> None:
    record = logging.makeLogRecord(
        {
            "name": "timeline_lab.x",
            "levelname": "INFO",
            "msg": "hello %s",
            "args": ("world",),
            "duration_s": 1.5,
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello world" and line["duration_s"] == 1.5 and line["level"] == "INFO"


def test_configure_logging_is_idempotent() -> None:
    logger = logging.getLogger("timeline_lab")
    before = list(logger.handlers)
    configure_logging(json_lines=True)
    configure_logging(json_lines=True)
    ours = [h for h in logger.handlers if getattr(h, "_timeline_lab", False)]
    assert len(ours) == 1 and isinstance(ours[0].formatter, JsonFormatter)
    for h in ours:
        logger.removeHandler(h)
    assert logger.handlers == before


def test_slow_operations_are_logged_with_their_duration(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="timeline_lab.slow"):
        with timed("fast", slow_seconds=10):
            pass
        with timed("sleepy", slow_seconds=0.01, clip="a.mp4") as info:
            time.sleep(0.02)
    assert info["seconds"] >= 0.02
    records = [r for r in caplog.records if r.name == "timeline_lab.slow"]
    assert [r.getMessage().split()[0] for r in records] == ["sleepy"]
    assert records[0].duration_s >= 0.02 and records[0].clip == "a.mp4"  # type: ignore[attr-defined]


def test_recognition_and_media_requests_get_spans(tmp_path: Path) -> None:
    import urllib.request

    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from timeline_lab.core.events import EventBus
    from timeline_lab.recognition.events import RecognitionCompleted, RecognitionStarted
    from timeline_lab.server import MediaServer
    from timeline_lab.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    configure_tracing(exporter)
    try:
        bus = EventBus()
        telemetry = Telemetry(bus)
        bus.publish(RecognitionStarted("r1", ("a.mp4", "b.mp4"), "square.onnx"))
        bus.publish(RecognitionCompleted("r1", rows=42, frames=100, wall_seconds=0.5))
        telemetry.close()
        blob = tmp_path / "blob.bin"
        blob.write_bytes(b"x" * 1000)
        with MediaServer() as server:
            request = urllib.request.Request(server.media_url(blob), headers={"Range": "bytes=0-9"})
            with urllib.request.urlopen(request, timeout=10) as r:
                assert r.status == 206
    finally:
        configure_tracing(None)
    spans = {s.name: dict(s.attributes or {}) for s in exporter.get_finished_spans()}
    expected = {"job_id": "r1", "sources": 2, "model": "square.onnx", "outcome": "completed", "rows": 42}
    assert spans["recognition"] == expected
    assert spans["media request"]["status"] == 206 and spans["media request"]["mode"] == "standalone"
    assert not any("blob" in str(v) for v in spans["media request"].values()), "no path or token in spans"


def test_every_kind_of_job_is_counted_by_outcome(tmp_path: Path) -> None:
    """Renders, recognition and proxies are all jobs: one counter by kind and outcome."""
    from timeline_lab.core.jobs import Job

    studio = Studio(workspace=tmp_path)
    try:

        def boom(_job: Job) -> None:
            raise RuntimeError("no")

        def count(kind: str, outcome: str) -> float:
            for line in metrics_text().decode().splitlines():
                labels = f'kind="{kind}"' in line and f'outcome="{outcome}"' in line
                if line.startswith("timeline_lab_jobs_total{") and labels:
                    return float(line.rsplit(" ", 1)[1])
            return 0.0

        before = count("probe", "finished"), count("probe", "failed")
        ok = studio.jobs.submit(lambda _job: 42, Job(kind="probe"))
        bad = studio.jobs.submit(boom, Job(kind="probe"))
        assert ok.result(timeout=30) == 42
        with pytest.raises(RuntimeError):
            bad.result(timeout=30)
        deadline = time.monotonic() + 10
        while (count("probe", "finished"), count("probe", "failed")) != (before[0] + 1, before[1] + 1):
            assert time.monotonic() < deadline, "the job counters did not move"
            time.sleep(0.02)  # the events are published by the worker thread
    finally:
        studio.close()


def test_pending_updates_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unread metrics keep at most ``_MAX_PENDING`` updates; one more builds them and applies all."""
    from timeline_lab import telemetry

    monkeypatch.setattr(telemetry, "_MAX_PENDING", 3)
    lazy = telemetry._LazyMetrics()  # a registry of its own: the process's metrics are untouched
    for _ in range(3):
        lazy.record(lambda m: m.renders.labels(outcome="completed").inc())
    assert lazy._built is None and len(lazy._pending) == 3
    lazy.record(lambda m: m.frames.inc(7))
    assert lazy._built is not None and lazy._pending == []
    lazy.record(lambda m: m.frames.inc(1))  # built: applied at once
    registry, _ = lazy.get()
    assert registry.get_sample_value("timeline_lab_renders_total", {"outcome": "completed"}) == 3
    assert registry.get_sample_value("timeline_lab_frames_encoded_total") == 8


def test_metrics_and_registry_are_the_process_ones() -> None:
    from timeline_lab import telemetry
    from timeline_lab.telemetry import METRICS, REGISTRY

    assert METRICS is telemetry.METRICS and REGISTRY is telemetry.REGISTRY
    before = REGISTRY.get_sample_value("timeline_lab_frames_analyzed_total") or 0.0
    METRICS.recognized.inc(5)
    assert REGISTRY.get_sample_value("timeline_lab_frames_analyzed_total") == before + 5
    assert b"timeline_lab_frames_analyzed_total" in metrics_text()
    with pytest.raises(AttributeError, match="no attribute 'NOPE'"):
        telemetry.NOPE  # noqa: B018
