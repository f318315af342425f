"""No HTML built from data in any widget (issue 15, item 3), checked on the kernel side.

Every widget of an Editor is walked; a name, path or error holding markup must reach the notebook
as text: in a text widget (Label, Text...), escaped in an HTML widget, or as data the front end
draws with ``textContent`` (the timeline's document). ``tests/browser/test_hostile_text.py`` checks
the same in real JupyterLab, where nothing may run.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import ipywidgets as widgets
import pytest

from timeline_lab.core.events import RenderFailed
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Marker, RationalTime, TextClip
from timeline_lab.studio import Studio
from timeline_lab.widgets import Editor

EVIL = "<img src=x onerror=alert(1)><script>alert(2)</script>"
NAME = "<img src=x onerror=alert(1)>"  # no slash: also a file name


def _all(widget: widgets.Widget) -> list[widgets.Widget]:
    """The widget and every widget inside it."""
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += _all(child)
    return out


@pytest.fixture
def editor(tmp_path: Path) -> Editor:
    clip = make_clip(tmp_path / f"{NAME}.mp4", width=160, height=120, rate=25, frames=10, tag=1)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(EVIL, width=160, height=120, frame_rate=25)
    project.tracks[0].name = EVIL
    project.tracks[0].append(studio.clip(clip, 0, 10, name=EVIL))
    project.add_track("video", EVIL).insert(TextClip(text=EVIL, duration=RationalTime(5, 25)), 0)
    project.add_marker(Marker(time=RationalTime(2, 25), name=EVIL, note=EVIL))
    return Editor(project, studio=studio)


def test_no_widget_holds_unescaped_markup(editor: Editor, tmp_path: Path) -> None:
    editor.render_bar.output.value = f"{NAME}.xyz"
    assert editor.render_bar.start() is None  # fails at once: no export format has that suffix
    editor.progress.show(RenderFailed("job", tmp_path / f"{NAME}.mp4", f"cannot read {EVIL}"))
    seen_error = False
    for w in _all(editor):
        if isinstance(w, widgets.HTML | widgets.HTMLMath):
            assert "<img" not in w.value and "<script" not in w.value, (type(w).__name__, w.value)
            seen_error |= html.escape(NAME) in w.value
        elif isinstance(w, widgets.Label):
            assert isinstance(w.value, str)  # a Label shows its value as text, markup included
    assert seen_error, "the render bar's error did not name the hostile path"
    editor.close()


def test_the_timeline_document_carries_names_as_plain_data(editor: Editor) -> None:
    """The timeline front end is sent data (drawn with textContent), the names exactly as typed."""
    from timeline_lab.widgets.view import view_of

    doc = view_of(editor.project, 0).to_json()  # what the widget receives in a "reset"
    text = json.dumps(doc)
    assert text.count(json.dumps(EVIL)[1:-1]) >= 4  # clip label, track names, title, marker
    editor.close()
