"""Companion notebooks for ``.tlproj`` files, and the JSON routes the JupyterLab extension calls.

A project ``NAME.tlproj`` opens in JupyterLab as its companion notebook ``NAME.ipynb``: an editor
widget bound to the file, so edits in the widget and in code land in the same project. The routes
(``{base_url}timeline-lab/api/...``) take paths relative to the server root and never leave it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import tornado.web
from jupyter_server.base.handlers import APIHandler

from ..atomic import atomic_write_bytes
from ..errors import ProjectFileError, TimelineLabError
from ..fs import WorkspaceEscape, is_regular_file, resolve_inside
from ._errors import ServerError
from .render_jobs import RenderConflictError, RenderJobs, UnknownJobError

__all__ = [
    "CompanionHandler",
    "NewProjectHandler",
    "OutsideRootError",
    "RenderHandler",
    "RenderStatusHandler",
    "companion_notebook",
    "confine",
    "ensure_companion",
    "is_companion",
    "is_pristine",
    "new_project",
    "suggest_name",
]

SUFFIX = ".tlproj"
MAX_BODY = 64 * 1024
"""The largest JSON body the Lab routes parse: theirs are a few short fields."""
METADATA_KEY = "timeline_lab"

_CODE = """\
from pathlib import Path
from timeline_lab import Studio
from timeline_lab.widgets import Editor

studio = Studio(workspace=Path.cwd())
project = studio.open({name})
editor = Editor(project, studio=studio, autosave={name})
editor"""


class OutsideRootError(ServerError):
    """A client path that would leave the Jupyter server's root directory (HTTP 403)."""


def companion_notebook(project_path: Path) -> nbformat.NotebookNode:
    """The notebook that opens ``project_path`` in the editor widget and saves back to it."""
    name = Path(project_path).name
    code = _CODE.format(name=json.dumps(name, ensure_ascii=False))  # a valid Python string literal
    new = nbformat.v4  # nbformat is untyped: hence the ignores below
    nb: nbformat.NotebookNode = new.new_notebook()  # type: ignore[no-untyped-call]
    nb.cells = [
        new.new_markdown_cell(f"# {Path(name).stem}\n\nTimeline project `{name}`."),  # type: ignore[no-untyped-call]
        new.new_code_cell(code),  # type: ignore[no-untyped-call]
        new.new_markdown_cell(  # type: ignore[no-untyped-call]
            f"Edits made in the widget and in code are both saved to `{name}`."
        ),
    ]
    nb.metadata[METADATA_KEY] = {"project": name}
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    return nb


def is_companion(notebook_path: Path, project_name: str) -> bool:
    """True if the notebook's metadata names ``project_name``; unreadable notebooks are not ours
    (nor a FIFO: reading one would block the server's event loop)."""
    if not is_regular_file(notebook_path):
        return False
    try:
        with Path(notebook_path).open(encoding="utf-8") as f:
            meta = json.load(f).get("metadata", {}).get(METADATA_KEY, {})
    except (OSError, ValueError, AttributeError):
        return False
    return isinstance(meta, dict) and meta.get("project") == project_name


def is_pristine(notebook_path: Path, project_name: str) -> bool:
    """True if the notebook's code is exactly what :func:`companion_notebook` writes for the project.

    Only such a notebook is run by the Lab extension when it opens the project: opening a file must
    never run code someone else put into its companion.
    """
    if not is_regular_file(notebook_path):
        return False
    try:
        with Path(notebook_path).open(encoding="utf-8") as f:
            cells = json.load(f).get("cells", [])
        code = [_text(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]
    except (OSError, ValueError, AttributeError, TypeError):
        return False
    expected = [c.source for c in companion_notebook(Path(project_name)).cells if c.cell_type == "code"]
    return code == expected


def _text(source: object) -> str:
    """nbformat's multiline text (a string or a list of lines) as one string."""
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    return str(source)


def ensure_companion(project_path: Path) -> Path:
    """The companion notebook of ``project_path``, written next to it (atomically) if absent.

    ``NAME.ipynb`` is used unless it exists and belongs to something else; then ``NAME.timeline.ipynb``.
    """
    project = Path(project_path)
    if project.suffix != SUFFIX or not project.is_file():
        msg = f"{project.name}: not an existing {SUFFIX} file, so it has no companion notebook"
        raise ProjectFileError(msg)
    candidates = [project.with_suffix(".ipynb"), project.with_name(f"{project.stem}.timeline.ipynb")]
    for notebook in candidates:
        if not notebook.exists():
            data = nbformat.writes(companion_notebook(project)) + "\n"  # type: ignore[no-untyped-call]
            return atomic_write_bytes(notebook, data.encode("utf-8"))
        if is_companion(notebook, project.name):
            return notebook
    names = " and ".join(c.name for c in candidates)
    raise ProjectFileError(f"{project.name}: {names} both exist and neither is its companion notebook")


def new_project(directory: Path, name: str | None = None) -> tuple[Path, Path]:
    """An empty project (one video track) and its companion: ``Untitled``, ``Untitled1``... by default."""
    from ..model import io
    from ..services import Services
    from ..studio import Studio

    folder = Path(directory)
    if not folder.is_dir():
        raise ProjectFileError(f"{folder.name or folder}: not a directory, so no project can go there")
    path = _reserve(folder, name)
    studio = Studio(workspace=folder, services=Services.create(folder, discover_plugins=False))
    try:
        io.save(studio.new_project(path.stem), path)
        return path, ensure_companion(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        studio.close()


def _untitled(folder: Path) -> Iterator[Path]:
    """``Untitled.tlproj``, ``Untitled1.tlproj``... whose companion ``.ipynb`` name is also free."""
    for i in range(10_000):
        path = folder / f"Untitled{i or ''}{SUFFIX}"
        if not path.exists() and not path.with_suffix(".ipynb").exists():
            yield path  # keep NAME.tlproj and NAME.ipynb together


def suggest_name(directory: Path) -> str:
    """The name a new project in ``directory`` gets by default (what the Lab's name dialog offers)."""
    path = next(_untitled(Path(directory)), None)
    if path is None:
        raise ProjectFileError(f"{Path(directory).name}: no unused Untitled{SUFFIX} name left")
    return path.stem


def _reserve(folder: Path, name: str | None) -> Path:
    """Create the project file exclusively, so two concurrent requests never pick the same name."""
    if name is not None:
        stem = name.strip().removesuffix(SUFFIX)
        if not stem or Path(stem).name != stem or stem in (".", "..") or "\0" in stem:
            raise ProjectFileError(f"{name!r}: a project name is a file name, without folders")
        candidates: Iterable[Path] = [folder / f"{stem}{SUFFIX}"]
    else:
        candidates = _untitled(folder)
    for path in candidates:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            if name is not None:
                raise ProjectFileError(f"{path.name}: already exists") from None
            continue
        return path
    raise ProjectFileError(f"{folder.name}: no unused Untitled{SUFFIX} name left")


def confine(root: Path, relative: str) -> Path:
    """Resolve a Jupyter API path (relative to ``root``) to a real path that stays under ``root``.

    Symlinks are resolved before the check, so neither ``..`` nor a link can lead outside.
    """
    if "\0" in relative:
        raise ValueError(f"{relative!r}: a path cannot contain NUL")
    try:
        return resolve_inside(Path(root).resolve(), relative.lstrip("/"))
    except WorkspaceEscape:
        raise OutsideRootError(f"{relative!r}: outside the Jupyter server's root directory") from None


# --- HTTP ----------------------------------------------------------------------------------------


class _LabAPIHandler(APIHandler):
    """Shared plumbing: the confined root, JSON bodies, and library errors as JSON HTTP errors."""

    def initialize(self, root: Path, jobs: RenderJobs) -> None:
        self.root = Path(root).resolve()
        self.jobs = jobs
        self._parsed: dict[str, Any] | None = None

    def _body(self) -> dict[str, Any]:
        """The JSON body as an object, parsed once (400 if it is not JSON; a non-object reads as empty).

        Bodies over ``MAX_BODY`` are refused (413) unparsed: parsing runs on the server's event loop.
        """
        if self._parsed is None:
            raw = self.request.body or b"{}"
            if len(raw) > MAX_BODY:
                msg = f"the request body is {len(raw)} bytes; these routes take at most {MAX_BODY}"
                raise tornado.web.HTTPError(413, "%s", msg)
            try:
                body = json.loads(raw)
            except ValueError:
                raise tornado.web.HTTPError(400, "%s", "the request body is not valid JSON") from None
            self._parsed = body if isinstance(body, dict) else {}
        return self._parsed

    def body_str(self, key: str, *, default: str | None = None) -> str:
        """A string field of the JSON body (400 if the body or the field is missing or malformed)."""
        value = self._body().get(key, default)
        if not isinstance(value, str):
            raise tornado.web.HTTPError(400, "%s", f"the JSON body needs a string {key!r}")
        return value

    def body_flag(self, key: str) -> bool:
        """A yes/no field of the JSON body: ``true``/``false`` (absent: false; anything else: 400)."""
        value = self._body().get(key, False)
        if not isinstance(value, bool):
            raise tornado.web.HTTPError(400, "%s", f"the JSON body's {key!r} must be true or false")
        return value

    def path_arg(self, key: str, *, default: str | None = None) -> Path:
        """The body's ``key`` as a path under the server root."""
        with _http_errors(self.root):
            return confine(self.root, self.body_str(key, default=default))

    def project_arg(self) -> Path:
        """The body's ``path``: an existing ``.tlproj`` file under the server root."""
        project = self.path_arg("path")
        rel = self.relative(project)
        if project.suffix != SUFFIX:
            raise tornado.web.HTTPError(400, "%s", f"{rel!r}: not a {SUFFIX} file")
        with _http_errors(self.root):
            is_file = project.is_file()
        if not is_file:
            raise tornado.web.HTTPError(404, "%s", f"{rel!r}: no such project file")
        return project

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """APIHandler's JSON error, with ``HTTPError(status, "%s", message)`` filled in first.

        Messages travel as an argument so a ``%`` in a file name cannot break Tornado's log line.
        """
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if not (isinstance(exc, tornado.web.HTTPError) and exc.log_message and exc.args):
            super().write_error(status_code, **kwargs)
            return
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": exc.log_message % exc.args, "reason": exc.reason}))

    def relative(self, path: Path) -> str:
        """How the client names ``path``: relative to the root, with forward slashes."""
        return path.relative_to(self.root).as_posix()


_STATUS: dict[type[Exception], int] = {OutsideRootError: 403, UnknownJobError: 404, RenderConflictError: 409}


@contextlib.contextmanager
def _http_errors(root: Path) -> Iterator[None]:
    """Our exceptions as JSON HTTP errors (APIHandler writes ``message``), paths relative to the root."""
    try:
        yield
    except (TimelineLabError, ValueError, OSError) as exc:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        message = _os_message(root, exc) if isinstance(exc, OSError) else str(exc)
        if root != Path(root.anchor):  # keep the server's own layout out of replies
            message = message.replace(f"{root}{os.sep}", "")
        raise tornado.web.HTTPError(status, "%s", message) from None


def _os_message(root: Path, exc: OSError) -> str:
    """``'a/b.tlproj': File name too long``: the path as the client names it, and what went wrong."""
    what = exc.strerror or type(exc).__name__
    if not isinstance(exc.filename, (str, bytes, os.PathLike)):
        return what
    path = Path(os.fsdecode(exc.filename))
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    return f"{name!r}: {what}"


class CompanionHandler(_LabAPIHandler):
    """``POST {path}`` → ``{notebook, pristine}``: create or reuse the project's companion notebook.

    ``pristine`` says its code is exactly what we write, so the extension may run it on opening.
    """

    @tornado.web.authenticated
    def post(self) -> None:
        project = self.project_arg()
        with _http_errors(self.root):
            notebook = ensure_companion(project)
        pristine = is_pristine(notebook, project.name)
        self.finish({"notebook": self.relative(notebook), "pristine": pristine})


class NewProjectHandler(_LabAPIHandler):
    """``POST {directory, name?}`` → ``{project, notebook}``: a new project in that folder.

    ``GET ?directory=`` → ``{name}``: the name a new project gets there by default.
    """

    def _folder(self, relative: str) -> Path:
        with _http_errors(self.root):
            folder = confine(self.root, relative)
            is_dir = folder.is_dir()
        if not is_dir:
            raise tornado.web.HTTPError(404, "%s", f"{self.relative(folder)!r}: no such directory")
        return folder

    @tornado.web.authenticated
    def get(self) -> None:
        folder = self._folder(self.get_query_argument("directory", ""))
        with _http_errors(self.root):
            self.finish({"name": suggest_name(folder)})

    @tornado.web.authenticated
    async def post(self) -> None:
        folder = self._folder(self.body_str("directory", default=""))
        name = self._body().get("name")
        if name is not None and not isinstance(name, str):
            raise tornado.web.HTTPError(400, "%s", "the JSON body's 'name' must be a string")
        with _http_errors(self.root):
            project, notebook = await asyncio.to_thread(new_project, folder, name or None)
        reply = {"project": self.relative(project), "notebook": self.relative(notebook), "pristine": True}
        self.finish(reply)


class RenderHandler(_LabAPIHandler):
    """``POST {path}`` → ``{job, output}``: render the project to ``NAME.mp4`` beside it."""

    @tornado.web.authenticated
    async def post(self) -> None:
        project = self.project_arg()
        with _http_errors(self.root):
            overwrite = self.body_flag("overwrite")
            job, state = await asyncio.to_thread(
                self.jobs.start, project, project.with_suffix(".mp4"), overwrite=overwrite
            )
        self.finish({"job": job, "output": state.output})


class RenderStatusHandler(_LabAPIHandler):
    """``GET`` → ``{state, fraction, output, error}`` of one render job."""

    @tornado.web.authenticated
    def get(self, job: str) -> None:
        with _http_errors(self.root):
            state = self.jobs.status(job)
        self.finish(state.to_json())


def handlers(root: Path) -> list[tuple[str, type[_LabAPIHandler], dict[str, Any]]]:
    """Routes relative to ``{base_url}timeline-lab/api/``, sharing one job table."""
    args: dict[str, Any] = {"root": root, "jobs": RenderJobs(Path(root).resolve())}
    return [
        ("companion", CompanionHandler, args),
        ("projects", NewProjectHandler, args),
        ("render", RenderHandler, args),
        ("render/([^/]+)", RenderStatusHandler, args),
    ]
