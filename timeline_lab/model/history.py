"""Operation records and the undo/redo stacks: each operation keeps the steps that undo it.

History is bounded by a number of operations (default 1,000) and an estimated byte budget; the
oldest operations are forgotten first. Operations applied between ``begin_group`` and
``end_group`` become one undo step (a widget gesture, a batch, a recognition-driven edit).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .steps import Step

__all__ = ["DEFAULT_MAX_BYTES", "History", "Operation"]

DEFAULT_MAX_BYTES = 128 * 1024 * 1024
"""The history's default byte budget (estimated from the objects its operations keep alive)."""


@dataclass(frozen=True, eq=False)
class Operation:
    """One applied edit: its name and JSON arguments, and the primitive steps that undo it.

    A group (``op == "group"``) holds the operations applied inside it, in order.
    """

    op: str
    args: dict[str, Any]
    steps: tuple[Step, ...] = field(repr=False, default=())
    children: tuple[Operation, ...] = field(repr=False, default=())

    def to_json(self) -> dict[str, Any]:
        """The replayable form (``project.apply(op.to_json())``) the widgets exchange."""
        if self.op == "group":
            return {
                "op": "group",
                "name": self.args.get("name", ""),
                "ops": [c.to_json() for c in self.children],
            }
        return {"op": self.op, **self.args}

    def leaves(self) -> Iterator[Operation]:
        """The plain operations it is made of, in the order they were applied."""
        if self.op == "group":
            for child in self.children:
                yield from child.leaves()
        else:
            yield self

    @property
    def tracks(self) -> set[str]:
        """Ids of the tracks whose items or transitions it changed."""
        found = {t.id for step in self.all_steps() if (t := step.track()) is not None}
        return found | {self.args["track"]} if "track" in self.args else found

    def all_steps(self) -> Iterator[Step]:
        """Its steps, its children's included, in the order they were taken."""
        for leaf in self.leaves():
            yield from leaf.steps

    def revert(self) -> None:
        """Undo its steps, last first."""
        for leaf in reversed(list(self.leaves())):
            for step in reversed(leaf.steps):
                step.undo()

    def reapply(self) -> None:
        """Redo its steps, first first."""
        for step in self.all_steps():
            step.do()

    def nbytes(self) -> int:
        """Estimated memory it keeps alive (its steps, its arguments)."""
        return sum(leaf._own_bytes() for leaf in self.leaves())

    def _own_bytes(self) -> int:
        return 256 + len(repr(self.args)) + sum(step.nbytes() for step in self.steps)


class History:
    """Undo and redo stacks of operations; a new edit clears the redo stack.

    Parameters
    ----------
    limit
        Most operations kept for undo (the oldest go first).
    max_bytes
        Budget for the memory the kept operations hold (estimated); the oldest go first, the last
        operation always stays.
    """

    def __init__(self, limit: int = 1000, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._undo: deque[Operation] = deque()
        self._redo: list[Operation] = []
        self._bytes = 0
        self._group: list[Operation] | None = None
        self._group_name = ""
        self._marks: list[int] = []  # where each open group's operations begin in ``_group``

    # --- stacks -------------------------------------------------------------------------------
    def push(self, op: Operation) -> None:
        """Record a freshly applied edit (into the open group, if there is one)."""
        if self._group is not None:
            self._group.append(op)
            return
        self._undo.append(op)
        self._bytes += op.nbytes()
        self._bytes -= sum(o.nbytes() for o in self._redo)
        self._redo.clear()
        self._trim()

    def _trim(self) -> None:
        while len(self._undo) > max(self.limit, 0) or (self._bytes > self.max_bytes and len(self._undo) > 1):
            self._bytes -= self._undo.popleft().nbytes()

    def configure(self, *, limit: int | None = None, max_bytes: int | None = None) -> None:
        """Change the bounds; operations past them are forgotten now."""
        self.limit = self.limit if limit is None else limit
        self.max_bytes = self.max_bytes if max_bytes is None else max_bytes
        self._trim()

    def pop_undo(self) -> Operation | None:
        """The edit to revert next, moved to the redo stack."""
        if not self._undo:
            return None
        op = self._undo.pop()
        self._redo.append(op)
        return op

    def pop_redo(self) -> Operation | None:
        """The edit to re-apply next, moved back to the undo stack."""
        if not self._redo:
            return None
        op = self._redo.pop()
        self._undo.append(op)
        return op

    def clear(self) -> None:
        """Forget all edits (after loading or importing a project)."""
        self._undo.clear()
        self._redo.clear()
        self._bytes = 0

    @property
    def last(self) -> Operation | None:
        """The most recent applied edit."""
        return self._undo[-1] if self._undo else None

    def stacks(self) -> tuple[list[Operation], list[Operation]]:
        """Copies of the undo and redo stacks, to put back with ``reset_to`` after a rolled-back batch."""
        return list(self._undo), list(self._redo)

    def reset_to(self, stacks: tuple[list[Operation], list[Operation]]) -> None:
        """Put back stacks taken by ``stacks()``."""
        self._undo, self._redo = deque(stacks[0]), list(stacks[1])
        self._bytes = sum(o.nbytes() for o in (*self._undo, *self._redo))

    @property
    def next_redo(self) -> Operation | None:
        """The edit ``redo`` would re-apply."""
        return self._redo[-1] if self._redo else None

    @property
    def can_undo(self) -> bool:
        """True when there is an edit to revert."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """True when there is an undone edit to re-apply."""
        return bool(self._redo)

    @property
    def nbytes(self) -> int:
        """Estimated memory the kept operations hold (undo and redo)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._undo)

    # --- groups -------------------------------------------------------------------------------
    @property
    def grouping(self) -> bool:
        """True while a group is open."""
        return self._group is not None

    def begin_group(self, name: str) -> None:
        """Collect the next operations into one undo step (groups nest into the outermost)."""
        if self._group is None:
            self._group, self._group_name = [], name
        self._marks.append(len(self._group))

    def end_group(self) -> Operation | None:
        """Close a group; the outermost records its operations as one (None when it had none)."""
        if self._group is None:
            raise RuntimeError("end_group without begin_group")
        self._marks.pop()
        if self._marks:
            return None
        ops, self._group = self._group, None
        if not ops:
            return None
        op = ops[0] if len(ops) == 1 else Operation("group", {"name": self._group_name}, children=tuple(ops))
        self.push(op)
        return op

    def abort_group(self) -> list[Operation]:
        """Close the innermost open group, recording nothing of it; the operations applied since it
        began (to revert): an outer group keeps what it applied before."""
        if self._group is None:
            return []
        mark = self._marks.pop()
        ops, self._group[mark:] = self._group[mark:], []
        if not self._marks:
            self._group = None
        return ops
