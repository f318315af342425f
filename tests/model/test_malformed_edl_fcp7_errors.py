"""Malformed EDLs and FCP 7 XML are refused naming the place: the EDL event and line, the FCP 7
item and field; an EDL's rate is blamed only where its timecodes do not fit it. Before, FCP 7 XML
said "'NoneType' object has no attribute 'text'", and without rate= every EDL error was "an EDL
carries no frame rate ... pass rate=" with no event."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange.otio import read_otio

HEAD = "TITLE: bad\nFCM: NON-DROP FRAME\n\n"
A = "* FROM CLIP NAME: a.mp4\n"
EDLS = [  # (events, what the error says)
    (
        f"001  AX V C 00:00:00:10 00:00:00:99 00:00:00:00 00:00:01:13\n{A}",
        r"event 001 \(line 4\): .*'00:00:00:99'",
    ),
    (
        f"001  AX V C 00:00:00:10 00:00:00:20 00:00:00:00 00:00:00:10\n{A}"
        f"002  AX V C 00:00:00:10 00:00:00:20 00:00:00:05 00:00:00:15\n{A}",
        r"event 002 \(line 6\): Overlapping record",
    ),
    (
        f"001  AX V C 00:00:00:10 00:00:00:20 00:00:00:00 00:00:00:10\n{A}"
        "002  AX V C 00:00:00:20 00:00:00:20 00:00:00:10 00:00:00:10\n"
        f"002  AX V D XYZ 00:00:01:06 00:00:01:16 00:00:00:10 00:00:00:20\n{A}",
        r"event 002 \(line 7\): .*'XYZ'",
    ),
    (
        f"001  AX V C 00:00:00:10 00:00:00:20 00:00:00:00 00:00:00:10\n{A}"
        f"002  AX V C 00:00:00:10 00:00:00:20 00:00:00:10 00:00:00:20\n{A}"
        f"003  AX V C 00:00:00:10\n{A}",
        r"event 003 \(line 8\): incorrect number of fields",
    ),
]


@pytest.mark.parametrize(("events", "said"), EDLS)
@pytest.mark.parametrize("rate", [Fraction(24), Fraction(25), None])
def test_an_edl_error_names_the_event(tmp_path: Path, events: str, said: str, rate: Fraction | None) -> None:
    edl = tmp_path / "bad.edl"
    edl.write_text(HEAD + events)
    with pytest.raises(ProjectFileError) as caught:
        read_otio(edl, rate=rate)
    text = str(caught.value)
    assert text.startswith(f"{edl}: ")
    assert re.search(said, text), text
    assert ("rate=" in text) == ("Frame rate mismatch" in text)  # the rate blamed only where it is at fault
    assert "carries no frame rate" not in text


def test_timecodes_past_a_given_rate_blame_it(tmp_path: Path) -> None:
    edl = tmp_path / "fast.edl"
    edl.write_text(HEAD + f"001  AX V C 00:00:00:10 00:00:00:28 00:00:00:00 00:00:00:18\n{A}")
    with pytest.raises(
        ProjectFileError, match=r"event 001 \(line 4\): .*read at 24 fps: pass the EDL's own rate="
    ):
        read_otio(edl, rate=Fraction(24))


R = "<rate><timebase>24</timebase><ntsc>FALSE</ntsc></rate>"
FILE = f"<file id='f1'><name>a.mp4</name><pathurl>file:///nowhere/a.mp4</pathurl>{R}<duration>96</duration></file>"


def _fcp7(items: str) -> str:
    return (
        f"<?xml version='1.0'?><xmeml version='5'><sequence id='s'><name>S</name>{R}<media><video><track>"
        f"{items}</track></video></media></sequence></xmeml>"
    )


def _clip(ident: str, **fields: str) -> str:
    times = {"start": "0", "end": "10", "in": "0", "out": "10", **fields}
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in times.items() if v != "-")
    media = FILE if ident == "c1" else ""
    return f"<clipitem id='{ident}'><name>{ident} name</name>{R}{inner}{media}</clipitem>"


@pytest.mark.parametrize(
    ("items", "said"),
    [
        (_clip("c1", start="-"), '<clipitem id="c1"> "c1 name": <start> is missing'),
        (_clip("c1", end="-"), '<clipitem id="c1"> "c1 name": <end> is missing'),
        (_clip("c1", start="ten"), '<clipitem id="c1"> "c1 name": <start> \'ten\' is not a whole number'),
        (_clip("c1", start="-1"), "<start> -1 (at a transition's cut) with no <transitionitem> before it"),
        (_clip("c1", end="-1"), "<end> -1 (at a transition's cut) with no <transitionitem> after it"),
        (_clip("c1", **{"in": "abc"}), "<in> 'abc' is not a number"),
        (
            _clip("c1") + _clip("c2", start="20", end="30", out="abc"),
            '<clipitem id="c2"> "c2 name": <out> \'abc\' is not a number',
        ),
        (
            _clip("c1")
            + "<transitionitem><start>8</start><end>12</end>"
            + "<effect><name>Cross Dissolve</name></effect></transitionitem>"
            + _clip("c2", start="-1", end="20"),
            "<transitionitem>: <alignment> is missing",
        ),
    ],
)
def test_an_fcp7_error_names_the_item_and_field(tmp_path: Path, items: str, said: str) -> None:
    xml = tmp_path / "bad.xml"
    xml.write_text(_fcp7(items))
    with pytest.raises(ProjectFileError) as caught:
        read_otio(xml)
    assert str(caught.value) == f"{xml}: {said}" or str(caught.value).endswith(said)
    assert "NoneType" not in str(caught.value)
