"""Show the sign-in link: a button-styled HTML link in Jupyter, the plain URL in a terminal."""

from __future__ import annotations

import html

__all__ = ["in_notebook", "show_link"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (not plain IPython, not a script)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def show_link(url: str, label: str) -> None:
    """A link, not an ipywidgets Button: the kernel is blocked waiting, so a click handler could not run."""
    if not url.lower().startswith(("https://", "http://")):  # never a javascript: or data: link
        raise ValueError(f"{label}: refusing to show a link that is not http(s): {url[:40]!r}")
    if in_notebook():
        from IPython.display import HTML, display

        style = (
            "display:inline-block;padding:6px 14px;border-radius:4px;background:#1a73e8;"
            "color:#fff;text-decoration:none;font-weight:600"
        )
        link = f"<a href='{html.escape(url, quote=True)}' target='_blank' rel='noopener' style='{style}'>"
        note = "<small>opens in a new tab; this cell waits</small>"
        display(HTML(f"{link}{html.escape(label)}</a> {note}"))  # type: ignore[no-untyped-call]
    else:
        print(f"{label}: open this URL in a browser (this command waits):\n  {url}", flush=True)
