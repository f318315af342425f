"""Plugins: a versioned API, declared permissions enforced by capability objects, a registry that
contains failures, and optional process isolation for plugins the user does not trust."""

from __future__ import annotations

from ._fs import ConfinedFS
from ._hosts import HostRule
from ._sandbox import ENV_UNCONFINED, IsolationLimits
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
