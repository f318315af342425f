"""The composition root: each Studio's Services owns its shared services, and one Studio is the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.errors import RenderError
from timeline_lab.model import Effect
from timeline_lab.render.compile.effects import (
    STANDALONE_EFFECTS,
    EffectContext,
    active_effects,
    effect_renderer,
    register_effect,
    unregister_effect,
)
from timeline_lab.services import Services
from timeline_lab.studio import Studio

KIND = "tint.warm"


def _tint(fx: Effect, ctx: EffectContext) -> list[tuple[str, str]]:
    return [("hue", "h=17")]


def _bare(workspace: Path) -> Studio:
    """A Studio without entry-point plugins (fast, and nothing registered behind the test's back)."""
    return Studio(workspace=workspace, services=Services.create(workspace, discover_plugins=False))


@pytest.fixture
def two(tmp_path: Path):
    a, b = _bare(tmp_path / "a"), _bare(tmp_path / "b")
    yield a, b
    a.close()
    b.close()


def _tinted(studio: Studio, media: Path):
    project = studio.new_project(width=160, height=120, frame_rate=25)
    clip = studio.clip(media, 0, 5)
    project.tracks[0].append(clip.model_copy(update={"effects": [Effect(kind=KIND, params={})]}))
    return project


def test_an_effect_kind_registered_in_one_studio_is_not_in_another(
    two: tuple[Studio, Studio], media: dict[str, Path], tmp_path: Path
) -> None:
    a, b = two
    assert a.effects is not b.effects
    a.effects.register(KIND, _tint)
    assert a.effects.renderer(KIND) is _tint and b.effects.renderer(KIND) is None
    assert STANDALONE_EFFECTS.renderer(KIND) is None  # nor in the process default
    assert "hue=h=17" in a.plan(_tinted(a, media["pal"]), tmp_path / "a.mp4").filtergraph()
    with pytest.raises(RenderError, match="has no renderer"):
        b.plan(_tinted(b, media["pal"]), tmp_path / "b.mp4")
    assert active_effects() is STANDALONE_EFFECTS  # the Studio's registry is active only while it compiles


def test_kinds_registered_without_a_studio_are_a_fallback_for_every_studio(
    two: tuple[Studio, Studio],
) -> None:
    a, b = two
    register_effect(KIND, _tint)
    try:
        assert a.effects.renderer(KIND) is _tint and b.effects.renderer(KIND) is _tint
        assert effect_renderer(KIND) is _tint
        mine = lambda fx, ctx: []  # noqa: E731
        a.effects.register(KIND, mine)  # a Studio's own renderer comes first, for that Studio only
        assert a.effects.renderer(KIND) is mine and b.effects.renderer(KIND) is _tint
    finally:
        unregister_effect(KIND, _tint)
    assert b.effects.renderer(KIND) is None


def test_closing_a_studio_withdraws_its_plugins_effects_only(tmp_path: Path) -> None:
    a, b = Studio(workspace=tmp_path), Studio(workspace=tmp_path)
    try:
        kinds = a.effects.kinds()
        assert kinds and kinds == b.effects.kinds()  # the builtin plugins' kinds, in each registry
        b.close()
        assert b.effects.kinds() == frozenset() and a.effects.kinds() == kinds
    finally:
        a.close()
        b.close()
