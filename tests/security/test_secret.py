"""Secret never shows its value by accident: repr, str, format, logging, Jupyter hooks, pickle, JSON."""

from __future__ import annotations

import copy
import json
import logging
import pickle

import pytest
from IPython.lib.pretty import pretty

from timeline_lab.security import Secret

VALUE = "sk-CANARY-0123456789abcdef"


def test_reveal_returns_the_value() -> None:
    assert Secret(VALUE).reveal() == VALUE
    assert Secret(Secret(VALUE)).reveal() == VALUE


@pytest.mark.parametrize(
    "render",
    [
        repr,
        str,
        lambda s: f"{s}",
        lambda s: f"{s!r}",
        lambda s: f"{s:>40}",
        lambda s: "%s %r" % (s, s),  # noqa: UP031 - old-style formatting is what logging uses
        lambda s: pretty(s),
        lambda s: s._repr_html_(),
        lambda s: json.dumps(s._repr_mimebundle_()),
        lambda s: repr([s, {"k": s}]),
    ],
)
def test_every_rendering_is_masked(render: object) -> None:
    text = render(Secret(VALUE))  # type: ignore[operator]
    assert "CANARY" not in text
    assert "********" in text
    assert VALUE[-2:] not in text.replace("********", "")


def test_logging_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("t").debug("key=%s %r", Secret(VALUE), Secret(VALUE))
    assert "CANARY" not in caplog.text


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_not_picklable(protocol: int) -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(VALUE), protocol=protocol)


def test_json_refuses_clearly() -> None:
    with pytest.raises(TypeError, match="Secret is not JSON serializable"):
        json.dumps({"key": Secret(VALUE)})


def test_value_semantics() -> None:
    s = Secret(VALUE)
    assert copy.copy(s) is s and copy.deepcopy(s) is s
    assert s == Secret(VALUE) and s != Secret("other")
    assert bool(s) and not Secret("")
    with pytest.raises(TypeError):
        hash(s)
    assert not hasattr(s, "__dict__")
    with pytest.raises(TypeError, match="wraps a str"):
        Secret(b"bytes")  # type: ignore[arg-type]
