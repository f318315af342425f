"""The widget's TypeScript types (extension/widgets/src/generated) are what the model's JSON Schemas make.

Like OpenTimelineIO's serialized-schema test: a change to the project model or to the operation
registry (``project.ts`` from ``io.json_schema()``, ``operations.ts`` from
``operations.operations_json_schema()``) that the widget's types do not have yet fails here until
``make widgets`` regenerates them (and the widget, which compiles against them, is updated to match).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from timeline_lab.model import Track, Transition
from timeline_lab.model.items import Clip, SequenceClip, TextClip
from timeline_lab.model.operations import REGISTRY, ChangesOf

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "extension" / "widgets"
GENERATED = SOURCES / "src" / "generated"
FIX = "make widgets"


@pytest.mark.skipif(
    shutil.which("node") is None or not (SOURCES / "node_modules").is_dir(),
    reason="needs node and `npm ci` in extension/widgets (make test does both)",
)
def test_committed_types_match_the_schema_now(tmp_path: Path) -> None:
    subprocess.run(
        ["node", "gen-types.mjs", str(tmp_path)],
        cwd=SOURCES,
        env={**os.environ, "PYTHON": sys.executable},
        check=True,
    )
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in GENERATED.iterdir()), f"generated files differ: run `{FIX}`"
    stale = [n for n in made if (tmp_path / n).read_text("utf-8") != (GENERATED / n).read_text("utf-8")]
    assert not stale, f"{stale} drifted from timeline_lab.model.io's JSON Schema: run `{FIX}`"


def _interface(name: str, file: str = "project.ts") -> str:
    text = (GENERATED / file).read_text("utf-8")
    found = re.search(rf"^export interface {name} \{{\n(.*?)^\}}", text, re.S | re.M)
    assert found, f"no interface {name} in src/generated/{file}"
    return found.group(1)


def _union(values: tuple[object, ...]) -> str:
    return " | ".join(f'"{v}"' for v in values)


def test_the_committed_types_have_the_models_kinds() -> None:
    """Checked without node: the kinds the widget compiles against are the model's."""
    track_kinds = typing.get_args(Track.model_fields["kind"].annotation)
    assert "subtitle" in track_kinds
    assert f"kind?: {_union(track_kinds)};" in _interface("Track")
    items = re.search(r"items\?: \((.*)\)\[\];", _interface("Track"))
    assert items and items.group(1).split(" | ") == ["Clip", "TextClip", "SequenceClip"]
    for model in (Clip, TextClip, SequenceClip):
        (kind,) = typing.get_args(model.model_fields["type"].annotation)
        assert f'type?: "{kind}";' in _interface(model.__name__)
    transition = _interface(Transition.__name__)
    assert "from_clip?: string | null;" in transition and "to_clip?: string | null;" in transition


def test_the_committed_operations_are_the_registrys() -> None:
    """Checked without node: each registered op, its arguments and the fields it may change."""
    text = (GENERATED / "operations.ts").read_text("utf-8")
    union = re.search(r"^export type Operation =\n(.*?);$", text, re.S | re.M)
    assert union, "no Operation union in src/generated/operations.ts"
    names = re.findall(r'^  op: "(\w+)";$', text, re.M)
    assert names == list(REGISTRY), f"operations.ts has {names}: run `{FIX}`"
    assert len(union.group(1).split("|")) - 1 == len(REGISTRY)
    for spec in REGISTRY.values():
        title = "".join(p.capitalize() for p in spec.name.split("_")) + "Op"
        body = _interface(title, "operations.ts")
        for arg, info in spec.args.model_fields.items():
            assert re.search(rf"^  {arg}{'' if info.is_required() else '[?]'}: ", body, re.M), (
                f"{spec.name}.{arg} is not in operations.ts as the registry declares it: run `{FIX}`"
            )
        if issubclass(spec.args, ChangesOf):
            changes = _interface(spec.args.CHANGES.__name__, "operations.ts")
            assert sorted(re.findall(r"^  (\w+)\?:", changes, re.M)) == sorted(spec.args.CHANGES.model_fields)
