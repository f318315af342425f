"""FCP 7 / Premiere / Resolve XML pieces the interchange tests build files from."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio


def rate_xml(rate: Fraction) -> str:
    """``<rate>`` as FCP 7 writes it (NTSC rates as their whole timebase and ``<ntsc>TRUE``)."""
    ntsc = rate.denominator == 1001
    base = round(rate) if ntsc else int(rate)
    return f"<rate><timebase>{base}</timebase><ntsc>{'TRUE' if ntsc else 'FALSE'}</ntsc></rate>"


def file_xml(media: Path, rate: Fraction, frames: int, timecode: str | None, fid: str = "f1") -> str:
    """A ``<file>`` naming ``media`` (its start ``timecode``, drop-frame where written HH:MM:SS;FF)."""
    tc = ""
    if timecode is not None:
        drop = ";" in timecode
        frame = int(otio.opentime.from_timecode(timecode, float(rate)).value)
        tc = (
            f"<timecode>{rate_xml(rate)}<string>{timecode}</string><frame>{frame}</frame>"
            f"<displayformat>{'DF' if drop else 'NDF'}</displayformat></timecode>"
        )
    return (
        f"<file id='{fid}'><name>{media.name}</name><pathurl>{media.as_uri()}</pathurl>{rate_xml(rate)}"
        f"<duration>{frames}</duration>{tc}<media><video/><audio><channelcount>2</channelcount></audio>"
        "</media></file>"
    )


def clipitem(
    cid: str, rate: Fraction, start: int, end: int, src_in: int, src_out: int, inner: str, frames: int = 0
) -> str:
    """A ``<clipitem>`` at timeline ``start``..``end`` showing media ``src_in``..``src_out``."""
    return (
        f"<clipitem id='{cid}'><name>{cid}</name><duration>{frames}</duration>{rate_xml(rate)}"
        f"<start>{start}</start><end>{end}</end><in>{src_in}</in><out>{src_out}</out>{inner}</clipitem>"
    )


def sequence(path: Path, rate: Fraction, video: Sequence[str], audio: Sequence[str] = ()) -> Path:
    """A one-sequence file: one picture track of ``video`` items, one sound track per ``audio`` entry."""
    tracks = "".join(f"<track>{t}</track>" for t in audio)
    xml = (
        f"<?xml version='1.0'?><xmeml version='5'><sequence id='s'><name>Seq</name>{rate_xml(rate)}"
        f"<media><video><track>{''.join(video)}</track></video><audio>{tracks}</audio></media>"
        "</sequence></xmeml>"
    )
    path.write_text(xml)
    return path
