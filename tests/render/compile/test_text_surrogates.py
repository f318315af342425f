"""A title holding a lone UTF-16 surrogate (JSON's "\\ud800", a mis-decoded name) is refused by name, as
saving refuses it, by the render and the preview: it was a bare UnicodeEncodeError from the cache key."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.errors import RenderError
from timeline_lab.model import RationalTime, TextClip
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

SURROGATES = ["a\ud800b", "\udfff", "ok \udc80", "\ud83d", "split pair \ud83d\ude00 then \ud800"]


@pytest.mark.parametrize("text", SURROGATES)
def test_a_lone_surrogate_in_a_title_is_refused_naming_it(tmp_path: Path, text: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("t", width=64, height=36, frame_rate=25)
    project.add_track("video", "T")
    clip = TextClip(text=text, duration=RationalTime(3, 25))
    project.tracks[1].append(clip)
    said = rf"title .* \(clip {clip.id}\): text: holds an unpaired surrogate .*retype it"
    with pytest.raises(RenderError, match=said):
        studio.render(project, tmp_path / "out.mp4", progress=False)
    with pytest.raises(RenderError, match=said):
        timeline_frame(project, 0, scale=1)
    assert not (tmp_path / "out.mp4").exists()
