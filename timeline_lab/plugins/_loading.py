"""Turning an entry point or ``"module:attr"`` reference into a plugin object with a checked manifest."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from .api import PluginError, PluginManifest

__all__ = ["describe", "instantiate", "load_reference", "manifest_of"]


def describe(exc: BaseException) -> str:
    """``Type: message`` — what goes into events and logs (tracebacks go to the log only)."""
    if getattr(exc, "remote", False):
        return str(exc)  # already described by the isolated child
    return f"{type(exc).__name__}: {exc}"


def load_reference(ref: str) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute."""
    module, _, attr = ref.partition(":")
    if not module or not attr:
        raise PluginError(f"plugin reference {ref!r} is not 'module:attribute'")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def instantiate(obj: Any) -> Any:
    """A plugin class or zero-argument factory is called; a ready instance is used as it is."""
    if inspect.isclass(obj) or (callable(obj) and not hasattr(obj, "manifest")):
        obj = obj()
    return obj


def manifest_of(plugin: Any) -> PluginManifest:
    """The plugin's manifest, validated (a plain dict is accepted and converted)."""
    raw = getattr(plugin, "manifest", None)
    if raw is None:
        raise PluginError(f"{plugin!r} has no 'manifest' attribute")
    manifest = raw if isinstance(raw, PluginManifest) else PluginManifest.model_validate(raw)
    for method in ("initialize", "handle", "on_event", "shutdown"):
        if not callable(getattr(plugin, method, None)):
            raise PluginError(f"plugin {manifest.name!r} lacks the {method}() method")
    return manifest
