"""What ``Studio()`` and a render's plan load: the heavy modules a one-shot render never uses stay out.

Each is imported where it is first needed (metrics read, a loop subscriber, a smart render, an
effect rendered); a new eager import of one of them fails here, not in a benchmark weeks later.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LAZY = (
    "asyncio",
    "prometheus_client",
    "subprocess",
    "timeline_lab.plugins._sandbox",
    "timeline_lab.plugins.builtin._youtube_metadata",
    "timeline_lab.recognition.blur",
    "timeline_lab.render.smart",
)
"""Modules ``python -m timeline_lab render`` does not need before its first frame."""

_SCRIPT = """
import json, sys
from pathlib import Path
from timeline_lab.core.events import RenderCompleted, RenderStarted
from timeline_lab.studio import Studio

studio = Studio(workspace=Path(sys.argv[1]))
project = studio.new_project(width=160, height=120, frame_rate=25)
project.tracks[0].append(studio.clip(sys.argv[3], 0, 10))
studio.plan(project, "out.mp4", video_codec="libx264", crf=18, preset="veryfast")
target = Path(sys.argv[1]) / "out.mp4"
studio.bus.publish(RenderStarted("job", target, 10, "libx264"))
studio.bus.publish(RenderCompleted("job", target, 10, 0.25))
loaded = sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)
from timeline_lab.telemetry import metrics_text

text = metrics_text().decode()
studio.close()
print(json.dumps({"loaded": loaded, "metrics": text}))
"""


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture(scope="module")
def fresh_process(tmp_path_factory: pytest.TempPathFactory, media: dict[str, Path]) -> dict[str, str]:
    """A new interpreter's Studio, plan and two render events: what it loaded, then its metrics."""
    workspace = tmp_path_factory.mktemp("startup")
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(workspace), json.dumps(LAZY), str(media["pal"])],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_studio_and_plan_leave_the_heavy_modules_unloaded(fresh_process: dict[str, str]) -> None:
    assert fresh_process["loaded"] == []


def test_render_events_before_the_first_read_are_counted(fresh_process: dict[str, str]) -> None:
    """Telemetry's updates wait until prometheus_client is imported, then all count."""
    text = fresh_process["metrics"]
    assert _value(text, 'timeline_lab_renders_total{outcome="completed"}') == 1
    assert _value(text, "timeline_lab_frames_encoded_total") == 10
    assert _value(text, "timeline_lab_render_seconds_count") == 1
    assert _value(text, "timeline_lab_renders_active") == 0
