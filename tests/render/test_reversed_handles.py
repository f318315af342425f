"""A transition on a clip played backwards shows its handles playing on backwards.

The handle before a reversed clip on the timeline is media after its span's end (counting down into
the span), the one after it media before its start (they used to freeze its nearest own frame). Every
frame is checked against that mapping on each path: the full render, a range render through the
transition, the printed ffmpeg command and the preview's ``timeline_frame``; the effects' clock
(``chain_instant``) and ``shown_frame`` agree with it, and the sound plays on backwards too.
A wipe shows one clip's band of codes whole on nearly every frame (a dissolve blends them), and
wiping down and up shows each side's handle in turn.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from timeline_lab.media.clips import shown_frame
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Effect, Project, RationalTime, Transition
from timeline_lab.render import ExportSettings, compile_plan, execute
from timeline_lab.render.compile.effects import chain_instant
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

RATE = 25
A_TAG, B_TAG = 1, 2


@dataclass(frozen=True)
class Variant:
    """The middle clip's timing effects and speed, and the span frame each of its frames plays."""

    effects: tuple[str, ...]
    speed: int = 1
    freeze: int = 3

    def span_frame(self, k: int, n: int) -> int:
        """Span frame played at clip frame ``k`` (a handle outside ``[0, n)``): the model's meaning,
        the effects applied in their listed order to the span extended by its handles."""
        held: int | None = None
        back = False
        for kind in self.effects:
            if held is not None:  # a held frame played backwards, or held again, stays
                continue
            if kind == "reverse":
                back = not back
            else:  # a freeze holds the frame it finds in the playback so far
                held = n - 1 - self.freeze if back else self.freeze
        if held is not None:
            return held
        return n - 1 - k if back else k


VARIANTS = [
    Variant(("reverse",)),
    Variant(("reverse",), speed=2),
    Variant(("reverse", "reverse")),
    Variant(("reverse", "reverse", "reverse")),
    Variant(("freeze", "reverse")),
    Variant(("reverse", "freeze")),
    Variant(("reverse", "freeze", "reverse")),
]
IDS = ["+".join(v.effects) + (f"@{v.speed}x" if v.speed != 1 else "") for v in VARIANTS]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("revhandles")
    return {
        "a": make_clip(d / "a.mp4", width=64, height=48, rate=RATE, frames=200, tag=A_TAG, audio=False),
        "b": make_clip(d / "b.mp4", width=64, height=48, rate=RATE, frames=200, tag=B_TAG, audio=False),
    }


@dataclass(frozen=True)
class Timeline:
    project: Project
    expected: list[set[tuple[int, int]]]  # per timeline frame: the codes it may show
    handles: list[int]  # timeline frames of the middle clip's handles


def build(studio: Studio, media: dict[str, Path], v: Variant, kind: str) -> Timeline:
    """A (forward) -> B (the variant) -> C (forward), with transitions of 8 and 6 frames around B."""
    p = studio.new_project("h", width=64, height=48, frame_rate=RATE)
    track = p.tracks[0]
    a = track.append(studio.clip(media["a"], 100, 20))
    b = track.append(studio.clip(media["b"], 60, 30 * v.speed, speed=v.speed))
    kinds = [Effect(kind=k, params={"frame": v.freeze} if k == "freeze" else {}) for k in v.effects]
    track.update(b.id, effects=kinds)
    c = track.append(studio.clip(media["a"], 150, 20))
    track.add_transition(Transition(kind=kind, from_clip=a.id, to_clip=b.id, duration=RationalTime(8, RATE)))
    track.add_transition(Transition(kind=kind, from_clip=b.id, to_clip=c.id, duration=RationalTime(6, RATE)))
    total = 20 + 30 + 20
    expected: list[set[tuple[int, int]]] = [set() for _ in range(total)]
    # (timeline start, in point, frames, handle before, handle after, tag, mapping)
    for start, first, n, before, after, tag, span in (
        (0, 100, 20, 0, 4, A_TAG, lambda k, n: k),
        (20, 60, 30, 4, 3, B_TAG, v.span_frame),
        (50, 150, 20, 3, 0, A_TAG, lambda k, n: k),
    ):
        speed = v.speed if tag == B_TAG else 1
        for k in range(-before, n + after):
            expected[start + k].add((first + span(k, n) * speed, tag))
    return Timeline(p, expected, [*range(16, 20), *range(50, 53)])


def codes_of(folder: Path) -> list[tuple[int, int]]:
    out = []
    for png in sorted(folder.glob("frame_*.png")):
        with Image.open(png) as img:
            out.append(read_frame_index(np.asarray(img.convert("RGB"))))
    return out


def check(tl: Timeline, got: list[tuple[int, int]], first: int = 0) -> set[int]:
    """Assert every frame shows one of the codes it may; return the handle frames shown by B."""
    wrong = [(first + i, code) for i, code in enumerate(got) if code not in tl.expected[first + i]]
    assert not wrong, f"frames showing what they should not: {wrong} (expected {tl.expected})"
    return {first + i for i, code in enumerate(got) if first + i in tl.handles and code[1] == B_TAG}


def both_wipes(tmp_path: Path, media: dict[str, Path], v: Variant, path: str) -> None:
    """Through ``path``, wiping down and up, every handle frame of B shows as the mapping says."""
    studio = Studio(workspace=tmp_path)
    seen: set[int] = set()
    for kind in ("wipe_down", "wipe_up"):
        tl = build(studio, media, v, kind)
        out = tmp_path / f"{kind}-{path}"
        export = ExportSettings(path=out, format="png-sequence")
        if path == "render":
            execute(compile_plan(tl.project, export))
            seen |= check(tl, codes_of(out))
        elif path == "range":  # through both transitions, starting and ending inside them
            execute(compile_plan(tl.project, export, frames=(18, 52)))
            seen |= check(tl, codes_of(out), 18)
        elif path == "cli":
            out.mkdir()
            done = subprocess.run(
                compile_plan(tl.project, export).to_ffmpeg_args(), capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, done.stderr[-2000:]
            seen |= check(tl, codes_of(out))
        else:
            got = [read_frame_index(timeline_frame(tl.project, f, scale=1)) for f in tl.handles]
            wrong = [(f, c) for f, c in zip(tl.handles, got, strict=True) if c not in tl.expected[f]]
            assert not wrong, wrong
            seen |= {f for f, c in zip(tl.handles, got, strict=True) if c[1] == B_TAG}
    # a wipe's first frame is all the clip before it (frame 16); the range is frames 18..51
    assert seen == set(tl.handles) - ({16, 17, 52} if path == "range" else {16})


@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
def test_the_render_plays_the_handles_on(tmp_path: Path, media: dict[str, Path], v: Variant) -> None:
    both_wipes(tmp_path, media, v, "render")


@pytest.mark.parametrize("v", VARIANTS[:2] + VARIANTS[4:5], ids=IDS[:2] + IDS[4:5])
def test_a_range_through_the_transitions_shows_them_so(
    tmp_path: Path, media: dict[str, Path], v: Variant
) -> None:
    both_wipes(tmp_path, media, v, "range")


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
@pytest.mark.parametrize("v", VARIANTS[:3] + VARIANTS[4:5], ids=IDS[:3] + IDS[4:5])
def test_the_printed_command_plays_the_handles_on(tmp_path: Path, media: dict[str, Path], v: Variant) -> None:
    both_wipes(tmp_path, media, v, "cli")


@pytest.mark.parametrize("v", VARIANTS[:2], ids=IDS[:2])
def test_the_preview_frame_shows_the_handles_so(tmp_path: Path, media: dict[str, Path], v: Variant) -> None:
    both_wipes(tmp_path, media, v, "preview")


@pytest.mark.parametrize("v", [VARIANTS[0], VARIANTS[1], VARIANTS[4], VARIANTS[5]], ids=IDS[:2] + IDS[4:6])
@pytest.mark.parametrize("side", ["start", "end"])
def test_at_the_media_edges(tmp_path: Path, media: dict[str, Path], v: Variant, side: str) -> None:
    """A reversed clip from the media's first frame with a transition before it (its handle is media
    after its span), or to the last with one after it (media before its start): every frame as the
    mapping says. A frozen one's picture may read past the media's edge: it shows its held frame."""
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("e", width=64, height=48, frame_rate=RATE)
    track = p.tracks[0]
    first = 0 if side == "start" else 200 - 30 * v.speed
    a = track.append(studio.clip(media["a"], 100, 20))
    b = track.append(studio.clip(media["b"], first, 30 * v.speed, speed=v.speed))
    kinds = [Effect(kind=k, params={"frame": v.freeze} if k == "freeze" else {}) for k in v.effects]
    track.update(b.id, effects=kinds)
    c = track.append(studio.clip(media["a"], 150, 20))
    pair = (a.id, b.id) if side == "start" else (b.id, c.id)
    track.add_transition(
        Transition(kind="wipe_down" if side == "start" else "wipe_up", from_clip=pair[0], to_clip=pair[1],
                   duration=RationalTime(8, RATE))
    )  # fmt: skip
    out = tmp_path / "out"
    execute(compile_plan(p, ExportSettings(path=out, format="png-sequence")))
    got = codes_of(out)
    handles = range(16, 20) if side == "start" else range(50, 54)
    for f in range(20, 50):
        assert got[f] == (first + v.span_frame(f - 20, 30) * v.speed, B_TAG), f
    for f in handles[1:] if side == "start" else handles[:-1]:  # a wipe's first frame: the clip before
        assert got[f] == (first + v.span_frame(f - 20, 30) * v.speed, B_TAG), (f, got[f])


@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
@pytest.mark.parametrize(("before", "after"), [(0, 0), (4, 3), (0, 5), (6, 0)])
def test_the_effects_clock_agrees(media: dict[str, Path], v: Variant, before: int, after: int) -> None:
    """``chain_instant`` (tracked blurs, live annotations) names the mapping's frame, handles included;
    ``shown_frame`` the same for the clip's own frames."""
    studio = Studio()
    clip: Clip = studio.clip(media["b"], 60, 30 * v.speed, speed=v.speed)
    kinds = [Effect(kind=k, params={"frame": v.freeze} if k == "freeze" else {}) for k in v.effects]
    clip = clip.model_copy(update={"effects": kinds})
    rate, n = Fraction(RATE), 30
    src0 = Fraction(60 - before * v.speed, RATE)  # the chain's first instant, read forwards
    for k in range(-before, n + after):
        want = 60 + v.span_frame(k, n) * v.speed
        at = chain_instant(clip, src0, (before, n), rate, before + k)
        assert at * RATE == want, (k, at * RATE, want)
        if 0 <= k < n:
            assert shown_frame(clip, k, rate) == want


def _noise_clip(path: Path, frames: int) -> Path:
    """A picture with smooth noise for sound (seeded): any stretch of it is told apart by correlation."""
    sr, per = 48000, 48000 // RATE
    rng = np.random.default_rng(7)
    pcm = np.convolve(rng.standard_normal(frames * per + 64), np.ones(24) / 24, "same")[: frames * per]
    pcm = (0.5 * pcm / np.abs(pcm).max()).astype(np.float32)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("mpeg4", rate=RATE)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        aus = out.add_stream("flac", rate=sr, layout="mono")
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i % 255, np.uint8), format="rgb24")
            frame.pts = i
            out.mux(vs.encode(frame))
            chunk = av.AudioFrame.from_ndarray(
                pcm[None, i * per : (i + 1) * per], format="flt", layout="mono"
            )
            chunk.sample_rate, chunk.pts = sr, i * per
            out.mux(aus.encode(chunk))
        out.mux(vs.encode(None))
        out.mux(aus.encode(None))
    np.save(path.with_suffix(".npy"), pcm)
    return path


@pytest.mark.parametrize("effects", [("reverse",), ("reverse", "reverse"), ("freeze", "reverse")])
def test_the_sound_plays_on_through_the_handles(
    tmp_path: Path, media: dict[str, Path], effects: tuple[str, ...]
) -> None:
    """Over the crossfades the middle clip sounds the source on past its span's ends (its neighbours
    are silent): backwards into the end before it, on past its start after it; the crossfade's gain
    scales it, so each handle's sound is compared by correlation with the source's there (a linear
    ramp of gain over sound that does not repeat correlates 0.87 at best; silence or other source
    samples near 0)."""
    noise = _noise_clip(tmp_path / "n.mkv", 200)
    pcm = np.load(noise.with_suffix(".npy"))
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("s", width=64, height=48, frame_rate=RATE)
    track = p.tracks[0]
    a = track.append(studio.clip(media["a"], 100, 20))
    b = track.append(studio.clip(noise, 60, 30))
    track.update(
        b.id, effects=[Effect(kind=k, params={"frame": 3} if k == "freeze" else {}) for k in effects]
    )
    c = track.append(studio.clip(media["a"], 150, 20))
    track.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(8, RATE)))
    track.add_transition(Transition(from_clip=b.id, to_clip=c.id, duration=RationalTime(6, RATE)))
    out = studio.render(p, tmp_path / "o.wav", progress=False, audio_codec="pcm_f32le")
    with av.open(str(out)) as f:
        got = np.concatenate([fr.to_ndarray().reshape(-1, 2).T for fr in f.decode(audio=0)], axis=1)[0]
    per = 48000 // RATE
    back = effects.count("reverse") % 2 == 1
    for lo, hi in ((16, 20), (50, 53)):  # the handles' timeline frames
        t = np.arange(lo * per, hi * per)
        k = t - 20 * per  # samples from the clip's own first
        src = 60 * per + (30 * per - 1 - k if back else k)
        want, heard = pcm[src], got[t]
        corr = float(np.dot(want, heard) / np.linalg.norm(want) / np.linalg.norm(heard))
        assert corr > 0.8, (lo, hi, corr)
