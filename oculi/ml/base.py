"""`Models`: the implementation settings chose for each task, loaded once per process. The tasks' base class
and their registry, keyed by (task, implementation), are in oculi.ml.task.

A task kind (oculi.ml.interfaces: FaceDetector, FaceEmbedder, ...) sets `task`; an implementation subclasses a
kind and sets `implementation`, which registers it. A second class under the same key is an error at import
time: a same-named class silently replacing the first is how the old by-name registry lost models.
`Models.get(FaceDetector)` returns the implementation that settings chose for that task, loaded once per process.

Another runtime of the same model (dlib's face ResNet run by onnxruntime) subclasses it and sets `runtime`: it is
chosen as "<implementation>-<runtime>" but keeps the model's `implementation`, the name its outputs go by (the face
vectors a collection stores), so asking for that model by name gets whichever runtime settings chose.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TypeVar

from oculi.ml.pack import ModelPack
from oculi.ml.task import RegistryError, Task

__all__ = ["Models", "RegistryError", "Task", "kinds"]


T = TypeVar("T", bound=Task)


def kinds() -> dict[str, type[Task]]:
    """Every task kind by its task name (importing the implementations registers them)."""
    import oculi.ml.tasks  # noqa: F401
    from oculi.ml.interfaces import KINDS

    return {k.task: k for k in KINDS}


class Models:
    """The per-process set of task instances, created on first use and shared by all requests.

    `choice`: task name -> implementation (from OCULI_MODELS__<TASK>); tasks not named use their kind's default.
    """

    def __init__(self, pack: ModelPack, threads: int = 2, processes: int = 0,
                 choice: Mapping[str, str | None] | None = None):
        self.pack = pack
        self.threads = threads
        self.processes = processes
        known = kinds()
        unknown = set(choice or {}) - set(known)
        if unknown:
            raise RegistryError(f"no such model task: {', '.join(sorted(unknown))}; tasks are {', '.join(known)}")
        self.choice = {name: (choice or {}).get(name) or kind.default for name, kind in known.items()}
        for name, impl in self.choice.items():
            self._class(name, impl)
        self._tasks: dict[tuple[str, str], Task] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _class(task: str, implementation: str) -> type[Task]:
        cls = Task.registry.get((task, implementation))
        if cls is None:
            names = sorted(i for t, i in Task.registry if t == task)
            raise RegistryError(f"no {task} implementation named {implementation!r}; there are: {', '.join(names)}")
        return cls

    def implementation(self, kind: type[Task]) -> str:
        """The implementation (the model) settings chose for this kind of task, whatever runtime runs it."""
        return self._class(kind.task, self.choice[kind.task]).implementation

    def _resolve(self, kind: type[Task], implementation: str | None) -> tuple[str, str]:
        """The registry key to use: the chosen one, or the one named; a name that is the chosen class's model
        gets the chosen runtime."""
        chosen = self.choice[kind.task]
        if implementation is None or implementation == self._class(kind.task, chosen).implementation:
            return kind.task, chosen
        return kind.task, implementation

    def prepare(self) -> list[str]:
        """Derive (once per machine) what the chosen implementations make from their pinned files."""
        return [made for task, impl in self.choice.items() for made in self._class(task, impl).prepare(self.pack)]

    def model_class(self, kind: type[T], implementation: str | None = None) -> type[T]:
        """The class (its declared version and input size) without loading the model."""
        return self._class(*self._resolve(kind, implementation))  # type: ignore[return-value]

    def get(self, kind: type[T], implementation: str | None = None) -> T:
        """The loaded task: the chosen implementation of `kind`, or the one named (a collection's embedder)."""
        key = self._resolve(kind, implementation)
        task = self._tasks.get(key)
        if task is None:
            with self._lock:
                task = self._tasks.get(key)
                if task is None:
                    task = self._class(*key)(self.pack, self.threads, self.processes)
                    self._tasks[key] = task
        return task.load()  # type: ignore[return-value]
