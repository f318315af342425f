"""A notebook progress bar that follows a render's RenderProgress events on a bus."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .events import EventBus, RenderProgress

__all__ = ["render_bar"]


@contextlib.contextmanager
def render_bar(bus: EventBus, total: int, name: str) -> Iterator[None]:
    """Show a tqdm bar of ``total`` frames named ``name`` while the body renders."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="frame", desc=name, leave=True)

    def on_progress(ev: RenderProgress) -> None:
        bar.n = ev.frames_done
        bar.refresh()

    with bus.subscribe(RenderProgress, on_progress):
        try:
            yield
        finally:
            bar.close()
