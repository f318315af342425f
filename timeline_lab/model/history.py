"""Operation records: what an edit did, enough to undo, redo and replay it elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["History", "Operation"]


@dataclass(frozen=True)
class Operation:
    """One applied edit: its name and JSON arguments, plus the affected tracks before and after."""

    op: str
    args: dict[str, Any]
    before: dict[str, dict[str, Any] | None] = field(repr=False)
    after: dict[str, dict[str, Any] | None] = field(repr=False)
    track_order_before: tuple[str, ...] = field(repr=False, default=())
    track_order_after: tuple[str, ...] = field(repr=False, default=())

    def to_json(self) -> dict[str, Any]:
        """The replayable form (``project.apply(op.to_json())``) the widgets exchange."""
        return {"op": self.op, **self.args}


class History:
    """Undo and redo stacks of operations; a new edit clears the redo stack."""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self._undo: list[Operation] = []
        self._redo: list[Operation] = []

    def push(self, op: Operation) -> None:
        """Record a freshly applied edit."""
        self._undo.append(op)
        del self._undo[: -self.limit]
        self._redo.clear()

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

    @property
    def last(self) -> Operation | None:
        """The most recent applied edit."""
        return self._undo[-1] if self._undo else None

    def stacks(self) -> tuple[list[Operation], list[Operation]]:
        """Copies of the undo and redo stacks, to put back with ``reset_to`` after a rolled-back batch."""
        return list(self._undo), list(self._redo)

    def reset_to(self, stacks: tuple[list[Operation], list[Operation]]) -> None:
        """Put back stacks taken by ``stacks()``."""
        self._undo, self._redo = list(stacks[0]), list(stacks[1])

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

    def __len__(self) -> int:
        return len(self._undo)
