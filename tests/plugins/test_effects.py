"""Effect step validation: plain pairs only, no filter or option that opens a file or loads code."""

from __future__ import annotations

from typing import Any

import pytest

from timeline_lab.plugins import PluginError
from timeline_lab.plugins._effects import check_steps


class Fragment:
    """Stands in for a render graph fragment (an object with ``build``)."""

    def build(self, b: Any, src: str, prefix: str) -> str:
        return src


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        ([("gblur", "sigma=3"), ("crop", "w=10:h=10")], None),
        ([("drawtext", "text='a\\:b=c'")], None),
        ([("null", "")], None),
        ("gblur", "not a list"),
        ([("gblur",)], "not a \\(filter, options\\) pair"),
        ([("gblur", 3)], "pair of strings"),
        ([("gblur;movie", "")], "not a plain filter name"),
        ([("movie", "filename=/etc/passwd")], "'movie' reads files"),
        ([("amovie", "x.wav")], "'amovie' reads files"),
        ([("frei0r", "filter_name=/tmp/evil.so")], "'frei0r'"),
        ([("drawtext", "textfile=/etc/passwd")], "'textfile' names a file"),
        ([("drawtext", "text=x:fontfile=/x.ttf")], "'fontfile' names a file"),
        ([("sendcmd", "f=cmds.txt")], "'sendcmd'"),
        ([Fragment()], "pair"),  # objects only from in-process plugins
    ],
)
def test_check_steps(steps: Any, error: str | None) -> None:
    if error is None:
        assert check_steps("p.k", steps) == [tuple(s) for s in steps]
    else:
        with pytest.raises(PluginError, match=error):
            check_steps("p.k", steps)


def test_fragments_pass_for_in_process_plugins() -> None:
    frag = Fragment()
    assert check_steps("p.k", [("null", ""), frag], allow_objects=True) == [("null", ""), frag]
