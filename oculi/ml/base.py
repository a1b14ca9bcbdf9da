"""Base class of every model task: lazy, locked, once-per-process loading; a registry by name."""

from __future__ import annotations

import threading
from typing import ClassVar

from oculi.ml.pack import ModelPack


class Task:
    """A model task. Subclasses set `name` and `files`, implement `_load()` and a `predict(...)`.

    `load()` is idempotent and thread-safe; `predict` holds `self.lock` around the runtime call when the
    runtime is not re-entrant (LiteRT interpreters, dlib objects).
    """

    name: ClassVar[str]
    files: ClassVar[tuple[str, ...]] = ()
    registry: ClassVar[dict[str, type[Task]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            Task.registry[cls.name] = cls

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

    def versions(self) -> dict[str, str]:
        """The model (and package) behind this task, for result JSON and *ModelVersion fields."""
        out = {}
        for fid in self.files:
            f = next(x for x in self.pack.files() if x.id == fid)
            out[fid] = f"{f.model} ({f.package}=={f.version})"
        return out


class Models:
    """The per-process set of task instances, created on first use and shared by all requests."""

    def __init__(self, pack: ModelPack, threads: int = 2, processes: int = 0):
        self.pack = pack
        self.threads = threads
        self.processes = processes
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Task:
        task = self._tasks.get(name)
        if task is None:
            with self._lock:
                task = self._tasks.get(name)
                if task is None:
                    import oculi.ml.tasks  # noqa: F401  (registers the task classes)

                    task = Task.registry[name](self.pack, self.threads, self.processes)
                    self._tasks[name] = task
        return task.load()
