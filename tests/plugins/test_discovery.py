"""An external package installed with a ``timeline_lab.plugins`` entry point is found and runs."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from timeline_lab.core.events import Event, EventBus
from timeline_lab.plugins import PluginFailed, PluginRegistry

from ._samples import fx_ctx

PLUGIN_SOURCE = '''
"""A third-party plugin package (installed into a tmp site dir by the test)."""
from timeline_lab.plugins import BasePlugin, PluginManifest


class Vignette(BasePlugin):
    manifest = PluginManifest(
        name="ext-vignette", version="2.1.0", api=">=1.0,<2", kind="effect",
        permissions={"fs_read": ["media"]},
    )

    def __init__(self):
        self.effect_kinds = {"ext-vignette.soft": self.soft}

    def soft(self, fx, ctx):
        params = fx["params"] if isinstance(fx, dict) else fx.params  # isolated: JSON dicts
        return [("vignette", f"angle={params.get('angle', 0.5)}")]

    def handle(self, command, payload):
        import os
        return {"module": __name__, "pid": os.getpid()}
'''


def install(site: Path, dist: str, module: str, source: str, entry_points: str) -> None:
    """What ``pip install`` leaves behind: the module plus ``<dist>-<ver>.dist-info`` with entry points."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-2.1.0.dist-info"  # escaped name, as installers write it
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 2.1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    (info / "RECORD").write_text("")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    install(
        site,
        "tl-ext-vignette",
        "tl_ext_vignette",
        PLUGIN_SOURCE,
        """
        [timeline_lab.plugins]
        ext-vignette = tl_ext_vignette:Vignette
        """,
    )
    install(
        site,
        "tl-ext-broken",
        "tl_ext_broken",
        "raise ImportError('broken plugin package')\n",
        """
        [timeline_lab.plugins]
        ext-broken = tl_ext_broken:Plugin
        """,
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    for mod in ("tl_ext_vignette", "tl_ext_broken"):
        sys.modules.pop(mod, None)


def test_entry_point_plugin_is_discovered_and_runs(site: Path, tmp_path: Path) -> None:
    bus = EventBus()
    failures: list[PluginFailed] = []
    bus.subscribe(PluginFailed, failures.append)
    with PluginRegistry(bus) as reg:
        found = reg.discover()  # our own built-in plugins are discovered through entry points too
        assert "ext-vignette" in found and set(found) <= {"ext-vignette", "blur", "recognition", "youtube"}
        assert reg.discover() == []  # idempotent
        assert "ext-vignette" in reg.start()
        assert reg.handle("ext-vignette", "where")["module"] == "tl_ext_vignette"
        fx, ctx = fx_ctx("ext-vignette.soft", angle=0.3)
        assert reg.effects()["ext-vignette.soft"](fx, ctx) == [("vignette", "angle=0.3")]
        info = {i.name: i for i in reg.info()}
        assert info["ext-vignette"].source.endswith("(from tl-ext-vignette)")
        assert info["ext-broken"].state == "failed"
    assert [(f.name, f.stage, f.error) for f in failures] == [
        ("ext-broken", "discover", "ImportError: broken plugin package")
    ]


def test_entry_point_plugin_can_run_isolated(site: Path) -> None:
    import os

    events: list[Event] = []
    bus = EventBus()
    bus.subscribe(Event, events.append)
    with PluginRegistry(bus) as reg:
        assert "ext-vignette" in reg.discover(isolate={"ext-vignette", "ext-broken"})
        assert "tl_ext_vignette" not in sys.modules  # its code never ran in the app's process
        reg.start()
        answer = reg.handle("ext-vignette", "where")
        assert answer["pid"] != os.getpid()
        assert reg.effects()["ext-vignette.soft"](*fx_ctx("ext-vignette.soft")) == [("vignette", "angle=0.5")]
    failed = [e for e in events if isinstance(e, PluginFailed)]
    assert [(f.name, f.stage) for f in failed] == [("ext-broken", "discover")]
    assert "broken plugin package" in failed[0].error
