"""Model manager: a registry of local model files and an LRU of loaded models under a memory budget.

Nothing is fetched at run time: a model that is not on disk raises ModelNotFoundError naming the
folder to put it in. ``download=True`` is the one explicit opt-in; it uses ultralytics' own
downloader (official weights only) and is never used by the tests.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import platformdirs

from ..atomic import atomic_write_bytes
from ..core.file_hash import file_sha256 as sha256_of
from .errors import ModelNotFoundError, RecognitionError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from .detectors import Detector

__all__ = [
    "Backend",
    "ModelManager",
    "ModelRegistry",
    "ModelSpec",
    "Task",
    "default_manager",
    "file_sha256",
    "models_dir",
]

Backend = Literal["ultralytics", "onnx", "opencv"]
Task = Literal["detect", "segment", "pose", "obb", "classify"]
MODELS_ENV = "TIMELINE_LAB_MODELS"
_SUFFIX_BACKEND: dict[str, Backend] = {".pt": "ultralytics", ".onnx": "onnx"}
_TASKS = ("detect", "segment", "pose", "obb", "classify")
DEFAULT_BUDGET = 2 * 1024**3


def models_dir() -> Path:
    """Where model files live: ``$TIMELINE_LAB_MODELS``, else the platform's user data folder."""
    env = os.environ.get(MODELS_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("timeline_lab")) / "models"


@dataclass(frozen=True)
class ModelSpec:
    """One local model file and what we know about it before loading (None = read from the file)."""

    name: str
    path: Path
    backend: Backend
    task: Task | None = None
    names: tuple[str, ...] | None = None
    imgsz: tuple[int, int] | None = None
    sha256: str | None = None
    """Expected checksum; a file that no longer matches it is refused."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the registry manifest."""
        return {
            "name": self.name,
            "path": str(self.path),
            "backend": self.backend,
            "task": self.task,
            "names": list(self.names) if self.names is not None else None,
            "imgsz": list(self.imgsz) if self.imgsz is not None else None,
            "sha256": self.sha256,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], root: Path) -> ModelSpec:
        """Read a manifest entry; relative paths are relative to the registry folder."""
        path = Path(data["path"])
        return cls(
            name=str(data["name"]),
            path=path if path.is_absolute() else root / path,
            backend=_backend(data.get("backend"), path),
            task=_task(data.get("task")),
            names=tuple(data["names"]) if data.get("names") is not None else None,
            imgsz=_imgsz(data.get("imgsz")),
            sha256=data.get("sha256"),
        )


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a model file, hashed once per version of it; a file that cannot be read is named."""
    try:
        return sha256_of(path)
    except OSError as exc:
        msg = f"model file {Path(path).resolve()}: cannot read ({exc.strerror or exc})"
        raise ModelNotFoundError(msg) from None


def _backend(value: object, path: Path) -> Backend:
    if value == "ultralytics" or value == "onnx":
        return value
    if value is not None:
        raise RecognitionError(f"model {path}: backend must be 'ultralytics' or 'onnx', got {value!r}")
    backend = _SUFFIX_BACKEND.get(path.suffix.lower())
    if backend is None:
        msg = f"model {path}: unsupported format {path.suffix!r}; use a .pt (ultralytics) or .onnx file"
        raise RecognitionError(msg)
    return backend


def _task(value: object) -> Task | None:
    if value is None or value in _TASKS:
        return cast("Task | None", value)
    raise RecognitionError(f"task must be one of {_TASKS}, got {value!r}")


def _imgsz(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return (value, value)
    if isinstance(value, list | tuple) and len(value) == 2:
        h, w = value
        if isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0:
            return (h, w)
    raise RecognitionError(f"imgsz must be a positive int or (height, width), got {value!r}")


class ModelRegistry:
    """Named model files in one folder, described by a ``models.json`` manifest beside them."""

    MANIFEST = "models.json"

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else models_dir()
        self._specs: dict[str, ModelSpec] = {}
        manifest = self.root / self.MANIFEST
        if manifest.is_file():
            try:
                entries = json.loads(manifest.read_text(encoding="utf-8"))
                for entry in entries["models"]:
                    spec = ModelSpec.from_json(entry, self.root)
                    self._specs[spec.name] = spec
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise RecognitionError(f"model manifest {manifest}: cannot read it ({exc})") from exc

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def register(
        self,
        name: str,
        path: str | os.PathLike[str] | None = None,
        *,
        backend: Backend | None = None,
        task: Task | None = None,
        names: Sequence[str] | None = None,
        imgsz: int | tuple[int, int] | None = None,
        sha256: str | bool | None = True,
    ) -> ModelSpec:
        """Describe a model file under ``name`` (default path: ``<root>/<name>``).

        ``sha256=True`` records the file's current checksum, so a later swap or corruption is
        caught at load time; pass a hex string to pin an expected value, None to skip.
        """
        p = Path(path).expanduser() if path is not None else self.root / name
        if not p.is_file():
            raise ModelNotFoundError(f"model {name!r}: no file at {p}")
        digest = file_sha256(p) if sha256 is True else (sha256 or None)
        spec = ModelSpec(
            name=name,
            path=p.resolve(),
            backend=_backend(backend, p),
            task=_task(task),
            names=tuple(names) if names is not None else None,
            imgsz=_imgsz(imgsz),
            sha256=digest,
        )
        if spec.sha256 is not None and spec.sha256 != file_sha256(p):
            raise RecognitionError(f"model {name!r}: {p} does not have the sha256 given ({spec.sha256})")
        self._specs[name] = spec
        return spec

    def get(self, name: str) -> ModelSpec | None:
        """The registered spec called ``name``, if any."""
        return self._specs.get(name)

    def resolve(self, model: str | os.PathLike[str] | ModelSpec, *, download: bool = False) -> ModelSpec:
        """A spec for a registered name, a file path, or a file name inside the models folder."""
        if isinstance(model, ModelSpec):
            spec = model
        elif isinstance(model, str) and model in self._specs:
            spec = self._specs[model]
        elif isinstance(model, str) and model.startswith(("opencv:", "skimage:")):  # bundled cascades
            from .cascade import cascade_spec

            spec = cascade_spec(model)
        else:
            spec = self._from_path(Path(model).expanduser(), download)
        if not spec.path.is_file():
            raise ModelNotFoundError(
                f"model {spec.name!r}: {spec.path} is missing; put the model file there "
                "(nothing is downloaded at run time)"
            )
        return spec

    def _from_path(self, p: Path, download: bool) -> ModelSpec:
        if p.is_file():
            return ModelSpec(name=p.name, path=p.resolve(), backend=_backend(None, p))
        candidate = self.root / p.name
        if candidate.is_file():
            return ModelSpec(name=p.name, path=candidate.resolve(), backend=_backend(None, candidate))
        if download and len(p.parts) == 1:
            return self._download(p.name)
        _backend(None, p)  # an unsupported suffix is the clearer error
        official = "a bare official .pt name such as 'yolo11n.pt'"
        why = (
            f"download=True fetches only {official}, not a path"
            if download
            else f"nothing is downloaded unless you pass download=True with {official}"
        )
        raise ModelNotFoundError(
            f"model {str(p)!r} is not on disk: put the file at {candidate} (or pass its full path, "
            f"or set ${MODELS_ENV}); {why}"
        )

    def _download(self, name: str) -> ModelSpec:
        """Explicit opt-in: fetch official weights with ultralytics' own downloader."""
        from . import _lazy

        if not name.endswith(".pt"):
            raise ModelNotFoundError(f"model {name!r}: only ultralytics .pt weights can be downloaded")
        _lazy.ultralytics()
        from ultralytics.utils.downloads import attempt_download_asset

        self.root.mkdir(parents=True, exist_ok=True)
        saved = os.environ.pop("YOLO_OFFLINE", None)
        try:
            got = Path(attempt_download_asset(str(self.root / name)))
        except Exception as exc:
            raise ModelNotFoundError(f"model {name!r}: download failed ({exc})") from exc
        finally:
            if saved is not None:
                os.environ["YOLO_OFFLINE"] = saved
        if not got.is_file():
            raise ModelNotFoundError(f"model {name!r}: download did not produce {got}")
        return self.register(name, got)

    def save(self) -> Path:
        """Write the manifest (atomically) so the next session finds the same names."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / self.MANIFEST
        data = {"version": 1, "models": [s.to_json() for s in self._specs.values()]}
        return atomic_write_bytes(target, json.dumps(data, indent=2).encode("utf-8"))


class ModelManager:
    """Loaded detectors kept in least-recently-used order; the oldest go once over ``budget_bytes``."""

    def __init__(self, registry: ModelRegistry | None = None, *, budget_bytes: int = DEFAULT_BUDGET) -> None:
        if budget_bytes <= 0:
            raise ValueError(f"budget_bytes: must be > 0, got {budget_bytes}")
        self.registry = registry if registry is not None else ModelRegistry()
        self.budget_bytes = budget_bytes
        self._lock = threading.RLock()
        self._loaded: OrderedDict[tuple[str, str, str], Detector] = OrderedDict()

    def get(
        self,
        model: str | os.PathLike[str] | ModelSpec,
        *,
        device: str = "auto",
        download: bool = False,
    ) -> Detector:
        """The detector for ``model`` on ``device``, loading it (and evicting older ones) if needed."""
        from .detectors import open_detector

        spec = self.registry.resolve(model, download=download)
        digest = file_sha256(spec.path)
        if spec.sha256 is not None and spec.sha256.lower() != digest:
            raise RecognitionError(
                f"model {spec.name!r}: {spec.path} has sha256 {digest}, expected {spec.sha256}; "
                "the file was replaced or is corrupt"
            )
        key = (digest, spec.backend, device)
        with self._lock:
            found = self._loaded.get(key)
            if found is not None:
                self._loaded.move_to_end(key)
                return found
            if spec.backend == "opencv":
                from .cascade import CascadeDetector

                detector: Detector = CascadeDetector.load(replace(spec, sha256=digest), device=device)
            else:
                detector = open_detector(replace(spec, sha256=digest), device=device)
            self._loaded[key] = detector
            self._evict()
            return detector

    def _evict(self) -> None:
        while len(self._loaded) > 1 and self.nbytes > self.budget_bytes:
            _, old = self._loaded.popitem(last=False)
            old.close()

    @property
    def nbytes(self) -> int:
        """Estimated memory held by the loaded models."""
        with self._lock:
            return sum(d.nbytes for d in self._loaded.values())

    @property
    def loaded(self) -> list[str]:
        """Names of the loaded models, least recently used first."""
        with self._lock:
            return [d.name for d in self._loaded.values()]

    def clear(self) -> None:
        """Unload every model."""
        with self._lock:
            for d in self._loaded.values():
                d.close()
            self._loaded.clear()


_default: ModelManager | None = None  # default_manager(): made on first use, here only
_default_lock = threading.Lock()


def default_manager() -> ModelManager:
    """The process default: what ``recognize`` uses when given no manager, and the default Studio's.

    Every other Studio loads its models in a manager of its own (``studio.services.models``).
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = ModelManager()
        return _default
