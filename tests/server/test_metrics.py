"""/timeline-lab/metrics and service health on the standalone server, after a real render."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from timeline_lab.server import MediaServer
from timeline_lab.studio import Studio


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


@pytest.mark.slow
def test_metrics_show_renders_and_media_requests(media: dict[str, Path], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 5))
    out = studio.render(project, "m.mp4", progress=False)
    assert studio.services is not None
    with MediaServer(health=studio.services.health) as server:
        url = server.media_url(out)
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Range": "bytes=0-99"})) as r:
            assert r.status == 206 and len(r.read()) == 100
        status, ctype, text = fetch(server.metrics_url)
        assert status == 200 and ctype.startswith("text/plain")
        assert 'timeline_lab_renders_total{outcome="completed"}' in text
        assert 'timeline_lab_server_requests_total{mode="standalone",status="206"}' in text
        assert "timeline_lab_server_bytes_total" in text
        _, _, health = fetch(server.health_url)
    report = json.loads(health)
    assert report["ok"] and report["services"]["plugins"]["blur"] == "active"
    studio.close()


def test_metrics_need_the_access_key() -> None:
    import urllib.error

    with MediaServer() as server:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{server.url}timeline-lab/metrics", timeout=10)
        assert err.value.code in (401, 403)
        err.value.close()
