"""Runtimes behind one small protocol: `run(inputs: list[np.ndarray]) -> list[np.ndarray]`.

Execution providers and thread counts are configuration, not code in the tasks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class Session(Protocol):
    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]: ...


class OnnxSession:
    def __init__(self, path: Path, threads: int = 2, providers: list[str] | None = None):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # idle intra-op threads sleep instead of spinning: a server runs requests side by side, and spinning
        # threads took the cores that the other request (or the HTTP front) needed (bench/image_ops.py)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._sess = ort.InferenceSession(str(path), opts, providers=providers or ["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._sess.get_inputs()]

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return self._sess.run(None, dict(zip(self._inputs, inputs, strict=True)))


class LiteRtSession:
    """ai-edge-litert interpreter. One interpreter is not re-entrant: callers hold the task lock."""

    def __init__(self, path: Path, threads: int = 2):
        from ai_edge_litert.interpreter import Interpreter

        self._interp = Interpreter(model_path=str(path), num_threads=threads)
        self._interp.allocate_tensors()
        self.input_details = self._interp.get_input_details()
        self.output_details = self._interp.get_output_details()

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        for detail, value in zip(self.input_details, inputs, strict=True):
            self._interp.set_tensor(detail["index"], value.astype(detail["dtype"], copy=False))
        self._interp.invoke()
        return [self._interp.get_tensor(d["index"]).copy() for d in self.output_details]


class OpenCvDnnSession:
    def __init__(self, graph: Path, config: Path, threads: int = 2):
        import cv2

        cv2.setNumThreads(threads)
        self._net = cv2.dnn.readNetFromTensorflow(str(graph), str(config))

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        self._net.setInput(inputs[0])
        return [self._net.forward()]
