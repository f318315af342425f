"""Move a project's .env into the vault: known names only, reported by name, values never echoed."""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from ._errors import SecurityError, VaultError
from ._secret import Secret
from .validators import KeyValidator, ValidationResult
from .vault import Vault, check_new_name

__all__ = ["API_KEY_ENTRIES", "ENV_NAMES", "ImportReport", "entry_for", "import_env"]

log = logging.getLogger("timeline_lab.security")

# Explicit names, canonical spelling first: when two aliases are both set, the earlier one wins.
ENV_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "OPENAI_API_KEY": "openai.api_key",
        "ANTHROPIC_API_KEY": "anthropic.api_key",
        "CLAUDE_API_KEY": "anthropic.api_key",
        "GEMINI_API_KEY": "gemini.api_key",
        "GOOGLE_API_KEY": "gemini.api_key",
        "GOOGLE_CLIENT_ID": "youtube.client_id",
        "GOOGLE_CLIENT_SECRET": "youtube.client_secret",
        "TIKTOK_CLIENT_KEY": "tiktok.client_key",
        "TIKTOK_CLIENT_SECRET": "tiktok.client_secret",
        "INSTAGRAM_APP_ID": "instagram.client_id",
        "INSTAGRAM_APP_SECRET": "instagram.client_secret",
    }
)
# Whole families: YOUTUBE_CLIENT_ID -> youtube.client_id, INSTAGRAM_ACCESS_TOKEN -> instagram.access_token.
_PREFIXES = {"YOUTUBE_": "youtube", "INSTAGRAM_": "instagram"}
# Entries that `validate=True` checks, and against which provider.
API_KEY_ENTRIES: Mapping[str, str] = MappingProxyType(
    {"openai.api_key": "openai", "anthropic.api_key": "anthropic", "gemini.api_key": "gemini"}
)


def entry_for(env_name: str) -> str | None:
    """Vault entry for a .env name, or None for names we do not import."""
    if env_name in ENV_NAMES:
        return ENV_NAMES[env_name]
    for prefix, family in _PREFIXES.items():
        rest = env_name[len(prefix) :]
        if env_name.startswith(prefix) and rest and rest.replace("_", "").isalnum():
            return f"{family}.{rest.lower()}"
    return None


def _rank(env_name: str) -> int:
    if env_name in ENV_NAMES:
        return list(ENV_NAMES).index(env_name)
    return -1  # YOUTUBE_CLIENT_ID beats GOOGLE_CLIENT_ID: the specific name is the intended one


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LINE_END = re.compile(r"\r\n?")


@dataclass
class ImportReport:
    """What an import did, by name only: safe to print, log or show in a notebook."""

    source: Path
    imported: list[tuple[str, str]] = field(default_factory=list)  # (env name, vault entry)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (env name, reason)
    unknown: list[str] = field(default_factory=list)
    malformed: int = 0
    """Lines that are not ``NAME=value`` (a pasted bare key, say): counted, never echoed."""
    validation: dict[str, ValidationResult] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable summary."""
        out = [f"{self.source}: imported {len(self.imported)}, skipped {len(self.skipped)}"]
        out += [f"  + {env} -> {entry}" for env, entry in self.imported]
        out += [f"  - {env}: {why}" for env, why in self.skipped]
        if self.unknown:
            out.append(f"  not imported (unknown names): {', '.join(self.unknown)}")
        if self.malformed:
            out.append(
                f"  not imported: {self.malformed} line(s) not read as NAME=value (an unterminated "
                "quote, a pasted bare key; not shown: they may be secrets)"
            )
        out += [f"  ? {entry}: {res.describe()}" for entry, res in self.validation.items()]
        return out


def import_env(
    path: str | os.PathLike[str],
    vault: Vault,
    *,
    overwrite: bool = True,
    validate: bool = False,
    validator: KeyValidator | None = None,
) -> ImportReport:
    """Parse `path` (quotes, `export`, multi-line values; no ${VAR} expansion) and store known names."""
    source = Path(path)
    if not source.is_file():
        msg = f".env file {source} not found"
        raise SecurityError(msg)
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SecurityError(f"{source}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    # python-dotenv ends a line at \r\n or \r but keeps them inside a quoted value: a Windows or
    # old-Mac file would store 'line1\r\nline2', so every line ending becomes \n first
    text = _LINE_END.sub("\n", text)
    parsed = dotenv_values(stream=io.StringIO(text), interpolate=False)
    report = ImportReport(source)
    chosen: dict[str, tuple[str, Secret]] = {}
    existing = set(vault.names())
    values = {n: v for n, v in parsed.items() if v is not None and _ENV_NAME.fullmatch(n)}
    # statements python-dotenv cannot parse (an unterminated quote swallows what follows) are
    # dropped by it with a log line: counted here, so a key lost that way is said
    unparsed = sum(1 for binding in parse_stream(io.StringIO(text)) if binding.error)
    report.malformed = len(parsed) - len(values) + unparsed
    known = [n for n in values if entry_for(n) is not None]
    report.unknown = sorted(n for n in values if entry_for(n) is None)
    for env_name in sorted(known, key=_rank):
        entry, raw = entry_for(env_name), values[env_name]
        assert entry is not None
        try:
            check_new_name(entry)  # YOUTUBE_<anything> can map past 128 characters, or to a key
        except VaultError as exc:
            report.skipped.append((env_name, f"no vault entry for it: {exc}"))
            continue
        if not raw:
            report.skipped.append((env_name, "empty"))
        elif entry in chosen:
            first, kept = chosen[entry]
            same = kept == Secret(raw)
            report.skipped.append(
                (env_name, f"{'same value as' if same else 'conflicts with'} {first}; kept {first}")
            )
        elif entry in existing and not overwrite:
            report.skipped.append((env_name, f"{entry} already in the vault"))
        else:
            chosen[entry] = (env_name, Secret(raw))
    if chosen:
        vault.update({entry: secret for entry, (_, secret) in chosen.items()})
    report.imported = sorted((env, entry) for entry, (env, _) in chosen.items())
    log.info("import .env %s: %s", source, ", ".join(e for _, e in report.imported) or "nothing")
    if validate:
        checks = [
            (entry, API_KEY_ENTRIES[entry], s) for entry, (_, s) in chosen.items() if entry in API_KEY_ENTRIES
        ]
        results = (validator or KeyValidator()).validate_many_sync((p, s) for _, p, s in checks)
        report.validation = {entry: res for (entry, _, _), res in zip(checks, results, strict=True)}
    return report
