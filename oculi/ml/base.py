"""Base class of every model task and the registry of implementations, keyed by (task, implementation).

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
from typing import ClassVar, TypeVar

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
