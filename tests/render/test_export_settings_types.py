"""Every export setting of the wrong kind is refused where it is given, naming the field (not a
TypeError from deep inside a render); the documented forms are accepted."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.errors import RenderError
from timeline_lab.render.plan import ExportSettings, ExportSettingsError, MeasuredLoudness, parse_size
from timeline_lab.studio import Studio

OUT = Path("x.mp4")

# what each field takes; anything a strategy draws that fits none of these must be refused by name
TEXT = {"format", "video_codec", "chapters"}
TEXT_OR_NONE = {"preset", "pix_fmt", "audio_codec"}
COUNTS_OR_NONE = {"crf", "bitrate", "gop", "audio_bitrate"}
FLAGS = {"loudnorm", "faststart", "overwrite", "audio"}
EVERY = {f.name for f in fields(ExportSettings)} - {"path"}

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=3),
    st.tuples(st.text(max_size=2), st.integers()),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.builds(object),
)


def fits(name: str, value: Any) -> bool:
    """Whether ``value`` is of a kind ``name`` takes (its value may still be refused)."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if name in TEXT:
        return isinstance(value, str)
    if name in TEXT_OR_NONE:
        return value is None or isinstance(value, str)
    if name in COUNTS_OR_NONE:
        return value is None or whole
    if name == "threads":
        return whole
    if name in FLAGS:
        return isinstance(value, bool)
    if name == "loudness_target":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "loudness_measured":
        return value is None
    if name == "subtitles":
        return isinstance(value, str)
    assert name == "size"
    return value is None or isinstance(value, str | tuple | list)


def test_the_table_covers_every_field() -> None:
    named = TEXT | TEXT_OR_NONE | COUNTS_OR_NONE | FLAGS
    assert named | {"threads", "loudness_target", "loudness_measured", "subtitles", "size"} == EVERY


@pytest.mark.parametrize("name", sorted(EVERY))
@settings(max_examples=40, deadline=None)
@given(value=anything)
def test_a_wrong_kind_is_refused_by_name(name: str, value: Any) -> None:
    if fits(name, value):
        try:
            ExportSettings(OUT, **{name: value})
        except ExportSettingsError as exc:  # the right kind, a refused value: still named
            assert str(exc).startswith(f"{name}: ")
        return
    with pytest.raises(ExportSettingsError, match=rf"^{name}: expected"):
        ExportSettings(OUT, **{name: value})


@pytest.mark.parametrize(
    ("given_", "size"),
    [
        ("160x90", (160, 90)),
        ("1280X720", (1280, 720)),
        ((160, 90), (160, 90)),
        ([160, 90], (160, 90)),
        ((np.int64(160), np.int32(90)), (160, 90)),
    ],
)
def test_size_in_its_documented_forms(given_: object, size: tuple[int, int]) -> None:
    got = ExportSettings(OUT, size=given_).size  # type: ignore[arg-type]
    assert got == size and all(type(v) is int for v in got)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "bad", ["160", "160x", "x90", "160x90x2", "-160x90", "0x90", "a x b", (160,), (160, 9.5), (True, 90)]
)
def test_size_of_no_documented_form(bad: object) -> None:
    with pytest.raises(ExportSettingsError, match=r"^size: expected \(width, height\) or 'WIDTHxHEIGHT'"):
        parse_size(bad)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"crf": "18"}, "crf: expected a whole number, got str '18'"),
        ({"crf": 18.0}, "crf: expected a whole number, got float 18.0"),
        ({"gop": "12"}, "gop: expected a whole number, got str '12'"),
        ({"threads": None}, "threads: expected a whole number, got NoneType None"),
        ({"audio_bitrate": True}, "audio_bitrate: expected a whole number, got bool True"),
        ({"loudness_target": "-14"}, "loudness_target: expected LUFS as a number"),
        ({"loudness_target": float("nan")}, "loudness_target: expected LUFS as a number"),
        ({"subtitles": "soft"}, "subtitles: expected 'burn', 'stream' or 'sidecar'"),
        ({"chapters": "blue"}, "chapters: expected 'auto', 'all', 'none' or a colour"),
        ({"chapters": True}, "chapters: expected text, got bool True"),
    ],
)
def test_values_refused_by_name(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ExportSettingsError, match=f"^{error}".replace("(", r"\(").replace(")", r"\)")):
        ExportSettings(OUT, **kwargs)


def test_documented_forms_are_kept() -> None:
    measured = MeasuredLoudness(-20.0, -3.0, 5.0, 4.0, False)
    s = ExportSettings(
        "x.mp4",
        crf=np.int64(18),
        loudnorm=True,
        loudness_target=-14,
        loudness_measured=measured,
        chapters="#ff0000",
    )  # type: ignore[arg-type]
    assert (s.path, s.crf, type(s.crf), s.loudness_target, type(s.loudness_target)) == (
        OUT,
        18,
        int,
        -14.0,
        float,
    )


def test_error_is_a_render_error_and_a_value_error() -> None:
    with pytest.raises(RenderError):
        ExportSettings(OUT, crf="18")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ExportSettings(OUT, crf="18")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs", [{"bogus": 1}, {"crf_": 18}, {"path": "y.mp4"}, {"codec": "x", "sizes": 1}]
)
def test_an_unknown_setting_lists_the_settings(
    media: dict[str, Path], tmp_path: Path, kwargs: dict[str, Any]
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 5))
    names = ", ".join(sorted(kwargs))
    with pytest.raises(
        ExportSettingsError, match=rf"^{names}: not an export setting; the settings are format, "
    ):
        studio.render(project, "x.mp4", progress=False, **kwargs)
    assert not (tmp_path / "x.mp4").exists()


def test_studio_render_takes_the_cli_size_form(media: dict[str, Path], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 5))
    plan = studio.plan(project, "x.mp4", size="160x120")
    assert (plan.width, plan.height) == (160, 120)
