"""Project files (.tlproj): versioned JSON, migrations beside the loader, atomic saves."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError, from_json, to_json

from ..atomic import OutputError, atomic_write_bytes, check_not_source, check_ours
from ..errors import ProjectError, ProjectFileError, first_error
from ..fs import is_regular_file
from ._base import URL_SCHEME
from .items import Clip, TextClip
from .media_ref import WRITING, MediaReference
from .project import Project

__all__ = [
    "MIGRATIONS",
    "SCHEMA",
    "atomic_write_bytes",
    "check_save_target",
    "dumps",
    "file_refs",
    "is_project_file",
    "is_timeline_file",
    "json_schema",
    "load",
    "loads",
    "media_refs",
    "rebase",
    "relative_to",
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
    msg = first_error(exc)[1]
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{_path(tuple(first['loc']))}: {msg}{more}"


def _clips(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The item objects of a project document that have a media reference object (sequences too)."""
    seqs = body.get("sequences", [])
    for seq in seqs if isinstance(seqs, list) else []:
        if isinstance(seq, dict):
            yield from _clips(seq)
    for track in body.get("tracks", []) if isinstance(body.get("tracks"), list) else []:
        items = track.get("items", []) if isinstance(track, dict) else []
        for item in items if isinstance(items, list) else []:
            media = item.get("media") if isinstance(item, dict) else None
            if isinstance(media, dict) and isinstance(media.get("path"), str):
                yield item


def media_refs(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The media reference objects of a project document (one per clip, nested sequences too)."""
    return [item["media"] for item in _clips(body)]


def _items(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item object of a project document (nested sequences too)."""
    seqs = body.get("sequences", [])
    for seq in seqs if isinstance(seqs, list) else []:
        if isinstance(seq, dict):
            yield from _items(seq)
    tracks = body.get("tracks", [])
    for track in tracks if isinstance(tracks, list) else []:
        items = track.get("items", []) if isinstance(track, dict) else []
        yield from (item for item in items if isinstance(item, dict)) if isinstance(items, list) else ()


def file_refs(body: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """``(object, key)`` of each file a project document names besides media: a ``lut`` effect's
    .cube file, an ``annotate`` effect's Parquet table and a title's font. Like media, they are
    written relative to the project's folder when under it, and looked for when they moved."""
    for item in _items(body):
        effects = item.get("effects")
        for fx in effects if isinstance(effects, list) else []:
            params = fx.get("params") if isinstance(fx, dict) else None
            if not isinstance(params, dict):
                continue
            if fx.get("kind") == "lut" and isinstance(params.get("path"), str):
                yield params, "path"
            table = params.get("table") if fx.get("kind") == "annotate" else None
            if isinstance(table, dict) and isinstance(table.get("path"), str):
                yield table, "path"
        style = item.get("style")
        if isinstance(style, dict) and isinstance(style.get("font"), str):
            yield style, "font"


def rebase(body: dict[str, Any], base: Path) -> None:
    """A project document's relative media and other file paths (written by :func:`relative_to`)
    taken from ``base``, its file's folder."""
    absolute: dict[str, str] = {}  # each path once: clips share a few files
    for media in media_refs(body):
        if (given := media["path"]) not in absolute:
            absolute[given] = _rebased(given, base)
        media["path"] = absolute[given]
    for holder, key in file_refs(body):
        holder[key] = _rebased(holder[key], base)


def _rebased(given: str, base: Path) -> str:
    """A path of the file as read: a relative one is under ``base``; URLs and absolute paths as given."""
    return given if URL_SCHEME.match(given) or Path(given).is_absolute() else str(base / given)


def _share_media(body: dict[str, Any]) -> None:
    """Validate each distinct media reference once and give every clip using it that one object.

    A project repeats the same few references thousands of times. One that fails is left as it
    is, so the whole-document validation reports it at its first place, as it would without this.
    """
    seen: dict[bytes, MediaReference | None] = {}
    for item in _clips(body):
        try:
            key = to_json(item["media"])
        except ValueError:  # not UTF-8 encodable (a lone surrogate): validated in place
            continue
        if key not in seen:
            try:
                seen[key] = MediaReference.model_validate(item["media"])
            except (ValidationError, ValueError, TypeError):
                seen[key] = None
        if (ref := seen[key]) is not None:
            item["media"] = ref


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a document is read or written: it allocates
    hundreds of thousands of objects, none of them garbage, and each collection walks them all
    (half the time of loading a large project)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _parse(text: str | bytes, source: str) -> Any:
    """The JSON document; pydantic-core's parser first (twice as fast), the standard one for
    anything it refuses, so every error reads as before (line and column, UTF-8, depth)."""
    try:
        return from_json(text)
    except ValueError:
        pass
    long: list[_TooLong] = []
    try:
        data = json.loads(text, parse_int=lambda digits: _whole(digits, long))
        where = _too_long(data, ()) if long else None
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except UnicodeDecodeError as exc:
        raise ProjectFileError(f"{source}: not UTF-8 text ({exc.reason})") from None
    except RecursionError:
        raise ProjectFileError(f"{source}: nested too deeply to be a project file") from None
    if where is not None:
        raise ProjectFileError(f"{source}: {_path(where[0])}: number too long ({where[1].digits} digits)")
    return data


class _TooLong:
    """An integer with more digits than Python reads (``sys.get_int_max_str_digits``), in place in
    the document: found again so the error names its field (json's own error named neither)."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _whole(digits: str, long: list[_TooLong]) -> int | _TooLong:
    """``int(digits)``, or a marker (kept in ``long`` too) for a number too long to read."""
    try:
        return int(digits)
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        long.append(_TooLong(len(digits.lstrip("-"))))
        return long[-1]


def _too_long(value: Any, where: tuple[int | str, ...]) -> tuple[tuple[int | str, ...], _TooLong] | None:
    """The place of the first over-long integer in a parsed document, and it; else None."""
    if isinstance(value, _TooLong):
        return where, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if (found := _too_long(item, (*where, key))) is not None:
            return found
    return None


def loads(text: str | bytes, *, source: str = "<string>", base: Path | None = None) -> Project:
    """Parse a project document; every error names the JSON path and the problem.

    Relative media paths (how a project refers to media in its own folder) are taken from ``base``,
    the project file's folder.
    """
    with _no_gc():
        return _loads(text, source, base)


def _loads(text: str | bytes, source: str, base: Path | None) -> Project:
    data = _parse(text, source)
    if not isinstance(data, dict):
        raise ProjectFileError(f"{source}: expected a JSON object, got {type(data).__name__}")
    try:
        data = migrate(data)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{source}: {exc}") from None
    body = {k: v for k, v in data.items() if k != "schema"}
    if base is not None:
        rebase(body, base)
    _share_media(body)
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
    if p.exists() and not p.is_dir() and not is_regular_file(p):  # a FIFO would block the read
        raise ProjectFileError(f"{p}: is not a regular file, not a project file")
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(f"{p}: no such project file") from None
    except IsADirectoryError:
        raise ProjectFileError(f"{p}: is a directory, not a project file") from None
    return loads(raw, source=str(p), base=p.resolve().parent)


def dumps(project: Project, *, base: Path | None = None) -> str:
    """The project as pretty, stable JSON with its schema label first.

    With ``base`` (the project file's folder), media and the other files it names (LUTs, fonts,
    detections tables) under it are written relative to it, so the folder can move (another
    machine, Binder) with them and still open. Under it means under the folder as given (a
    symbolic link inside it stays a link: ``media -> /drive/footage``) or as resolved.
    """
    written = relative_to(base)
    with _no_gc():
        # pydantic-core's encoder straight to JSON: the same pretty text as json.dumps(indent=2),
        # ten times faster; each media reference written once (see MediaReference._write)
        context: dict[str, Any] = {WRITING: ({}, written)}
        if base is not None and any(written(path) != path for path in _file_paths(project)):
            data = project.model_dump(mode="json", context=context)  # the few other files: rewritten
            for holder, key in file_refs(data):
                holder[key] = written(holder[key])
            text = to_json(data, indent=2).decode("utf-8")
        else:
            text = project.model_dump_json(indent=2, context=context)
    head = '{\n  "schema": ' + to_json(SCHEMA).decode("utf-8")
    return head + (",\n  " + text[4:] if text.startswith('{\n  "') else "\n}") + "\n"


def relative_to(base: Path | None) -> Callable[[str], str]:
    """How a project file under ``base`` (its folder; None: none) writes a path: relative where the
    file is under the folder as given (a symbolic link inside it stays a link) or as resolved."""
    # (os.path.abspath, not resolve: a link stays a link)
    roots = [] if base is None else list(dict.fromkeys([Path(os.path.abspath(base)), base.resolve()]))  # noqa: PTH100

    def written(text: str) -> str:
        path = Path(text)
        if URL_SCHEME.match(text) or not path.is_absolute():
            return text
        for root in roots:
            if path.is_relative_to(root):
                return path.relative_to(root).as_posix()
        return text

    return written


def _file_paths(project: Project) -> Iterator[str]:
    """The paths of the files besides media that ``project`` names (see :func:`file_refs`)."""
    for track in project.all_tracks():
        for item in track.items:
            if isinstance(item, TextClip):
                if item.style.font is not None:
                    yield item.style.font
            elif isinstance(item, Clip):
                for fx in item.effects:
                    if fx.kind == "lut" and isinstance(fx.params.get("path"), str):
                        yield fx.params["path"]
                    table = fx.params.get("table") if fx.kind == "annotate" else None
                    if isinstance(table, dict) and isinstance(table.get("path"), str):
                        yield table["path"]


def save(project: Project, path: str | Path, *, overwrite: bool = False) -> Path:
    """Save atomically; the previous file stays intact if anything fails.

    Never onto one of the project's media files (however spelled), nor over a file that is not a
    project unless ``overwrite``: a save named ``clip.mp4`` or ``notes.txt`` replaced it with JSON.
    """
    p = Path(path)
    check_save_target(p, project, is_project_file, "a timeline_lab project", overwrite=overwrite)
    project.validate_timeline()
    try:
        text = dumps(project, base=p.absolute().parent)
    except PydanticSerializationError:
        where = _unpaired_surrogate(project.model_dump(), "")
        if where is None:
            raise
        what = "holds an unpaired surrogate (a damaged character UTF-8 cannot store); retype it"
        if where.endswith(".path"):  # a file named in another encoding (Latin-1 on Linux)
            what = "the file name is not UTF-8, which a project stores; rename the file"
        msg = f"{p}: {where}: {what}"
        raise ProjectFileError(msg) from None
    return atomic_write_bytes(p, text.encode("utf-8"))


def _unpaired_surrogate(value: Any, where: str) -> str | None:
    """The place of the first text holding a lone UTF-16 surrogate (a file may carry one in JSON
    ``\\ud800`` escapes, which a load keeps but no UTF-8 writer can write), else None."""
    if isinstance(value, str):
        return where if any("\ud800" <= c <= "\udfff" for c in value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _unpaired_surrogate(
            item, f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}".lstrip(".")
        )
        if found is not None:
            return found
    return None


def check_save_target(
    path: Path, project: Project, ours: Callable[[Path], bool], what: str, *, overwrite: bool = False
) -> None:
    """Refuse a save or export onto one of ``project``'s media files, or over a file that is not
    ``what`` (``ours`` tells) unless ``overwrite``; a ProjectFileError naming the file."""
    try:
        check_not_source(path, {Path(c.media.path) for c in project.clips()}, "a media file of this project")
        check_ours(path, ours, what, overwrite=overwrite)
    except OutputError as exc:
        raise ProjectFileError(str(exc)) from None


_TIMELINE_HEADS = {".otio": b'"OTIO_SCHEMA"', ".edl": b"TITLE:", ".xml": b"<xmeml", ".fcpxml": b"<fcpxml"}
"""What the head of a timeline export of each kind holds (OpenTimelineIO's JSON, CMX 3600, FCP 7
XML, FCPX XML)."""


def is_timeline_file(path: Path) -> bool:
    """Does ``path`` hold a timeline of the kind its suffix says (an earlier export, or another
    editor's: replacing it with an export of ours is what the user asked)?"""
    mark = _TIMELINE_HEADS.get(path.suffix.lower())
    return mark is not None and mark in _head(path, 4096)


def _head(path: Path, size: int) -> bytes:
    """A regular file's first ``size`` bytes (nothing for a FIFO, a device or an unreadable one)."""
    if not is_regular_file(path):
        return b""
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError:
        return b""


def is_project_file(path: Path) -> bool:
    """Does ``path`` hold a project file (its head: a JSON object whose schema is a Project's)?"""
    head = _head(path, 1 << 16).lstrip(b"\xef\xbb\xbf \t\r\n")  # (another tool may put the schema later)
    return head.startswith(b"{") and b'"schema"' in head and b'"Project.' in head


def json_schema() -> dict[str, Any]:
    """JSON Schema of the file format (for editors, validators and other tools)."""
    schema = Project.model_json_schema()
    if "$ref" in schema:  # a project nests projects (sequences): pydantic puts it in $defs
        defs = schema["$defs"]
        schema = {**defs[schema["$ref"].rsplit("/", 1)[-1]], "$defs": defs}
    schema["properties"] = {"schema": {"const": SCHEMA}, **schema.get("properties", {})}
    schema["required"] = ["schema", *schema.get("required", [])]
    schema["$id"] = f"https://timeline-lab.invalid/schema/{SCHEMA}.json"
    return schema
