"""`Secret`: a value that prints, logs, pickles and renders in Jupyter as a mask, never as itself."""

from __future__ import annotations

import hmac
from typing import Any, NoReturn, final

__all__ = ["MASK", "Secret"]

MASK = "********"


@final
class Secret:
    """Wrap a secret string so that only an explicit `.reveal()` hands out the value."""

    __slots__ = ("__value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            msg = f"Secret wraps a str, not {type(value).__name__}"
            raise TypeError(msg)
        self.__value = value

    def reveal(self) -> str:
        """The value itself: call it only where the value must leave the process (a header, a form)."""
        return self.__value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __bool__(self) -> bool:
        return bool(self.__value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self.__value.encode(), other.reveal().encode())

    __hash__ = None  # type: ignore[assignment]

    # Jupyter / IPython display hooks: all masked.
    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def _repr_html_(self) -> str:
        return f"<code title='hidden; call .reveal()'>Secret('{MASK}')</code>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": repr(self), "text/html": self._repr_html_()}

    # No accidental persistence: pickle, copyreg and shelve all go through these.
    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        msg = "Secret values cannot be pickled; store them in a Vault, or pickle .reveal() on purpose"
        raise TypeError(msg)

    def __reduce__(self) -> NoReturn:
        self.__reduce_ex__(2)

    def __getstate__(self) -> NoReturn:
        self.__reduce_ex__(2)

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self
