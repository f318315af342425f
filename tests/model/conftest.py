"""Fixtures of the model and interchange tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._otio_parts import make_cam


@pytest.fixture(scope="module")
def cam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 fps camera media (48 frames) whose pixels carry their frame numbers."""
    return make_cam(tmp_path_factory.mktemp("otio-cam"))
