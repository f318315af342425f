"""The columns zones and lines read are recognition's, and the settled-state rule on its own."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.analysis import TRACK_COLUMNS
from timeline_lab.analysis._tracks import debounced
from timeline_lab.recognition import DETECTION_SCHEMA

from ._tracks_data import settled


def test_track_columns_are_recognitions() -> None:
    assert {name: DETECTION_SCHEMA[name] for name in TRACK_COLUMNS.names()} == dict(TRACK_COLUMNS)


@settings(max_examples=200, deadline=None)
@given(
    tracks=st.lists(st.lists(st.booleans(), min_size=1, max_size=12), min_size=1, max_size=4),
    k=st.integers(1, 4),
)
def test_debounced_matches_walking_the_runs(tracks: list[list[bool]], k: int) -> None:
    key = np.concatenate([np.full(len(raw), i) for i, raw in enumerate(tracks)])
    raw = np.concatenate([np.asarray(r) for r in tracks])
    states, changes = debounced(key, raw, k)
    want = [settled(r, k) for r in tracks]
    assert states.tolist() == [s for w in want for s in w[0]]
    assert changes.tolist() == [c for w in want for c in w[1]]
