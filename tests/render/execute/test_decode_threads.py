"""Decoders thread by frame only where the encoder leaves cores idle; the pictures never change."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.render.execute import reader as reader_mod
from timeline_lab.render.execute.decode_threads import DecodeThreads
from timeline_lab.studio import Studio

from ..conftest import decode_video

if TYPE_CHECKING:
    from timeline_lab.render.plan import RenderPlan

HD = 1920 * 1080


@pytest.mark.parametrize(
    ("encoder", "cores", "fills"),
    [
        ("libx264", 2, True),
        ("libx265", 4, True),
        ("libx264", 16, False),  # cores to spare: frame threads use them
        ("h264_nvenc", 2, False),  # the GPU encodes: the cores are the decoders'
        (None, 2, False),  # no video encoder (an audio export)
        ("gif", 2, False),  # a single-threaded encoder leaves a core to the decoders
    ],
)
def test_the_encoder_and_the_core_count_decide(encoder: str | None, cores: int, fills: bool) -> None:
    # the two fields of a RenderPlan the policy reads
    plan = SimpleNamespace(width=64, height=48, output=SimpleNamespace(video_encoder=encoder))
    threads = DecodeThreads.for_plan(cast("RenderPlan", plan), cores=cores)
    assert threads.encoder_fills_cores is fills
    assert threads.canvas_pixels == 64 * 48


@pytest.mark.parametrize(
    ("codec", "size", "kind"),
    [
        ("h264", (1920, 1080), "SLICE"),
        ("hevc", (2048, 1152), "SLICE"),  # a little larger than the canvas is still cheap
        ("h264", (3840, 2160), "AUTO"),  # 4x the canvas: its decode rivals the encode
        ("png", (1920, 1080), "AUTO"),  # an expensive decoder keeps every thread
        ("prores", (1920, 1080), "AUTO"),
    ],
)
def test_cheap_sources_thread_by_slice_when_the_encoder_is_busy(
    codec: str, size: tuple[int, int], kind: str
) -> None:
    assert DecodeThreads(HD, encoder_fills_cores=True).thread_type(codec, *size) == kind
    assert DecodeThreads(HD, encoder_fills_cores=False).thread_type(codec, *size) == "AUTO"


@pytest.mark.slow
def test_slice_threaded_decoding_gives_the_same_pictures(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = make_clip(tmp_path / "c.mp4", width=320, height=240, frames=40, tag=3)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 7, 30))
    opened: list[str] = []
    real_open = reader_mod.Reader._open

    def spy(self: reader_mod.Reader, back: int = 0) -> None:
        real_open(self, back)
        assert self.vstream is not None
        opened.append(self.vstream.thread_type.name)

    monkeypatch.setattr(reader_mod.Reader, "_open", spy)
    outputs = []
    for fills in (False, True):
        monkeypatch.setattr(
            DecodeThreads, "for_plan", classmethod(lambda cls, plan, cores=None, f=fills: cls(320 * 240, f))
        )
        out = tmp_path / f"out{fills}.mkv"
        studio.render(project, out, progress=False, video_codec="ffv1", audio_codec="flac")
        outputs.append(decode_video(out))
    assert opened == ["AUTO", "SLICE"]
    assert len(outputs[0]) == len(outputs[1]) == 30
    assert all(np.array_equal(a, b) for a, b in zip(*outputs, strict=True))
