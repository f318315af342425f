"""H.264 NAL units in a packet: the one framing reader the scan and the smart render share.

Why: whether a keyframe is an IDR picture (a clean place to start decoding or to cut) is read from
its NAL unit types, in MP4's length-prefixed framing or in a transport stream's Annex B.
"""

from __future__ import annotations

__all__ = ["IDR", "is_idr", "nal_units"]

IDR = 5
"""The NAL unit type of an IDR picture's slices."""


def nal_units(data: bytes, length_size: int | None) -> list[bytes]:
    """NAL units of an Annex B buffer (``length_size`` None) or of a length-prefixed sample."""
    if length_size is None:
        return [n.rstrip(b"\x00") for n in data.split(b"\x00\x00\x01") if n.rstrip(b"\x00")]
    out, pos = [], 0
    while pos + length_size <= len(data):
        size = int.from_bytes(data[pos : pos + length_size], "big")
        out.append(data[pos + length_size : pos + length_size + size])
        pos += length_size + size
    return out


def is_idr(data: bytes, length_size: int | None) -> bool:
    """Does the packet hold an IDR picture (not only a recovery point)?"""
    return any(n and n[0] & 0x1F == IDR for n in nal_units(data, length_size))
