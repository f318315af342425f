"""The small routes beside the media one: a plain 404, ``/health`` and ``/metrics``."""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from tornado.web import HTTPError

from .._version import __version__
from ..telemetry import metrics_text
from ._service import _ServiceHandler

__all__ = ["HealthHandler", "MetricsHandler", "NotFoundHandler"]


class NotFoundHandler(_ServiceHandler):
    """Every unmatched URL: a plain 404 before any other work."""

    def prepare(self) -> Any:
        self._check_head_size()
        raise HTTPError(404)


class HealthHandler(_ServiceHandler):
    """``/timeline-lab/health``: is the server up, which version and mode, how many files it knows."""

    SUPPORTED_METHODS = ("GET", "HEAD", "OPTIONS")

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        reg = self.service.registry
        report: dict[str, Any] = {
            "ok": True,
            "version": __version__,
            "mode": self.service.mode,
            "registered": len(reg),
            "pid": os.getpid(),  # which process answered (a server may run several on its port)
        }
        if self.service.health is not None:
            report["services"] = self.service.health()
        self.write(report)

    head = get


class MetricsHandler(_ServiceHandler):
    """``/timeline-lab/metrics``: every timeline_lab metric in Prometheus text format."""

    SUPPORTED_METHODS = ("GET", "HEAD", "OPTIONS")

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(metrics_text())

    head = get
