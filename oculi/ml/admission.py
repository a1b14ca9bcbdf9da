"""Bounded concurrency by cost: slow work waits only for other slow work.

A model shared by a process's request threads used to sit behind one lock, so an 80x80 image that reads in
0.6 s alone waited 113 s behind hostile ones (issue 9). Work is admitted instead by its estimated cost, into one
of two classes with their own bounds: small requests never queue behind large ones, and the memory a process
can hold at once is at most `heavy` large requests plus `light` small ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Admission:
    def __init__(self, heavy_above: float, heavy: int = 1, light: int = 4):
        self.heavy_above = heavy_above
        self._heavy = threading.BoundedSemaphore(heavy)
        self._light = threading.BoundedSemaphore(light)

    def is_heavy(self, cost: float) -> bool:
        return cost > self.heavy_above

    @contextmanager
    def slot(self, cost: float) -> Iterator[bool]:
        """Hold a slot of the class `cost` falls in while the work runs; yields whether it was heavy."""
        heavy = self.is_heavy(cost)
        gate = self._heavy if heavy else self._light
        with gate:
            yield heavy
