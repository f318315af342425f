"""The ``timeline-lab`` labextension: its commands, the launcher card and the .tlproj context menu."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page

from ._lab import LabServer, wait_for_widget, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.lab]

COMMANDS = [
    "timeline-lab:new-project",
    "timeline-lab:render-project",
    "timeline-lab:open-health",
    "timeline-lab:open-in-timeline-lab",
]


def _open_lab(page: Page, lab: LabServer) -> None:
    """Load Lab and wait until every plugin (ours included) has activated and the layout is restored."""
    page.goto(lab.api("lab"))
    page.locator("#jp-main-dock-panel").wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => !!window.jupyterapp", timeout=60_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")


def test_commands_are_registered(page: Page, lab_server: LabServer) -> None:
    _open_lab(page, lab_server)
    missing = page.evaluate("(ids) => ids.filter(id => !window.jupyterapp.commands.hasCommand(id))", COMMANDS)
    assert missing == [], f"labextension commands not registered: {missing}"


def test_launcher_card_creates_project_and_notebook(page: Page, lab_server: LabServer) -> None:
    root = lab_server.root
    assert not (root / "Untitled.tlproj").exists()
    _open_lab(page, lab_server)
    page.evaluate("() => window.jupyterapp.commands.execute('launcher:create')")
    section = page.locator(
        ".jp-Launcher-section", has=page.locator(".jp-Launcher-sectionTitle", has_text="Timeline Lab")
    )
    card = section.locator(
        ".jp-LauncherCard", has=page.locator(".jp-LauncherCard-label", has_text="Timeline Project")
    )
    card.first.click(timeout=15_000)

    wait_for_widget(page, "Untitled.ipynb", timeout=30)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.wait_for(state="visible")
    wait_until(
        lambda: (root / "Untitled.tlproj").is_file() and (root / "Untitled.ipynb").is_file(),
        timeout=10,
        what="Untitled.tlproj and Untitled.ipynb in the Lab root",
    )
    project = json.loads((root / "Untitled.tlproj").read_text("utf-8"))
    assert project["schema"].startswith("Project."), project


def test_context_menu_opens_companion_notebook(page: Page, lab_server: LabServer) -> None:
    from timeline_lab.model import Project, ProjectSettings, io

    root = lab_server.root
    project = Project(name="menu", settings=ProjectSettings(width=320, height=180, frame_rate=25))
    project.add_track("video", "V1")
    io.save(project, root / "menu.tlproj")
    assert not (root / "menu.ipynb").exists()  # the extension creates the companion NAME.ipynb

    _open_lab(page, lab_server)
    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:go-to-path', {path: '/'})")
    item = page.locator(
        ".jp-DirListing-item", has=page.locator(".jp-DirListing-itemText", has_text="menu.tlproj")
    )
    item.first.click(button="right", timeout=15_000)
    entry = page.locator(
        ".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel", has_text="Open in Timeline Lab")
    )
    entry.first.click(timeout=10_000)

    wait_for_widget(page, "menu.ipynb", timeout=30)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.wait_for(state="visible")
    companion = json.loads((root / "menu.ipynb").read_text("utf-8"))
    assert "menu.tlproj" in json.dumps(companion["metadata"]), companion["metadata"]
