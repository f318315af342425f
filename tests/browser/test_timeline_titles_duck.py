"""Titles and ducking from the timeline widget in real JupyterLab and Chromium (issue 19 items 3 and
7): a lower third placed from the picker and its name changed in the inspector, and the music ducked
under the dialogue from its track header; each checked in the kernel's model."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from ._lab import ARTIFACTS, LabServer, kernel_exec, open_timeline, timeline_idle

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CLIP = "media/bars_25fps_320x240.mp4"
SETUP = f"""import av
import numpy as np
from timeline_lab import Studio, titles
from timeline_lab.widgets import TimelineWidget

SR = 48000
def wav(path, signal):
    with av.open(path, "w") as c:
        s = c.add_stream("pcm_s16le", rate=SR, layout="mono")
        for i in range(0, len(signal), 1024):
            chunk = signal[i:i + 1024].astype(np.float32)[None, :]
            f = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            f.sample_rate, f.pts = SR, i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path
t = np.arange(4 * SR) / SR
speech = np.where((t >= 1) & (t < 2.5), 0.3 * np.sin(2 * np.pi * 1000 * t), 0.0)
studio = Studio()
project = studio.new_project("titles", width=320, height=240, frame_rate=25)
project.tracks[0].append(studio.clip({CLIP!r}, 0, 50, name="one"))
project.add_track("audio", "Dialogue").append(studio.clip(wav("speech.wav", speech), name="speech"))
music = wav("music.wav", 0.2 * np.sin(2 * np.pi * 220 * t))
project.add_track("audio", "Music").append(studio.clip(music, name="music"))
tl = TimelineWidget(project, studio=studio)
def texts():
    clips = [c for tr in project.tracks for c in tr.items if c.type == "text"]
    return sorted((c.name, c.text, c.start.to_frames(25)) for c in clips)
tl"""


@pytest.fixture
def titles_page(page: Page, lab_server: LabServer) -> Page:
    return open_timeline(page, lab_server, "titles_duck.ipynb", SETUP, items=3)


def test_place_edit_a_lower_third_and_duck_the_music(titles_page: Page) -> None:
    page = titles_page
    kernel_exec(page, "tl.playhead = 10")
    page.wait_for_function("() => document.querySelector('.tl-timecode')?.textContent.includes('(10)')")
    # the picker: a lower third with a name and a role, placed at the playhead by the kernel
    page.locator('[data-action="title"]').click()
    picker = page.locator(".tl-title-picker")
    picker.locator('[data-field="name"]').fill("Ada Lovelace")
    picker.locator('[data-field="role"]').fill("Analyst")
    picker.locator('[data-action="place"]').click()
    page.wait_for_function("() => document.querySelectorAll('.tl-item.tl-text').length === 3", timeout=20_000)
    timeline_idle(page, 60)
    assert kernel_exec(page, "print(texts())").strip() == repr(
        [
            ("lower_third:bar", "Ada Lovelace\nAnalyst", 10),
            ("lower_third:name", "Ada Lovelace", 10),
            ("lower_third:role", "Analyst", 10),
        ]
    )
    # the clips show their template part; selecting the name opens the inspector on it
    name = page.locator(".tl-item.tl-text", has_text="lower third · name")
    name.click()
    inspector = page.locator(".tl-title-inspector.tl-open")
    inspector.wait_for(timeout=20_000)
    assert "lower third · name" in (inspector.text_content() or "")
    text = inspector.locator('[data-field="text"]')
    assert text.input_value() == "Ada Lovelace"
    text.fill("Grace Hopper")
    text.press("Tab")  # a change is sent when the field is left
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tl-item.tl-text')]"
        ".some(e => e.textContent.includes('Grace Hopper'))",
        timeout=20_000,
    )
    timeline_idle(page, 60)
    assert kernel_exec(page, "print(texts())").strip() == repr(
        [
            ("lower_third:bar", "Grace Hopper\nAnalyst", 10),
            ("lower_third:name", "Grace Hopper", 10),
            ("lower_third:role", "Analyst", 10),
        ]
    )
    # a refusal is shown: opacity past 1
    opacity = page.locator('.tl-title-inspector [data-field="opacity"]')
    opacity.fill("3")
    opacity.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.tl-message.tl-error')?.textContent.includes('opacity')",
        timeout=20_000,
    )
    # ducking from the music track's header: the kernel measures the dialogue on a worker
    music = kernel_exec(page, "print(next(t.id for t in project.tracks if t.name == 'Music'))").strip()
    page.locator(f'[data-duck="{music}"]').click()
    duck = page.locator(".tl-duck.tl-open")
    assert duck.locator('[data-field="music"]').input_value() == music
    duck.locator('[data-field="amount_db"]').fill("-18")
    duck.locator('[data-action="run duck"]').click()
    page.wait_for_function(
        "() => document.querySelector('.tl-message')?.textContent.startsWith('ducked')", timeout=60_000
    )
    page.wait_for_selector(".tl-env-pt", timeout=20_000)  # the envelope shows the new keyframes
    volume = kernel_exec(
        page,
        "m = next(t for t in project.tracks if t.name == 'Music').items[0]\n"
        "print(len(m.keyframes['volume']), round(min(k.value for k in m.keyframes['volume']), 3))",
    ).split()
    assert int(volume[0]) >= 4 and float(volume[1]) == round(10 ** (-18 / 20), 3)
    page.screenshot(path=str(ARTIFACTS / "timeline_titles_duck.png"))
    # the duck is one undo step
    page.locator(".tl-root").press("Control+z")
    page.wait_for_function("() => !document.querySelector('.tl-env-pt')", timeout=20_000)
    m = "next(t for t in project.tracks if t.name == 'Music').items[0]"
    assert kernel_exec(page, f"print({m}.keyframes.get('volume', []))").strip() == "[]"
