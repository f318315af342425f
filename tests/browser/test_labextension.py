"""The ``timeline-lab`` labextension: its commands, the launcher card and the .tlproj context menu."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

from ._lab import LabServer, wait_for_widget, wait_kernel_idle, wait_until, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.lab]

COMMANDS = [
    "timeline-lab:new-project",
    "timeline-lab:render-project",
    "timeline-lab:open-health",
    "timeline-lab:open-in-timeline-lab",
]


_NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _save_project(path: Path) -> None:
    """An empty 320x180 project with one video track."""
    from timeline_lab.model import Project, ProjectSettings, io

    project = Project(name=path.stem, settings=ProjectSettings(width=320, height=180, frame_rate=25))
    project.add_track("video", "V1")
    io.save(project, path)


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


def test_launcher_card_asks_a_name_then_opens_the_running_editor(page: Page, lab_server: LabServer) -> None:
    root = lab_server.root
    assert not (root / "Launch.tlproj").exists()
    _open_lab(page, lab_server)
    page.evaluate("() => window.jupyterapp.commands.execute('launcher:create')")
    section = page.locator(
        ".jp-Launcher-section", has=page.locator(".jp-Launcher-sectionTitle", has_text="Timeline Lab")
    )
    card = section.locator(
        ".jp-LauncherCard", has=page.locator(".jp-LauncherCard-label", has_text="Timeline Project")
    )
    card.first.click(timeout=15_000)

    dialog = page.locator(".jp-Dialog", has_text="New Timeline Project")
    field = dialog.locator("input")
    field.wait_for(state="visible", timeout=15_000)
    assert field.input_value().startswith("Untitled")  # the first free name, offered to change
    field.fill("Launch")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()

    wait_for_widget(page, "Launch.ipynb", timeout=30)
    wait_until(
        lambda: (root / "Launch.tlproj").is_file() and (root / "Launch.ipynb").is_file(),
        timeout=10,
        what="Launch.tlproj and Launch.ipynb in the Lab root",
    )
    project = json.loads((root / "Launch.tlproj").read_text("utf-8"))
    assert project["schema"].startswith("Project."), project
    # the companion runs by itself: the timeline editor is drawn without pressing Run
    page.locator(f"{_NOTEBOOK} .tl-root").first.wait_for(state="visible", timeout=90_000)


def test_cancelling_the_name_dialog_creates_nothing(page: Page, lab_server: LabServer) -> None:
    before = sorted(p.name for p in lab_server.root.iterdir())
    _open_lab(page, lab_server)
    page.evaluate("() => { window.jupyterapp.commands.execute('timeline-lab:new-project', {cwd: ''}); }")
    dialog = page.locator(".jp-Dialog", has_text="New Timeline Project")
    dialog.locator("input").wait_for(state="visible", timeout=15_000)
    dialog.locator(".jp-Dialog-button.jp-mod-reject").click()
    dialog.wait_for(state="detached", timeout=10_000)
    assert sorted(p.name for p in lab_server.root.iterdir()) == before


def test_double_click_opens_a_project_in_the_editor(page: Page, lab_server: LabServer) -> None:
    root = lab_server.root
    _save_project(root / "double.tlproj")
    _open_lab(page, lab_server)
    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:go-to-path', {path: '/'})")
    item = page.locator(
        ".jp-DirListing-item", has=page.locator(".jp-DirListing-itemText", has_text="double.tlproj")
    )
    item.first.dblclick(timeout=15_000)

    wait_for_widget(page, "double.ipynb", timeout=30)
    page.locator(f"{_NOTEBOOK} .tl-root").first.wait_for(state="visible", timeout=90_000)
    # the placeholder tab handed over and closed; no tab shows the project's raw JSON
    paths = page.evaluate(
        "() => Array.from(window.jupyterapp.shell.widgets('main')).map(w => w.context ? w.context.path : '')"
    )
    assert "double.tlproj" not in paths, paths


def test_an_edited_companion_opens_without_running(page: Page, lab_server: LabServer) -> None:
    root = lab_server.root
    _save_project(root / "edited.tlproj")
    marker = root / "ran.txt"
    code = f"open({str(marker)!r}, 'w').write('ran')"
    write_notebook(root / "edited.ipynb", [code])
    notebook = json.loads((root / "edited.ipynb").read_text("utf-8"))
    notebook["metadata"]["timeline_lab"] = {"project": "edited.tlproj"}  # it claims to be the companion
    (root / "edited.ipynb").write_text(json.dumps(notebook), "utf-8")

    _open_lab(page, lab_server)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:open', {path: 'edited.tlproj'})")
    wait_for_widget(page, "edited.ipynb", timeout=30)
    wait_kernel_idle(page)
    page.wait_for_timeout(1000)
    assert not marker.exists(), "opening a project ran code someone else put in its notebook"


def test_health_command_shows_a_panel(page: Page, lab_server: LabServer) -> None:
    _open_lab(page, lab_server)
    page.evaluate("() => window.jupyterapp.commands.execute('timeline-lab:open-health')")
    panel = page.locator(".jp-TimelineLab-health")
    panel.locator("th", has_text="mode").wait_for(state="visible", timeout=15_000)
    status = panel.locator(".jp-TimelineLab-health-status")
    assert status.get_attribute("data-ok") == "true", status.inner_text()
    row = panel.locator("tr", has=page.locator("th", has_text="mode"))
    assert row.locator("td").inner_text() == "jupyter"
    assert len(page.context.pages) == 1  # no raw JSON tab in the browser


def test_context_menu_opens_companion_notebook(page: Page, lab_server: LabServer) -> None:
    root = lab_server.root
    _save_project(root / "menu.tlproj")
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
