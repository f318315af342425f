"""`timeline-lab render --help` says what it reads and writes, and stays true: every timeline suffix
it opens and every export suffix it picks a format by are named there."""

from __future__ import annotations

import pytest

from timeline_lab.cli import _parser
from timeline_lab.render.encoding.presets import FORMATS
from timeline_lab.studio import TIMELINE_SUFFIXES


def _help(*argv: str) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args([*argv, "--help"])


def test_render_help_names_what_it_reads_and_writes(capsys: pytest.CaptureFixture[str]) -> None:
    _help("render")
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for suffix in (".tlproj", *TIMELINE_SUFFIXES):
        if suffix != ".otioz":  # a zip whose media would stay inside: open refuses it, saying so
            assert suffix in text, suffix
    for fmt in FORMATS.values():
        for suffix in fmt.extensions:
            assert suffix in text, (fmt.name, suffix)
    assert "to MP4" not in text


def test_the_command_list_says_render_is_not_only_mp4(capsys: pytest.CaptureFixture[str]) -> None:
    _help()
    text = " ".join(capsys.readouterr().out.split())
    assert "render a .tlproj or .otio project to MP4" not in text
    assert "another editor's timeline" in text and "sound" in text
