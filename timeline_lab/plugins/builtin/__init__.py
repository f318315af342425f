"""Plugins shipped with timeline_lab, written against the same public API as third-party ones.

Each module (``blur``, ``youtube``) defines one plugin class; they are declared as entry points in
the ``timeline_lab.plugins`` group so ``PluginRegistry.discover()`` finds them like any other, and
they may publish their own event types on the bus (modules here are trusted to do so).
"""

from __future__ import annotations

__all__: list[str] = []
