"""API version ranges (``>=1.0,<2``) checked without a dependency on ``packaging``."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from itertools import zip_longest

__all__ = ["parse_range", "version_in_range"]

_CLAUSE = re.compile(r"^\s*(~=|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)\s*$")
_OPS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}

Clause = tuple[str, tuple[int, ...]]


def _version(text: str) -> tuple[int, ...]:
    if not re.fullmatch(r"\d+(?:\.\d+)*", text.strip()):
        raise ValueError(f"version {text!r} is not dotted numbers like '1.0'")
    return tuple(int(x) for x in text.strip().split("."))


def parse_range(spec: str) -> list[Clause]:
    """Comma-separated clauses, each an operator and a dotted version; ``ValueError`` if malformed."""
    clauses = []
    for part in spec.split(","):
        m = _CLAUSE.match(part)
        if not m:
            raise ValueError(f"version range {spec!r}: clause {part.strip()!r} is not like '>=1.0' or '<2'")
        clauses.append((m.group(1), _version(m.group(2))))
    return clauses


def _pad(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    pairs = list(zip_longest(a, b, fillvalue=0))
    return tuple(x for x, _ in pairs), tuple(y for _, y in pairs)


def version_in_range(version: str, spec: str) -> bool:
    """True if ``version`` satisfies every clause (``~=1.2`` means ``>=1.2,<2``, as in PEP 440)."""
    v = _version(version)
    for op, target in parse_range(spec):
        if op == "~=":
            if len(target) < 2:
                raise ValueError(f"version range {spec!r}: '~=' needs at least two parts ('~=1.0')")
            upper = (*target[:-2], target[-2] + 1)
            a, lo = _pad(v, target)
            b, hi = _pad(v, upper)
            if not (a >= lo and b < hi):
                return False
        elif not _OPS[op](*_pad(v, target)):
            return False
    return True
