"""Plugins: a versioned API, declared permissions enforced by capability objects, a registry that
contains failures, and optional process isolation for plugins the user does not trust.

The sandbox's names (``IsolationLimits``, ``ENV_UNCONFINED``; Landlock through ctypes) load when
first asked for: a Studio's in-process plugins never need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._fs import ConfinedFS
from ._hosts import HostRule
from .api import (
    API_VERSION,
    BasePlugin,
    CommandError,
    EffectRenderer,
    PermissionDenied,
    Permissions,
    Plugin,
    PluginError,
    PluginKind,
    PluginManifest,
)
from .context import PluginContext, RestrictedBus
from .events import ForwardedEvent, PluginDisabled, PluginFailed, PluginLoaded, PluginMessage
from .registry import ENTRY_POINT_GROUP, PluginInfo, PluginRegistry

if TYPE_CHECKING:
    from ._sandbox import ENV_UNCONFINED, IsolationLimits

__all__ = [
    "API_VERSION",
    "ENTRY_POINT_GROUP",
    "ENV_UNCONFINED",
    "BasePlugin",
    "CommandError",
    "ConfinedFS",
    "EffectRenderer",
    "ForwardedEvent",
    "HostRule",
    "IsolationLimits",
    "PermissionDenied",
    "Permissions",
    "Plugin",
    "PluginContext",
    "PluginDisabled",
    "PluginError",
    "PluginFailed",
    "PluginInfo",
    "PluginKind",
    "PluginLoaded",
    "PluginManifest",
    "PluginMessage",
    "PluginRegistry",
    "RestrictedBus",
]


def __getattr__(name: str) -> Any:
    """``ENV_UNCONFINED`` and ``IsolationLimits``, from the sandbox module when first asked for."""
    if name in ("ENV_UNCONFINED", "IsolationLimits"):
        from . import _sandbox

        return getattr(_sandbox, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
