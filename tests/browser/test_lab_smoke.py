"""JupyterLab starts with timeline_lab's server extension, and the quickstart runs in the browser."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import Page

from ._lab import (
    LabServer,
    add_and_run_cell,
    kernel_exec,
    open_notebook,
    run_all_cells,
    save_artifact,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.lab]


def test_lab_starts_with_server_extension(page: Page, lab_server: LabServer) -> None:
    page.goto(lab_server.api("lab"))
    page.locator("#jp-main-dock-panel").wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => !!window.jupyterapp && window.jupyterapp.started !== undefined")
    assert "JupyterLab" in page.title()

    with urllib.request.urlopen(lab_server.api("timeline-lab/health"), timeout=10) as r:
        assert r.status == 200
        assert r.headers.get_content_type() == "application/json"
        health = json.loads(r.read())
    assert isinstance(health, dict), health


def test_quickstart_runs_in_lab(page: Page, lab_server: LabServer) -> None:
    open_notebook(page, lab_server, "quickstart.ipynb")
    run_all_cells(page, timeout=150)
    save_artifact(page, "quickstart.png")

    n = kernel_exec(page, "print(len(project.tracks[0].items))").strip()
    assert n.isdigit() and int(n) > 0, n
    assert (lab_server.root / "output" / "quickstart.mp4").stat().st_size > 0


def test_helpers_report_cell_and_kernel_errors(page: Page, lab_server: LabServer) -> None:
    write_notebook(lab_server.root / "helpers.ipynb", ["x = 41", "raise ValueError('boom from a cell')"])
    open_notebook(page, lab_server, "helpers.ipynb")
    with pytest.raises(AssertionError, match="boom from a cell"):
        run_all_cells(page, timeout=60)

    assert add_and_run_cell(page, "print(x + 1)\nx").strip() == "42\n41"
    assert kernel_exec(page, "x + 1").strip() == "42"
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        kernel_exec(page, "1 / 0")
    with pytest.raises(AssertionError, match="NameError"):
        add_and_run_cell(page, "undefined_name")
