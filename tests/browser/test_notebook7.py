"""The same widgets in Notebook 7 (anywidget, no Lab-only APIs): drawn, edited with the mouse, synced."""

from __future__ import annotations

import shutil
from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from ._lab import LabServer, kernel_exec, run_all_cells, save_artifact, wait_kernel_idle
from .test_widgets import drag, model_items, wait_synced, widget_items

pytestmark = [pytest.mark.browser, pytest.mark.lab]


def test_widgets_work_in_notebook7(page: Page, notebook_server: LabServer) -> None:
    shutil.copy(notebook_server.root / "quickstart.ipynb", notebook_server.root / "nb7.ipynb")
    page.goto(notebook_server.api(f"notebooks/{quote('nb7.ipynb')}"))
    page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=90_000)
    wait_kernel_idle(page, 90)
    run_all_cells(page, timeout=150)
    page.locator(".tl-root").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.tl-item').length === 4", timeout=30_000)
    before = model_items(page)
    assert widget_items(page) == before
    film = page.eval_on_selector(".tl-item .tl-label >> text=film", "e => e.parentElement.dataset.id")
    drag(page, f'.tl-item[data-id="{film}"]', 80)
    moved = f"() => +document.querySelector('.tl-item[data-id=\"{film}\"]').dataset.start > {before[film][1]}"
    after = wait_synced(page, moved)
    assert after[film][1] > before[film][1]
    assert kernel_exec(page, "print(project.history.last.op)").strip() == "move"
    page.wait_for_function("() => document.querySelector('.tlp-video')?.readyState >= 2", timeout=60_000)
    save_artifact(page, "notebook7-widgets.png")
