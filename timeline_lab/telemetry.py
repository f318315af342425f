"""Metrics and traces fed by the event bus: renders and analyses report once, every sink listens.

Prometheus metrics live in one process-wide registry (``REGISTRY``) and are served as text at
``/timeline-lab/metrics``: Prometheus scrapes a process, and a metric name may be registered once
per registry, so every Studio counts into the same metrics. ``prometheus_client`` (and the
http/email modules its exposition pulls in) is imported only when the metrics are first read
(``METRICS``, ``REGISTRY``, :func:`metrics_text`): until then a ``Telemetry`` keeps its updates
as pending ones, so a one-shot render does not pay ~25 ms for metrics nobody scrapes.

OpenTelemetry spans are off until a :class:`Tracing` gets an exporter (console, OTLP when its
package is installed, or any exporter a test passes in): each Studio's ``Telemetry`` has its own
(``studio.services.telemetry.tracing``), falling back to the process default that
``configure_tracing`` sets and the media server uses.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .core.events import (
    RecognitionProgress,
    RenderCancelled,
    RenderCompleted,
    RenderFailed,
    RenderProgress,
    RenderStarted,
)
from .core.jobs import JobCancelled, JobFailed, JobFinished

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from .core.cache import CacheSet
    from .core.events import EventBus, Subscription

__all__ = [
    "METRICS",
    "PROCESS_TRACING",
    "REGISTRY",
    "Telemetry",
    "Tracing",
    "configure_tracing",
    "metrics_text",
    "tracer",
]

log = logging.getLogger(__name__)


class _Metrics:
    """The metric objects, registered in ``registry`` (made when the metrics are first read)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        ns = "timeline_lab"
        self.renders = Counter(
            "renders", "Renders finished, by outcome", ["outcome"], namespace=ns, registry=registry
        )
        self.render_seconds = Histogram(
            "render_seconds",
            "Wall time of successful renders",
            namespace=ns,
            registry=registry,
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 1800),
        )
        self.frames = Counter(
            "frames_encoded", "Video frames encoded by renders", namespace=ns, registry=registry
        )
        self.active = Gauge("renders_active", "Renders running now", namespace=ns, registry=registry)
        self.recognized = Counter(
            "frames_analyzed", "Frames run through recognition", namespace=ns, registry=registry
        )
        self.jobs = Counter(
            "jobs", "Background jobs ended, by kind and outcome", ["kind", "outcome"], namespace=ns,
            registry=registry,
        )  # fmt: skip
        self.job_seconds = Histogram(
            "job_seconds",
            "Wall time of background jobs that ran, by kind",
            ["kind"],
            namespace=ns,
            registry=registry,
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 1800),
        )
        self.cache_hits = Gauge("cache_hits", "Memory cache hits", namespace=ns, registry=registry)
        self.cache_misses = Gauge("cache_misses", "Memory cache misses", namespace=ns, registry=registry)
        self.requests = Counter(
            "server_requests", "Media server requests", ["mode", "status"], namespace=ns, registry=registry
        )
        self.bytes_sent = Counter(
            "server_bytes", "Media bytes sent", ["mode"], namespace=ns, registry=registry
        )
        self.latency = Histogram(
            "server_request_seconds",
            "Media request latency",
            ["mode"],
            namespace=ns,
            registry=registry,
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5),
        )


_Update = Callable[[_Metrics], object]

_MAX_PENDING = 1000
"""Updates kept while the metrics are unread; one more imports prometheus_client and applies them
all, so a process that never scrapes holds a bounded list."""


class _LazyMetrics:
    """The process's registry and metrics, built on first read; updates made before then wait here.

    Every update is an inc, dec or observe, which commute: applying the pending ones later, in any
    order, gives the same values as applying each when it happened.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Update] = []
        self._built: tuple[CollectorRegistry, _Metrics] | None = None

    def record(self, update: _Update) -> None:
        """Apply ``update`` now if the metrics exist, else keep it (at most _MAX_PENDING)."""
        with self._lock:
            if self._built is None and len(self._pending) < _MAX_PENDING:
                self._pending.append(update)
                return
        update(self.get()[1])  # built already, or too many waiting: build, apply them, then this

    def get(self) -> tuple[CollectorRegistry, _Metrics]:
        """The registry and metrics (built now if need be), every pending update applied."""
        with self._lock:
            if self._built is None:
                from prometheus_client import CollectorRegistry

                registry = CollectorRegistry(auto_describe=True)
                self._built = registry, _Metrics(registry)
            pending, self._pending = self._pending, []
            for update in pending:
                update(self._built[1])
            return self._built


_METRICS = _LazyMetrics()

REGISTRY: CollectorRegistry
"""Every timeline_lab metric; one per process, as Prometheus expects (built on first access)."""
METRICS: _Metrics
"""The counters, gauges and histograms (server handlers record requests on these too; built on
first access)."""


def __getattr__(name: str) -> Any:
    """``REGISTRY`` and ``METRICS``: built on first access, so importing this module stays cheap."""
    if name == "REGISTRY":
        return _METRICS.get()[0]
    if name == "METRICS":
        return _METRICS.get()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def metrics_text(caches: CacheSet | None = None) -> bytes:
    """Prometheus text exposition of every metric (cache gauges refreshed from ``caches`` first)."""
    from prometheus_client import generate_latest

    registry, metrics = _METRICS.get()
    if caches is not None:
        stats = caches.stats().values()
        metrics.cache_hits.set(sum(s.hits for s in stats))
        metrics.cache_misses.set(sum(s.misses for s in stats))
    return generate_latest(registry)


class Tracing:
    """Where spans go: an OpenTelemetry tracer provider, or none (off, unless ``fallback`` has one)."""

    def __init__(self, fallback: Tracing | None = None) -> None:
        self.fallback = fallback
        self._lock = threading.Lock()
        self._provider: Any = None

    def configure(self, exporter: Any = "console") -> Any:
        """Install a tracer provider: "console", "otlp", an exporter object, or None (off)."""
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

        if exporter is None:
            provider = None
        else:
            if exporter == "console":
                exporter = ConsoleSpanExporter()
            elif exporter == "otlp":
                try:
                    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
                        OTLPSpanExporter,
                    )
                except ImportError as exc:
                    raise RuntimeError("OTLP export needs opentelemetry-exporter-otlp-proto-http") from exc
                exporter = OTLPSpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        with self._lock:
            self._provider = provider
        return provider

    def tracer(self) -> Any:
        """The configured tracer (else the fallback's), or None when tracing is off."""
        with self._lock:
            provider = self._provider
        if provider is not None:
            return provider.get_tracer("timeline_lab")
        return self.fallback.tracer() if self.fallback is not None else None


PROCESS_TRACING = Tracing()
"""The process default: spans of the media server's requests, and of every Studio whose own
``Telemetry.tracing`` has no exporter. The only module-level one."""


def configure_tracing(exporter: Any = "console") -> Any:
    """Install the process-default tracer provider (see :meth:`Tracing.configure`)."""
    return PROCESS_TRACING.configure(exporter)


def tracer() -> Any:
    """The process-default tracer, or None when tracing is off."""
    return PROCESS_TRACING.tracer()


class Telemetry:
    """Subscribes to a bus: render/recognition events become metrics, spans and slow-op logs.

    ``tracing``: where this bus's spans go (default: a :class:`Tracing` of its own, falling back to
    :data:`PROCESS_TRACING`).
    """

    def __init__(
        self, bus: EventBus, *, slow_render_seconds: float = 10.0, tracing: Tracing | None = None
    ) -> None:
        self.slow = slow_render_seconds
        self.tracing = tracing if tracing is not None else Tracing(fallback=PROCESS_TRACING)
        self._spans: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._subs: list[Subscription] = [
            bus.subscribe(RenderStarted, self._started),
            bus.subscribe(RenderProgress, self._progress),
            bus.subscribe(RenderCompleted, self._completed),
            bus.subscribe(RenderFailed, self._failed),
            bus.subscribe(RenderCancelled, self._cancelled),
            bus.subscribe(RecognitionProgress, self._recognized),
            bus.subscribe(JobFinished, lambda ev: self._job_ended(ev.kind, "finished", ev.seconds)),
            bus.subscribe(JobFailed, lambda ev: self._job_ended(ev.kind, "failed", ev.seconds)),
            bus.subscribe(JobCancelled, lambda ev: self._job_ended(ev.kind, "cancelled", ev.seconds)),
        ]
        self._frames: dict[str, int] = {}
        from .recognition.events import (
            RecognitionCancelled,
            RecognitionCompleted,
            RecognitionFailed,
            RecognitionStarted,
        )

        self._subs += [
            bus.subscribe(RecognitionStarted, self._rec_started),
            bus.subscribe(
                RecognitionCompleted, lambda ev: self._rec_done(ev.job_id, "completed", rows=ev.rows)
            ),
            bus.subscribe(RecognitionFailed, lambda ev: self._rec_done(ev.job_id, "failed")),
            bus.subscribe(RecognitionCancelled, lambda ev: self._rec_done(ev.job_id, "cancelled")),
        ]

    def _job_ended(self, kind: str, outcome: str, seconds: float) -> None:
        def update(m: _Metrics) -> None:
            m.jobs.labels(kind=kind, outcome=outcome).inc()
            m.job_seconds.labels(kind=kind).observe(seconds)

        _METRICS.record(update)

    def _rec_started(self, ev: Any) -> None:
        t = self.tracing.tracer()
        if t is not None:
            span = t.start_span(
                "recognition", attributes={"job_id": ev.job_id, "sources": len(ev.sources), "model": ev.model}
            )
            with self._lock:
                self._spans[f"rec:{ev.job_id}"] = span

    def _rec_done(self, job_id: str, outcome: str, **attrs: Any) -> None:
        with self._lock:
            span = self._spans.pop(f"rec:{job_id}", None)
        if span is not None:
            span.set_attribute("outcome", outcome)
            for key, value in attrs.items():
                span.set_attribute(key, value)
            span.end()

    def close(self) -> None:
        """Stop listening."""
        for sub in self._subs:
            sub.close()

    def _started(self, ev: RenderStarted) -> None:
        _METRICS.record(lambda m: m.active.inc())
        t = self.tracing.tracer()
        if t is not None:
            span = t.start_span(
                "render",
                attributes={
                    "job_id": ev.job_id,
                    "target": ev.target.name,
                    "frames": ev.total_frames,
                    "encoder": ev.encoder,
                },
            )
            with self._lock:
                self._spans[ev.job_id] = span

    def _progress(self, ev: RenderProgress) -> None:
        with self._lock:
            self._frames[ev.job_id] = ev.frames_done
            span = self._spans.get(ev.job_id)
        if span is not None and ev.segments > 1:
            span.add_event("progress", {"frames_done": ev.frames_done, "segment": ev.segment})

    def _finish(self, job_id: str, outcome: str, **attrs: Any) -> None:
        def update(m: _Metrics) -> None:
            m.active.dec()
            m.renders.labels(outcome=outcome).inc()

        _METRICS.record(update)
        with self._lock:
            span = self._spans.pop(job_id, None)
            self._frames.pop(job_id, None)
        if span is not None:
            span.set_attribute("outcome", outcome)
            for key, value in attrs.items():
                span.set_attribute(key, value)
            span.end()

    def _completed(self, ev: RenderCompleted) -> None:
        def update(m: _Metrics) -> None:
            m.frames.inc(ev.frames)
            m.render_seconds.observe(ev.wall_seconds)

        _METRICS.record(update)
        if ev.wall_seconds >= self.slow:
            log.info(
                "render %s took %.1fs",
                ev.target.name,
                ev.wall_seconds,
                extra={"duration_s": round(ev.wall_seconds, 3), "frames": ev.frames},
            )
        self._finish(ev.job_id, "completed", wall_seconds=ev.wall_seconds)

    def _failed(self, ev: RenderFailed) -> None:
        with self._lock:
            done = self._frames.get(ev.job_id, 0)
        _METRICS.record(lambda m: m.frames.inc(done))
        self._finish(ev.job_id, "failed", error=ev.error[:200])

    def _cancelled(self, ev: RenderCancelled) -> None:
        with self._lock:
            done = self._frames.get(ev.job_id, 0)
        _METRICS.record(lambda m: m.frames.inc(done))
        self._finish(ev.job_id, "cancelled")

    def _recognized(self, ev: RecognitionProgress) -> None:
        with self._lock:
            key = f"rec:{ev.job_id}:{ev.source}"
            before = self._frames.get(key, 0)
            self._frames[key] = ev.frames_done
        frames = max(0, ev.frames_done - before)
        _METRICS.record(lambda m: m.recognized.inc(frames))
