"""Malformed FCPX documents are refused naming the file, the element, its attribute and its id
(review 5, item D): the reader raised Python's own words ("not enough values to unpack", "maximum
recursion depth exceeded") or read a dangling ``ref`` as a gap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange._fcpx_checks import MAX_NESTING
from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("fcpx-bad") / "a.mp4", width=64, height=48, rate=24, frames=24)


def _doc(path: Path, media: Path, spine: str, *, res: str = "", fmt: str = 'frameDuration="1/24s"') -> Path:
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fcpxml><fcpxml version="1.10"><resources>'
        f'<format id="r1" {fmt} width="32" height="32"/><asset id="r2" name="a" start="0s" duration="1s" '
        f'hasVideo="1" format="r1"><media-rep kind="original-media" src="{media.as_uri()}"/></asset>{res}'
        '</resources><library><event name="E"><project name="P"><sequence format="r1" duration="1s" '
        f'tcStart="0s"><spine>{spine}</spine></sequence></project></event></library></fcpxml>'
    )
    return path


def _clip(**attrs: str) -> str:
    base = {"ref": "r2", "offset": "0s", "start": "0s", "duration": "10/24s"} | attrs
    return "<asset-clip " + " ".join(f'{k}="{v}"' for k, v in base.items() if v != "-") + "/>"


def _compound(mid: str, shows: str) -> str:
    ref = f'<ref-clip ref="{shows}" offset="0s" duration="10/24s"/>' if shows else _clip()
    head = f'<media id="{mid}" name="C{mid}"><sequence format="r1" duration="1s">'
    return f"{head}<spine>{ref}</spine></sequence></media>"


CASES = [  # (spine, resources, format attributes, what the message says)
    (_clip(), "", 'frameDuration="0s"', r'<format id="r1">: frameDuration="0s" is not positive'),
    (_clip(), "", 'frameDuration="-1/24s"', r'<format id="r1">: frameDuration="-1/24s" is not positive'),
    (_clip(), "", 'frameDuration="1/0s"', r'<format id="r1">: frameDuration="1/0s" is not a time'),
    (_clip(), "", 'frameDuration="fast"', r'<format id="r1">: frameDuration="fast" is not a time'),
    (_clip(), "", "", r'<format id="r1">: a sequence\'s format has no frameDuration'),
    (_clip(start="abc/24s"), "", None, r'<asset-clip ref="r2">: start="abc/24s" is not a time'),
    (_clip(offset="nan"), "", None, r'<asset-clip ref="r2">: offset="nan" is not a time'),
    (_clip(duration="1/0s"), "", None, r'<asset-clip ref="r2">: duration="1/0s" is not a time'),
    (_clip(duration="-10/24s"), "", None, r'<asset-clip ref="r2">: duration="-10/24s" is negative'),
    (_clip(duration="-"), "", None, r'<asset-clip ref="r2">: has no duration'),
    (
        _clip(ref="r99", name="lost"),
        "",
        None,
        r'<asset-clip name="lost" ref="r99">: ref="r99" names no resource',
    ),
    (_clip(format="r7"), "", None, r'<asset-clip ref="r2">: format="r7" names no <format>'),
    (_clip(lane="x"), "", None, r'<asset-clip ref="r2">: lane="x" is not a whole number'),
    (
        '<ref-clip ref="r9" offset="0s" duration="1s"/>',
        "",
        None,
        r'<ref-clip ref="r9">: ref="r9" names no resource',
    ),
    ('<ref-clip ref="r4" offset="0s" duration="1s"/>', _compound("r4", "r4"), None, r"r4 -> r4\)"),
    (
        '<ref-clip ref="r4" offset="0s" duration="1s"/>',
        _compound("r4", "r5") + _compound("r5", "r6") + _compound("r6", "r4"),
        None,
        r"shows itself \(r4 -> r5 -> r6 -> r4\)",
    ),
    (
        '<asset-clip ref="r2" offset="0s" duration="1s">'
        '<timeMap><timept time="x" value="0s"/></timeMap></asset-clip>',
        "",
        None,
        r'<timept>: time="x" is not a time',
    ),
]


@pytest.mark.parametrize(("spine", "res", "fmt", "said"), CASES)
def test_a_malformed_document_is_refused_by_element(
    clip: Path, tmp_path: Path, spine: str, res: str, fmt: str | None, said: str
) -> None:
    path = _doc(
        tmp_path / "bad.fcpxml", clip, spine, res=res, fmt=fmt if fmt is not None else 'frameDuration="1/24s"'
    )
    with pytest.raises(ProjectFileError) as err:
        read_otio(path)
    message = str(err.value)
    assert message.startswith(str(path)) and re.search(said, message), message
    for internal in ("unpack", "recursion", "GeneratorReference", "Traceback", "NoneType"):
        assert internal not in message


@pytest.mark.parametrize("levels", [1, 5, MAX_NESTING])
def test_compound_clips_nested_within_the_limit_open(clip: Path, tmp_path: Path, levels: int) -> None:
    res = "".join(_compound(f"m{k}", f"m{k + 1}" if k + 1 < levels else "") for k in range(levels))
    project = read_otio(
        _doc(tmp_path / "deep.fcpxml", clip, '<ref-clip ref="m0" offset="0s" duration="10/24s"/>', res=res)
    )
    depth, nested = 0, project
    while nested.sequences:
        depth, nested = depth + 1, nested.sequences[0]
    assert depth == levels


def test_compound_clips_nested_past_the_limit_are_refused(clip: Path, tmp_path: Path) -> None:
    levels = MAX_NESTING + 1
    res = "".join(_compound(f"m{k}", f"m{k + 1}" if k + 1 < levels else "") for k in range(levels))
    path = _doc(tmp_path / "deep.fcpxml", clip, '<ref-clip ref="m0" offset="0s" duration="10/24s"/>', res=res)
    with pytest.raises(
        ProjectFileError, match=rf"<media id=\"m0\" name=\"Cm0\">: nests compound clips over {MAX_NESTING}"
    ):
        read_otio(path)
