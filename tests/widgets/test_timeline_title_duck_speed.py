"""The timeline's title picker and inspector, its duck action and speed edits, as the kernel sees them."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab import titles
from timeline_lab.model import Clip, Project, TextClip
from timeline_lab.studio import Studio
from timeline_lab.widgets import TimelineWidget
from timeline_lab.widgets._ducking import DUCK_WORKER

from .conftest import record

SR = 48000


def _texts(project: Project) -> dict[str, TextClip]:
    return {i.id: i for t in project.tracks for i in t.items if isinstance(i, TextClip)}


def test_the_picker_places_a_lower_third_at_the_playhead_as_one_step(project: Project) -> None:
    w = TimelineWidget(project)
    sent = record(w)
    w.playhead = 10
    w.request(
        "title_add",
        {"seq": 1, "view": "v", "template": "lower_third", "fields": {"name": "Ada", "role": "Analyst"}},
        [],
    )
    assert sent.last("ack")["seq"] == 1
    placed = _texts(project)
    assert sorted(titles.template_of(c) or "" for c in placed.values()) == ["lower_third"] * 3
    assert all(c.start.to_frames(25) == 10 for c in placed.values()) and set(w.selection) == set(placed)
    views = [v for m, _ in sent if m["kind"] == "patch" for v in m["patch"]["items"]]
    name = next(v for v in views if v["id"] in placed and v["title"]["text"] == "Ada")
    assert name["label"] == "lower third · name: Ada" and name["title"]["template"] == "lower third · name"
    w.undo()
    assert not _texts(project), "placing the template was one undo step"


@pytest.mark.parametrize(
    ("template", "fields", "error"),
    [
        ("full_screen", {"text": "Chapter one"}, None),
        ("caption", {"text": "Hello"}, None),
        ("credits_roll", {"credits": "Director: Ada\n\nThanks to all"}, None),
        ("lower_third", {"name": " "}, "name is empty"),
        ("credits_roll", {"credits": "\n"}, "no credits"),
        ("marquee", {}, "unknown template"),
    ],
)
def test_each_template_from_its_form(
    project: Project, template: str, fields: dict[str, str], error: str | None
) -> None:
    w = TimelineWidget(project)
    sent = record(w)
    w.request("title_add", {"seq": 2, "view": "v", "template": template, "fields": fields}, [])
    if error is None:
        assert sent.last("ack")["seq"] == 2 and _texts(project)
        assert all(titles.template_of(c) == template for c in _texts(project).values())
    else:
        assert error in sent.last("refused")["error"] and not _texts(project)


def test_the_inspector_edits_one_field_per_undo_step_and_shows_refusals(project: Project) -> None:
    w = TimelineWidget(project)
    sent = record(w)
    (clip,) = w.add_title(titles.full_screen(project, "Chapter one"), at=0)
    w.request("title_edit", {"seq": 3, "view": "v", "item": clip.id, "fields": {"text": "Chapter two"}}, [])
    w.request(
        "title_edit",
        {"seq": 4, "view": "v", "item": clip.id, "fields": {"font_size": 30, "color": "#ff0000"}},
        [],
    )
    w.request("title_edit", {"seq": 5, "view": "v", "item": clip.id, "fields": {"box_color": ""}}, [])
    edited = _texts(project)[clip.id]
    assert (edited.text, edited.style.font_size, edited.style.color) == ("Chapter two", 30, "#ff0000")
    assert edited.style.box_color is None and edited.keyframes == clip.keyframes
    w.request("title_edit", {"seq": 6, "view": "v", "item": clip.id, "fields": {"opacity": 3}}, [])
    assert sent.last("refused")["seq"] == 6 and "opacity" in sent.last("refused")["error"]
    w.request("title_edit", {"seq": 7, "view": "v", "item": clip.id, "fields": {"speed": 2}}, [])
    assert "cannot change 'speed'" in sent.last("refused")["error"]
    w.undo()
    w.undo()
    assert _texts(project)[clip.id].style.font_size == clip.style.font_size
    assert _texts(project)[clip.id].text == "Chapter two", "each inspector change was its own step"


def _wav(path: Path, signal: np.ndarray) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("pcm_s16le", rate=SR, layout="mono")
        for i in range(0, len(signal), 1024):
            f = av.AudioFrame.from_ndarray(
                signal[i : i + 1024].astype(np.float32)[None, :], format="flt", layout="mono"
            )
            f.sample_rate, f.pts = SR, i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path


def _scene(studio: Studio, tmp_path: Path) -> Project:
    t = np.arange(4 * SR) / SR
    speech = np.where((t >= 1) & (t < 2.5), 0.3 * np.sin(2 * np.pi * 1000 * t), 0.0)
    p = studio.new_project(width=160, height=120, frame_rate=25)
    p.add_track("audio", "Dialogue").append(studio.clip(_wav(tmp_path / "speech.wav", speech)))
    p.add_track("audio", "Music").append(
        studio.clip(_wav(tmp_path / "music.wav", 0.2 * np.sin(2 * np.pi * 220 * t)))
    )
    p.history.clear()
    return p


def _music(p: Project) -> Clip:
    clip = p.tracks[-1].items[0]
    assert isinstance(clip, Clip)
    return clip


def test_duck_runs_on_a_worker_and_lands_as_one_undo_step(studio: Studio, tmp_path: Path) -> None:
    p = _scene(studio, tmp_path)
    w = TimelineWidget(p)
    sent = record(w)
    w.request("duck", {"seq": 8, "view": "v", "track": "Music", "under": ["Dialogue"], "amount_db": -12}, [])
    DUCK_WORKER.submit(lambda: None).result()  # one worker: the duck is done when this runs
    assert sent.last("ack")["seq"] == 8 and sent.last("ducked")["clips"] == 1
    volume = _music(p).keyframes["volume"]
    assert min(k.value for k in volume) == pytest.approx(10 ** (-12 / 20), rel=1e-3)
    views = [v for m, _ in sent if m["kind"] == "patch" for v in m["patch"]["items"]]
    assert views[-1]["id"] == _music(p).id and views[-1]["keyframes"]["volume"], "the envelope gets them"
    w.undo()
    assert not _music(p).keyframes.get("volume")


def test_duck_refusals_reach_the_widget(studio: Studio, tmp_path: Path) -> None:
    p = _scene(studio, tmp_path)
    w = TimelineWidget(p)
    sent = record(w)
    w.request("duck", {"seq": 9, "view": "v", "track": "Music", "under": []}, [])
    assert "pick the dialogue" in sent.last("refused")["error"]
    w.request("duck", {"seq": 10, "view": "v", "track": "Music", "under": ["Dialogue"], "amount_db": 6}, [])
    DUCK_WORKER.submit(lambda: None).result()
    assert sent.last("refused")["seq"] == 10 and "amount_db" in sent.last("refused")["error"]


def test_speed_keys_have_bounds_and_a_speed_change_redraws_the_clip_length(project: Project) -> None:
    w = TimelineWidget(project)
    sent = record(w)
    clip = project.tracks[0].items[2]  # the last clip: room to grow
    w.request("curve", {"view": "v", "item": clip.id, "property": "speed", "first": 0, "count": 4}, [])
    curve = sent.last("curve")
    assert (curve["min"], curve["max"], curve["lo"], curve["hi"]) == (0.01, 100.0, 0.0, 4.0)
    w._edit(
        11, [{"op": "update", "track": project.tracks[0].id, "item_id": clip.id, "changes": {"speed": "1/2"}}]
    )
    assert sent.last("ack")["seq"] == 11
    view = [v for m, _ in sent if m["kind"] == "patch" for v in m["patch"]["items"] if v["id"] == clip.id][-1]
    before, after = clip.frames(25), project.tracks[0].items[2].frames(25)
    assert view["frames"] == after and after >= 2 * before - 1, (
        "half speed: twice the frames, in the patch the widget redraws from"
    )
    first = project.tracks[0].items[0]
    w._edit(
        12,
        [{"op": "update", "track": project.tracks[0].id, "item_id": first.id, "changes": {"speed": "1/2"}}],
    )
    assert sent.last("refused")["seq"] == 12 and sent.last("refused")["error"]


def test_a_speed_ramp_from_the_curve_panel_redraws_the_clip_at_its_new_length(project: Project) -> None:
    w = TimelineWidget(project)
    sent = record(w)
    clip = project.tracks[0].items[2]
    key = {"op": "add_keyframe", "track": project.tracks[0].id, "item_id": clip.id, "property": "speed"}
    w._edit(13, [{**key, "frame": 0, "value": 1, "interp": "linear"}, {**key, "frame": 10, "value": 0.5}])
    assert sent.last("ack")["seq"] == 13
    ramped = project.tracks[0].items[2]
    view = [v for m, _ in sent if m["kind"] == "patch" for v in m["patch"]["items"] if v["id"] == clip.id][-1]
    assert view["frames"] == ramped.frames(25) > clip.frames(25), "slowing down lengthens the clip"
    (f0, v0, _), (f1, v1, _) = view["keyframes"]["speed"]
    assert (f0, v0, v1) == (0, 1.0, 0.5) and f1 > 10, "keyed at source times: the ramp shows frame 10's later"
    w.request("curve", {"view": "v", "item": clip.id, "property": "speed", "first": 0, "count": 12}, [])
    values = sent.last("curve")["values"]
    assert values[0] == 1.0 and all(a >= b for a, b in itertools.pairwise(values)) and values[-1] < 1
    w._edit(14, [{**key, "frame": 5, "value": 200}])
    assert sent.last("refused")["seq"] == 14 and "speed" in sent.last("refused")["error"]
