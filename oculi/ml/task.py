"""Base class of every model task, and the registry its implementations enter by subclassing it.

Its own module so that the task kinds (oculi.ml.interfaces) and the implementations (oculi.ml.tasks) import it
without importing `Models` (oculi.ml.base), which imports them: the registry is filled as they are imported.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from oculi.ml.pack import ModelPack


class RegistryError(RuntimeError):
    """Two implementations under one key, or a setting naming an implementation that does not exist."""


class Task:
    """A model task. Implementations set `implementation`, `files`, `version` (the model's name as the
    *ModelVersion strings show it) and `input_size` (pixels a side the network sees, None when it takes any),
    implement `_load()` and the kind's `predict(...)`.

    `load()` is idempotent and thread-safe; `predict` holds `self.lock` around the runtime call when the
    runtime is not re-entrant (LiteRT interpreters, dlib objects, OpenCV nets).
    """

    task: ClassVar[str]
    default: ClassVar[str]  # the implementation used when settings name none
    implementation: ClassVar[str]
    files: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = ""
    input_size: ClassVar[int | None] = None
    decode_side: ClassVar[int | None] = None  # pixels a side the image must keep, when more than input_size
    runtime: ClassVar[str] = ""  # another runtime of the same model, with the same outputs (tested): "onnx"
    registry: ClassVar[dict[tuple[str, str], type[Task]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "implementation" in cls.__dict__ or "runtime" in cls.__dict__:
            key = (cls.task, cls.selector())
            other = Task.registry.get(key)
            if other is not None and other is not cls:
                raise RegistryError(f"two implementations of {key[0]} named {key[1]!r}: "
                                    f"{other.__module__}.{other.__qualname__} and {cls.__module__}.{cls.__qualname__}")
            Task.registry[key] = cls

    def __init__(self, pack: ModelPack, threads: int = 2, processes: int = 0):
        self.pack = pack
        self.threads = threads
        self.processes = processes  # worker processes, for runtimes that hold the GIL (0: in this process)
        self.lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._loaded = False

    def load(self) -> Task:
        if not self._loaded:
            with self._load_lock:
                if not self._loaded:
                    self._load()
                    self._loaded = True
        return self

    def _load(self) -> None:
        raise NotImplementedError

    @classmethod
    def prepare(cls, pack: ModelPack) -> list[str]:
        """Make what this implementation derives from its pinned files (a graph converted for another runtime),
        so that no request waits for it; the names of what was made (nothing: it was there already, or this
        implementation derives nothing). `oculi models fetch` and `oculi serve` call it for the chosen ones."""
        return []

    @classmethod
    def selector(cls) -> str:
        """The name settings choose this class by: its implementation, and its runtime when it has one."""
        return f"{cls.implementation}-{cls.runtime}" if cls.runtime else cls.implementation

    @classmethod
    def needs_side(cls) -> int:
        """The fewest pixels a side a decoded image must keep for this model (0: it takes any size)."""
        return cls.decode_side or cls.input_size or 0

    def versions(self) -> dict[str, str]:
        """The model (and package) behind this task, for result JSON."""
        out = {}
        for fid in self.files:
            f = next(x for x in self.pack.files() if x.id == fid)
            out[fid] = f"{f.model} ({f.package}=={f.version})"
        return out
