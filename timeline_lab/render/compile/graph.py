"""Filter-graph building blocks: labelled pads, chains, and the ffmpeg text escaping rules."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Protocol, runtime_checkable

from ..plan import FilterNode

__all__ = ["Builder", "ChainItem", "Fragment", "Step", "q"]

Step = tuple[str, str]
"""(filter name, its option string) — one link of a chain."""


@runtime_checkable
class Fragment(Protocol):
    """A branching piece of graph (split/overlay...) that still reads as one link of a chain."""

    def build(self, b: Builder, src: str, prefix: str) -> str:
        """Add nodes reading pad ``src``; return the pad carrying the result."""
        ...


ChainItem = Step | Fragment
"""What a chain is made of: plain filters, or fragments that branch and join again."""


def q(x: Fraction | int) -> str:
    """An exact rational as FFmpeg reads it (``30000/1001``)."""
    f = Fraction(x)
    return f"{f.numerator}/{f.denominator}" if f.denominator != 1 else str(f.numerator)


class Builder:
    """Accumulates nodes; every pad gets a unique, readable name so the graph prints clearly."""

    def __init__(self) -> None:
        self.nodes: list[FilterNode] = []
        self.count = 0

    def add(
        self,
        flt: str,
        args: str,
        inputs: tuple[str, ...],
        outputs: tuple[str, ...],
        instance: str | None = None,
    ) -> None:
        """One filter with explicit input and output pad labels."""
        self.count += 1
        self.nodes.append(FilterNode(f"n{self.count}_{flt}", flt, args, inputs, outputs, instance))

    def chain(self, src: str, prefix: str, steps: Sequence[ChainItem]) -> str:
        """Apply ``steps`` in order starting from pad ``src`` (empty for a source filter)."""
        pad = src
        nodes, count = self.nodes, self.count  # add() inlined: a chain per clip, ~10 nodes each
        for n, step in enumerate(steps):
            # a plain step is a tuple: checked first, as a runtime Protocol check is slow (and a
            # chain per clip makes it a large part of compiling a long timeline)
            if type(step) is not tuple and not isinstance(step, tuple) and isinstance(step, Fragment):
                self.count = count
                pad = step.build(self, pad, f"{prefix}{n}_")
                count = self.count
                continue
            flt, args = step
            out = f"{prefix}{n}"
            count += 1
            nodes.append(FilterNode(f"n{count}_{flt}", flt, args, (pad,) if pad else (), (out,)))
            pad = out
        self.count = count
        return pad

    def split(self, pad: str, n: int, prefix: str, flt: str = "split") -> list[str]:
        """``n`` references to the frames of ``pad``, as pads ``prefix0``... (``pad`` itself for one)."""
        if n == 1:
            return [pad]
        outs = tuple(f"{prefix}{k}" for k in range(n))
        self.add(flt, str(n), (pad,), outs)
        return list(outs)

    def join(self, flt: str, args: str, inputs: list[str], out: str) -> str:
        """A many-to-one filter (concat, overlay, xfade, amix...) writing pad ``out``."""
        self.add(flt, args, tuple(inputs), (out,))
        return out
