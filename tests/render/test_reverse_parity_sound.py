"""A clip's sound plays backwards when its picture does: an odd number of enabled reverse effects.
Two reverses played the picture forwards and the sound backwards."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model import Effect
from timeline_lab.studio import Studio


def _pcm(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray().reshape(-1, 2).T for f in c.decode(audio=0)], axis=1)


@pytest.mark.parametrize(
    ("effects", "backwards"),
    [([], False), (["reverse"], True), (["reverse", "reverse"], False), (["reverse"] * 3, True),
     (["reverse", "freeze", "reverse"], False)],
)  # fmt: skip
def test_the_sound_turns_with_the_picture(tmp_path: Path, effects: list[str], backwards: bool) -> None:
    src = make_clip(tmp_path / "a.mov", width=64, height=48, rate=25, frames=50, tone_hz=440.0)
    studio = Studio(workspace=tmp_path)
    outs = []
    for fx in ([], effects):
        p = studio.new_project("t", width=64, height=48, frame_rate=25)
        c = p.tracks[0].append(studio.clip(src, 5, 30))
        kinds = [Effect(kind=k, params={"frame": 3} if k == "freeze" else {}) for k in fx]
        p.tracks[0].update(c.id, effects=kinds)
        outs.append(
            _pcm(studio.render(p, tmp_path / f"o{len(outs)}.wav", progress=False, audio_codec="pcm_f32le"))
        )
    plain, turned = outs
    assert plain.shape == turned.shape
    want = plain[:, ::-1] if backwards else plain
    assert float(np.abs(turned - want).max()) < 1e-6
