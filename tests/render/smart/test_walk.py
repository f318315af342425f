"""The smart render's walk: which packets of a GOP may be copied up to a cut."""

from __future__ import annotations

import pytest

from timeline_lab.render.smart.walk import closed_prefix


@pytest.mark.parametrize(
    ("idx", "most", "want"),
    [
        ([10, 11, 12, 13], 4, 4),  # no reordering: every prefix is closed
        ([10, 11, 12, 13], 2, 2),
        ([10, 12, 11, 13], 2, 1),  # 12 before 11: a cut after 11 must not keep 12
        ([10, 12, 11, 13], 3, 3),
        ([10, 14, 12, 11, 13, 15], 4, 1),  # B-pyramid: closed again only at the anchor
        ([10, 14, 12, 11, 13, 15], 5, 5),
        ([10, 14, 12, 11, 13, 15], 6, 6),
        ([10, 11], 0, 0),
    ],
)
def test_closed_prefix_is_the_longest_decode_order_head_showing_the_first_frames(
    idx: list[int], most: int, want: int
) -> None:
    assert closed_prefix(idx, most) == want
