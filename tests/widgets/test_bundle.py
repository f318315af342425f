"""The committed widget bundle (what pip installs) is what the TypeScript sources build to."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "extension" / "widgets"
STATIC = ROOT / "timeline_lab" / "widgets" / "static"


@pytest.mark.skipif(
    shutil.which("node") is None or not (SOURCES / "node_modules").is_dir(),
    reason="needs node and `npm ci` in extension/widgets (make test does both)",
)
def test_committed_bundle_matches_the_sources(tmp_path: Path) -> None:
    subprocess.run(
        ["node", "build.mjs"],
        cwd=SOURCES,
        env={**os.environ, "TIMELINE_LAB_WIDGETS_OUT": str(tmp_path)},
        check=True,
    )
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in STATIC.iterdir())
    stale = [name for name in built if (tmp_path / name).read_bytes() != (STATIC / name).read_bytes()]
    fix = "npm --prefix extension/widgets run build"
    assert not stale, f"timeline_lab/widgets/static is out of date ({stale}): run `{fix}`"
