"""Project files (.tlproj): versioned JSON, migrations beside the loader, atomic saves."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..atomic import atomic_write_bytes
from ..errors import ProjectError, ProjectFileError
from .project import Project

__all__ = [
    "MIGRATIONS",
    "SCHEMA",
    "atomic_write_bytes",
    "dumps",
    "json_schema",
    "load",
    "loads",
    "save",
]

SCHEMA = "Project.1"
"""Label written into every file; bump it (and add a migration) when the format changes."""

Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[str, tuple[str, Migration]] = {}
"""``old label -> (next label, function)``; the loader chains them up to :data:`SCHEMA`."""


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Upgrade an older document step by step; unknown labels are refused by name."""
    label = data.get("schema")
    seen: set[str] = set()
    while label != SCHEMA:
        if not isinstance(label, str):
            raise ProjectFileError('schema: missing; expected a label like "Project.1"')
        if label not in MIGRATIONS or label in seen:
            known = ", ".join([SCHEMA, *MIGRATIONS])
            raise ProjectFileError(f"schema: unknown version {label!r} (this build reads {known})")
        seen.add(label)
        label, step = MIGRATIONS[label]
        data = step(dict(data))
        data["schema"] = label
    return data


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("clip", "text") and out.endswith("]"):
            continue  # discriminated-union tag, not a JSON key
        else:
            out += f".{part}" if out else str(part)
    return out or "(root)"


def _explain(exc: ValidationError) -> str:
    first = exc.errors()[0]
    msg = str(first["msg"]).removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{_path(tuple(first['loc']))}: {msg}{more}"


def loads(text: str | bytes, *, source: str = "<string>") -> Project:
    """Parse a project document; every error names the JSON path and the problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except UnicodeDecodeError as exc:
        raise ProjectFileError(f"{source}: not UTF-8 text ({exc.reason})") from None
    except RecursionError:
        raise ProjectFileError(f"{source}: nested too deeply to be a project file") from None
    if not isinstance(data, dict):
        raise ProjectFileError(f"{source}: expected a JSON object, got {type(data).__name__}")
    try:
        data = migrate(data)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{source}: {exc}") from None
    body = {k: v for k, v in data.items() if k != "schema"}
    try:
        return Project.model_validate(body)
    except RecursionError:
        raise ProjectFileError(f"{source}: nested too deeply to be a project file") from None
    except ValidationError as exc:
        raise ProjectFileError(f"{source}: {_explain(exc)}") from None
    except ProjectError as exc:
        raise ProjectFileError(f"{source}: {exc}") from None


def load(path: str | Path) -> Project:
    """Read a ``.tlproj`` file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(f"{p}: no such project file") from None
    except IsADirectoryError:
        raise ProjectFileError(f"{p}: is a directory, not a project file") from None
    return loads(raw, source=str(p))


def dumps(project: Project) -> str:
    """The project as pretty, stable JSON with its schema label first."""
    body = project.model_dump(mode="json")
    return json.dumps({"schema": SCHEMA, **body}, indent=2, ensure_ascii=False) + "\n"


def save(project: Project, path: str | Path) -> Path:
    """Save atomically; the previous file stays intact if anything fails."""
    project.validate_timeline()
    return atomic_write_bytes(path, dumps(project).encode("utf-8"))


def json_schema() -> dict[str, Any]:
    """JSON Schema of the file format (for editors, validators and other tools)."""
    schema = Project.model_json_schema()
    schema["properties"] = {"schema": {"const": SCHEMA}, **schema.get("properties", {})}
    schema["required"] = ["schema", *schema.get("required", [])]
    schema["$id"] = f"https://timeline-lab.invalid/schema/{SCHEMA}.json"
    return schema
