"""The composition root: each Studio's Services owns its shared services, and one Studio is the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.core.cache import DEFAULT_CACHES
from timeline_lab.errors import RenderError
from timeline_lab.media._decoder import DEFAULT_READERS
from timeline_lab.model import Effect
from timeline_lab.recognition.models import default_manager
from timeline_lab.render.compile.effects import (
    STANDALONE_EFFECTS,
    EffectContext,
    active_effects,
    effect_renderer,
    register_effect,
    unregister_effect,
)
from timeline_lab.services import Services
from timeline_lab.studio import Studio
from timeline_lab.telemetry import tracer

KIND = "tint.warm"


def _tint(fx: Effect, ctx: EffectContext) -> list[tuple[str, str]]:
    return [("hue", "h=17")]


def _bare(workspace: Path) -> Studio:
    """A Studio without entry-point plugins (fast, and nothing registered behind the test's back)."""
    return Studio(workspace=workspace, services=Services.create(workspace, discover_plugins=False))


@pytest.fixture
def two(tmp_path: Path):
    a, b = _bare(tmp_path / "a"), _bare(tmp_path / "b")
    yield a, b
    a.close()
    b.close()


def _tinted(studio: Studio, media: Path):
    project = studio.new_project(width=160, height=120, frame_rate=25)
    clip = studio.clip(media, 0, 5)
    project.tracks[0].append(clip.model_copy(update={"effects": [Effect(kind=KIND, params={})]}))
    return project


def test_an_effect_kind_registered_in_one_studio_is_not_in_another(
    two: tuple[Studio, Studio], media: dict[str, Path], tmp_path: Path
) -> None:
    a, b = two
    assert a.effects is not b.effects
    a.effects.register(KIND, _tint)
    assert a.effects.renderer(KIND) is _tint and b.effects.renderer(KIND) is None
    assert STANDALONE_EFFECTS.renderer(KIND) is None  # nor in the process default
    assert "hue=h=17" in a.plan(_tinted(a, media["pal"]), tmp_path / "a.mp4").filtergraph()
    with pytest.raises(RenderError, match="has no renderer"):
        b.plan(_tinted(b, media["pal"]), tmp_path / "b.mp4")
    assert active_effects() is STANDALONE_EFFECTS  # the Studio's registry is active only while it compiles


def test_kinds_registered_without_a_studio_are_a_fallback_for_every_studio(
    two: tuple[Studio, Studio],
) -> None:
    a, b = two
    register_effect(KIND, _tint)
    try:
        assert a.effects.renderer(KIND) is _tint and b.effects.renderer(KIND) is _tint
        assert effect_renderer(KIND) is _tint
        mine = lambda fx, ctx: []  # noqa: E731
        a.effects.register(KIND, mine)  # a Studio's own renderer comes first, for that Studio only
        assert a.effects.renderer(KIND) is mine and b.effects.renderer(KIND) is _tint
    finally:
        unregister_effect(KIND, _tint)
    assert b.effects.renderer(KIND) is None


def test_closing_a_studio_withdraws_its_plugins_effects_only(tmp_path: Path) -> None:
    a, b = Studio(workspace=tmp_path), Studio(workspace=tmp_path)
    try:
        kinds = a.effects.kinds()
        assert kinds and kinds == b.effects.kinds()  # the builtin plugins' kinds, in each registry
        b.close()
        assert b.effects.kinds() == frozenset() and a.effects.kinds() == kinds
    finally:
        a.close()
        b.close()


# --- caches and warm decoders --------------------------------------------------------------------
@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_studios_do_not_share_caches(
    two: tuple[Studio, Studio], media: dict[str, Path], cache_root: Path
) -> None:
    from timeline_lab.media.previews import filmstrip, thumbnail
    from timeline_lab.media.waveform import waveform

    a, b = two
    assert a.caches is not b.caches and a.caches is not DEFAULT_CACHES
    strip = filmstrip(media["pal"], 3, 24, caches=a.caches)
    assert filmstrip(media["pal"], 3, 24, caches=a.caches) is strip  # a's memory
    assert filmstrip(media["pal"], 3, 24, caches=b.caches) is not strip  # b's own (from disk)
    thumbnail(media["pal"], 2, 32, caches=a.caches, readers=a.readers)
    waveform(media["pal"], caches=b.caches)
    stats_a, stats_b = a.caches.stats(), b.caches.stats()
    assert set(stats_a) == {"previews"} and stats_a["previews"].entries == 2
    assert set(stats_b) == {"previews", "waveforms"} and stats_b["previews"].entries == 1
    assert a.services is not None and a.services.health()["caches"]["previews"]["entries"] == 2
    a.close()
    assert a.caches.stats()["previews"].entries == 0 and b.caches.stats()["previews"].entries == 1


def test_studios_do_not_share_warm_decoders(two: tuple[Studio, Studio], media: dict[str, Path]) -> None:
    from timeline_lab.media._decoder import frame_at

    a, b = two
    assert a.readers is not b.readers and a.readers is not DEFAULT_READERS
    frame_at(media["pal"], 3, readers=a.readers)
    (reader,) = a.readers.readers()
    assert len(b.readers) == 0
    a.close()  # closing the Studio releases its files
    assert reader.closed and len(a.readers) == 0


# --- the media server ----------------------------------------------------------------------------
def test_the_media_server_is_started_by_the_studio_that_needs_it_and_stopped_by_close(
    two: tuple[Studio, Studio], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    from timeline_lab.server.urls import media_server, media_url, unregister_media

    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "rt"))  # no Jupyter extension here
    a, b = two
    assert a.services is not None and b.services is not None
    assert a.services.started("media_server") is None  # nothing listens until a page needs media
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"hello")
    url = media_url(blob, studio=a)
    server = a.services.started("media_server")
    assert server is not None and server.running and media_server(a) is server
    assert b.services.started("media_server") is None
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.read() == b"hello"
    assert unregister_media(blob, studio=b) == 0 and unregister_media(blob, studio=a) == 1
    a.close()
    assert not server.running and a.services.started("media_server") is None


def test_a_preview_widget_uses_the_studio_it_is_given(
    two: tuple[Studio, Studio], media: dict[str, Path]
) -> None:
    from timeline_lab.widgets import PreviewWidget

    a, b = two
    widget = PreviewWidget(source=media["pal"], studio=a)
    try:
        assert widget.studio() is a
        assert a.services is not None and a.services.started("media_server") is not None
        assert widget.still(4).shape == (240, 320, 3)
        assert len(a.readers) == 1 and len(b.readers) == 0
    finally:
        widget.close()


# --- telemetry and models ------------------------------------------------------------------------
def test_each_studio_traces_to_its_own_exporter(two: tuple[Studio, Studio]) -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from timeline_lab.recognition.events import RecognitionCompleted, RecognitionStarted

    a, b = two
    assert a.services is not None and b.services is not None
    assert a.services.telemetry is not None and b.services.telemetry is not None
    exporter = InMemorySpanExporter()
    a.services.telemetry.tracing.configure(exporter)
    for studio, job in ((a, "ra"), (b, "rb")):
        studio.bus.publish(RecognitionStarted(job, ("x.mp4",), "m.onnx"))
        studio.bus.publish(RecognitionCompleted(job, rows=1, frames=1, wall_seconds=0.1))
    assert [dict(s.attributes or {})["job_id"] for s in exporter.get_finished_spans()] == ["ra"]
    assert tracer() is None  # the process default stays off


def test_each_studio_has_its_own_model_manager(two: tuple[Studio, Studio]) -> None:
    a, b = two
    assert a.services is not None and b.services is not None
    assert a.services.models is a.services.models
    assert a.services.models is not b.services.models and a.services.models is not default_manager()


# --- the one process default ---------------------------------------------------------------------
def test_the_default_studio_is_the_one_process_default(tmp_path: Path) -> None:
    """Calls made without a Studio (media_url, frame_at, thumbnails, recognize) use its services."""
    from concurrent.futures import ThreadPoolExecutor

    from timeline_lab.server.urls import default_server, media_server

    with ThreadPoolExecutor(4) as pool:
        studios = list(pool.map(lambda _: Studio.default(), range(8)))
    default = studios[0]
    assert all(s is default for s in studios)
    services = default.services
    assert services is not None and services.process_default
    assert services.caches is DEFAULT_CACHES and services.readers is DEFAULT_READERS
    assert services.models is default_manager()
    assert default_server() is services.started("media_server") is media_server()
    plain = _bare(tmp_path)
    try:
        assert plain.services is not None and not plain.services.process_default
        assert plain.caches is not DEFAULT_CACHES and plain.readers is not DEFAULT_READERS
        assert plain.effects is not default.effects
    finally:
        plain.close()
