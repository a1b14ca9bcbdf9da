"""The stream processors a worker process runs: a loop that renews each runner's lease (the fenced way, as a
job's), passes Stop and Update on to it, and claims processors that want running and have no live worker, up
to `stream_worker_capacity`, one a tick (so that processors started together spread over the workers). A
worker killed with kill -9 stops renewing; after `stream_lease_seconds` another worker's loop claims its
processors and runs them on (a new runner, the same session).
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from oculi.services.streams import RUNNING, STOPPED, STOPPING, UPDATING, StreamService
from oculi.streams.outputs import Outputs
from oculi.streams.runner import Runner

LOG = logging.getLogger(__name__)


class StreamWorker:
    def __init__(self, service: StreamService, outputs: Outputs, models, collections, settings):
        self.service = service
        self.outputs = outputs
        self.models = models
        self.collections = collections
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.runners: dict[str, Runner] = {}

    def tick(self) -> None:
        for pid, runner in list(self.runners.items()):
            if runner.done.is_set():
                del self.runners[pid]
                continue
            info = self.service.renew(pid, runner.epoch, status_message=runner.message)
            if info is None:
                LOG.warning("stream processor %s was taken over or removed; letting it go", runner.info.name)
                runner.abandon()
                del self.runners[pid]
            elif info.status == STOPPING:
                runner.request_stop()
            elif info.status == UPDATING:
                runner.reload(info)
                self.service.transition(pid, runner.epoch, (UPDATING,), RUNNING, runner.message)
        if len(self.runners) >= self.settings.stream_worker_capacity:
            return
        for pid in self.service.claimable():  # one claim a tick: processors spread over the live workers
            info = self.service.claim(pid, self.owner)
            if info is None:
                continue  # another worker was quicker
            if info.status == STOPPING:  # its worker died while stopping it: nothing to run, only to finish
                self.service.release(pid, info.epoch, STOPPED, None)
                continue
            LOG.info("stream processor claimed", extra={"processor": info.name, "epoch": info.epoch,
                                                         "status": info.status})
            runner = Runner(info, self.service, self.outputs, self.models, self.collections, self.settings)
            self.runners[pid] = runner
            runner.start()
            return

    def run(self, stop: threading.Event) -> None:
        every = min(1.0, self.settings.stream_lease_seconds / 3)
        while not stop.wait(every):
            try:
                self.tick()
            except Exception:
                LOG.exception("stream worker tick failed")
        for runner in self.runners.values():
            runner.abandon()  # a worker shutting down leaves its processors to be taken over

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="oculi-stream-worker", daemon=True)
        thread.start()
        return thread


def start_stream_worker(services, stop: threading.Event) -> threading.Thread | None:
    """Run stream processors in this worker process (services: oculi.wiring.Services)."""
    if services.settings.stream_worker_capacity <= 0:
        return None
    outputs = Outputs(services.settings, services.analyzer.store, services.webhooks, services.jobs)
    worker = StreamWorker(services.streams, outputs, services.analyzer.models, services.collections,
                          services.settings)
    return worker.start(stop)
