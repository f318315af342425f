"""Checks on the filter steps effect plugins return, so a plugin cannot make the renderer open files."""

from __future__ import annotations

import re
from typing import Any

from .api import PluginError

__all__ = ["FORBIDDEN_FILTERS", "FORBIDDEN_OPTIONS", "check_steps"]

FORBIDDEN_FILTERS = frozenset(
    {
        # read files or devices, load code, or talk to the network on the renderer's behalf
        "movie",
        "amovie",
        "frei0r",
        "frei0r_src",
        "ladspa",
        "lv2",
        "sendcmd",
        "asendcmd",
        "zmq",
        "azmq",
        "dnn_processing",
        "dnn_classify",
        "dnn_detect",
        "sr",
        "derain",
        "ocr",
        "libvmaf",
        "signature",
        "subtitles",
        "ass",
        "lut3d",
        "lut1d",
        "haldclutsrc",
        "lensfun",
        "vidstabdetect",
        "vidstabtransform",
        "psnr",
        "ssim",
        "coreimage",
        "coreimagesrc",
    }
)
"""Filters that touch files, code or the network; plugin effects may not use them."""

FORBIDDEN_OPTIONS = frozenset(
    {"file", "filename", "textfile", "fontfile", "stats_file", "model", "filter_name"}
)
"""Option names that name a file for any filter (``drawtext=textfile=...``)."""

_FILTER = re.compile(r"^[a-z0-9_]{1,64}$")
_OPTION_KEY = re.compile(r"(?:^|(?<!\\):)\s*([A-Za-z_][A-Za-z0-9_]*)\s*=")


def check_steps(kind: str, steps: Any, *, allow_objects: bool = False) -> list[Any]:
    """Validate a renderer's result: ``(filter, options)`` string pairs that touch no file.

    Best effort by design (a deny list); options are passed per filter node, so graph syntax
    (``;``, ``[label]``) in them cannot add filters. ``allow_objects`` lets graph fragments (objects
    with a ``build`` method) from in-process plugins through. Raises :class:`PluginError`.
    """
    if not isinstance(steps, list | tuple):
        raise PluginError(f"effect {kind!r}: renderer returned {type(steps).__name__}, not a list of steps")
    out: list[Any] = []
    for n, step in enumerate(steps):
        if allow_objects and callable(getattr(step, "build", None)):
            out.append(step)
            continue
        if not (isinstance(step, list | tuple) and len(step) == 2 and all(isinstance(x, str) for x in step)):
            raise PluginError(
                f"effect {kind!r}: step {n} is {step!r}, not a (filter, options) pair of strings"
            )
        flt, args = step
        if not _FILTER.match(flt):
            raise PluginError(f"effect {kind!r}: step {n} filter name {flt!r} is not a plain filter name")
        if flt in FORBIDDEN_FILTERS:
            raise PluginError(f"effect {kind!r}: filter {flt!r} reads files or loads code; not allowed")
        bad = {k.lower() for k in _OPTION_KEY.findall(args)} & FORBIDDEN_OPTIONS
        if bad:
            raise PluginError(
                f"effect {kind!r}: filter {flt!r} option {sorted(bad)[0]!r} names a file; not allowed"
            )
        out.append((flt, args))
    return out
