"""Track.update records the values it validated (model/track.py), so the recorded operations replay
to the same project: an effect given without an id gets the id the project gave it, and later
operations naming that id (keyframes on ``effects[fx_id].sigma``) replay too."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track, io
from timeline_lab.model.history import Operation

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))

SIGMA = st.fixed_dictionaries({"sigma": st.integers(1, 20)})
EFFECT = st.one_of(
    st.fixed_dictionaries({"kind": st.just("blur"), "params": SIGMA}),
    st.fixed_dictionaries({"kind": st.just("vignette")}),
    st.fixed_dictionaries({"kind": st.just("reverse")}, optional={"enabled": st.booleans()}),
)
CHANGES = st.fixed_dictionaries(
    {},
    optional={
        "effects": st.lists(EFFECT, max_size=3),
        "opacity": st.floats(0, 1),
        "transform": st.fixed_dictionaries({}, optional={"x": st.integers(-50, 50), "scale_x": st.just(2)}),
        "name": st.text(max_size=5),
    },
)


def project() -> Project:
    p = Project(id="prj", settings=ProjectSettings(frame_rate=25))
    p.add_track(track=Track(id="trk_v"))
    clip = Clip(id="clip_a", media=A, source_range=TimeRange.from_frames(0, 50, 25))
    p.apply({"op": "append", "track": "trk_v", "item": clip.model_dump(mode="json")})
    return p


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CHANGES, st.integers(0, 49)), min_size=1, max_size=4))
def test_updates_with_plain_dicts_replay_to_the_same_file(edits: list[tuple[dict[str, Any], int]]) -> None:
    """Random updates (effects without ids), each followed by a keyframe on a blur it made."""
    p = project()
    base = io.dumps(p)
    ops: list[Operation] = []
    for changes, frame in edits:
        if "effects" in changes:  # the keyframes on the effects it replaces go with them
            changes = {**changes, "keyframes": {}}
        ops.append(p.apply({"op": "update", "track": "trk_v", "item_id": "clip_a", "changes": changes}))
        clip = p.tracks[0].items[0]
        assert isinstance(clip, Clip)
        blur = next((fx for fx in clip.effects if fx.kind == "blur"), None)
        if blur is not None:
            prop = f"effects[{blur.id}].sigma"
            command = {"op": "add_keyframe", "track": "trk_v", "item_id": "clip_a", "property": prop}
            ops.append(p.apply({**command, "frame": frame, "value": 5}))
    replica = io.loads(base)
    for op in ops:
        replica.apply(op.to_json())
    assert io.dumps(replica) == io.dumps(p)
