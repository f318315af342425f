"""Readers start decoding before the timeline reaches them, one at a time, in the order they open."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from timeline_lab.render.execute.reader import feed_in_order


@dataclass
class _Read:
    opens_at: Fraction


@dataclass
class _Fake:
    """Steps ``length`` seconds one at a time from ``opens_at``; records prepare and step calls."""

    name: str
    opens_at: int
    length: int
    log: list[str]
    container: None = None
    at: int = field(init=False, default=-1)

    def __post_init__(self) -> None:
        self.read = _Read(Fraction(self.opens_at))

    def step(self) -> Fraction | None:
        self.at = self.opens_at if self.at < 0 else self.at + 1
        if self.at >= self.opens_at + self.length:
            return None
        self.log.append(f"step {self.name}@{self.at}")
        return Fraction(self.at + 1)


class _Decoder(_Fake):
    """A decoder's reader: it can warm up before it is reached."""

    def prepare(self) -> None:
        self.log.append(f"prepare {self.name}")


def _run(*specs: tuple[str, int, int]) -> list[str]:
    log: list[str] = []
    feed_in_order([_Decoder(n, o, ln, log) for n, o, ln in specs], lambda: None)
    return log


def test_the_next_reader_is_prepared_when_the_one_before_it_starts() -> None:
    log = _run(("a", 0, 3), ("b", 3, 2), ("c", 5, 2))
    assert log.index("prepare b") < log.index("step a@0")
    assert log.index("prepare c") < log.index("step b@3")
    assert log.index("prepare c") > log.index("step a@2")  # not earlier: one reader ahead at a time
    assert [e for e in log if e.startswith("step")] == [
        "step a@0", "step a@1", "step a@2", "step b@3", "step b@4", "step c@5", "step c@6",
    ]  # fmt: skip


def test_readers_given_out_of_order_are_prepared_in_timeline_order() -> None:
    log = _run(("late", 10, 1), ("first", 0, 2), ("mid", 4, 1))
    prepared = [e.split()[1] for e in log if e.startswith("prepare")]
    assert prepared == ["mid", "late"]


def test_a_reader_that_starts_at_once_is_not_prepared_again() -> None:
    log = _run(("v", 0, 2), ("a", 0, 2), ("next", 2, 1))
    assert log.count("prepare next") == 1
    assert "prepare v" not in log  # the first to open is stepped, not prepared


def test_live_sources_without_prepare_are_stepped_normally() -> None:
    log: list[str] = []
    fakes = [_Decoder("x", 0, 1, log), _Fake("live", 1, 2, log)]
    feed_in_order(fakes, lambda: None)
    assert log == ["step x@0", "step live@1", "step live@2"]
