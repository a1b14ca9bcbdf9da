"""One running stream processor: a reader thread that decodes the source as fast as it delivers, and the
analysis loop that takes at most `stream_max_fps` frames a second from it.

Between the two sits a one-frame mailbox: the reader puts each frame that is due (by the frame-rate cap) there,
replacing one the analysis has not taken yet (a dropped frame, counted), so a slow analysis never makes the
reader fall behind a live camera, and events are about what the camera sees now. What a frame gave (frames to
store, Kinesis records, SNS messages, webhook events) is sent in order by a third thread, so the analysis never
waits on the network (nor on JPEG encoding). The runner writes the processor's status only through the fenced
calls of StreamService: a runner whose lease was taken over (`abandon`) stops without a word.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from oculi.services.collections import Scope
from oculi.services.streams import CONNECTED_HOME, FAILED, RUNNING, STARTING, STOPPED, ProcessorInfo, StreamService
from oculi.streams import stats
from oculi.streams.modes import ConnectedHomeMode, FaceSearchMode, Result, jpeg
from oculi.streams.outputs import Outputs, stream_event
from oculi.streams.regions import Regions
from oculi.streams.source import LiveFrame, Source, SourceFailed, describe_error
from oculi.video.features import Context

LOG = logging.getLogger(__name__)


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Mailbox:
    def __init__(self):
        self.item: LiveFrame | None = None
        self.cond = threading.Condition()

    def put(self, item: LiveFrame) -> bool:
        """False when it replaced a frame not yet taken."""
        with self.cond:
            replaced = self.item is not None
            self.item = item
            self.cond.notify()
            return not replaced

    def take(self, timeout: float) -> LiveFrame | None:
        with self.cond:
            if self.item is None:
                self.cond.wait(timeout)
            item, self.item = self.item, None
            return item


class Runner:
    def __init__(self, info: ProcessorInfo, service: StreamService, outputs: Outputs, models, collections,
                 settings):
        self.info = info
        self.epoch = info.epoch
        self.service = service
        self.outputs = outputs
        self.models = models
        self.collections = collections
        self.settings = settings
        self.scope = Scope(info.account, info.region)
        self.stop = threading.Event()
        self.fenced = False
        self.done = threading.Event()
        self.message: str | None = None  # the StatusMessage while running (gaps)
        self.pending: ProcessorInfo | None = None  # new settings from UpdateStreamProcessor
        self.failure: str | None = None
        self.gap: tuple[float, str, int] | None = None  # (dropped at, why, reconnections) until a frame comes
        self.source: Source | None = None
        self.mailbox = Mailbox()
        self.outbox: queue.Queue = queue.Queue()  # (Result, LiveFrame | None), None ends the sender
        self.label = info.name if info.account == settings.rest_account else f"{info.account}/{info.name}"
        self.thread = threading.Thread(target=self._run, name=f"oculi-stream-{info.name}", daemon=True)

    # -- control, from the worker's loop ----------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    def request_stop(self) -> None:
        self.stop.set()
        if self.source:
            self.source.stop.set()

    def abandon(self) -> None:
        """The lease is lost: stop, and write nothing more."""
        self.fenced = True
        self.request_stop()

    def reload(self, info: ProcessorInfo) -> None:
        self.pending = info

    # -- the work ---------------------------------------------------------------------------------

    def summary(self) -> dict:
        i = self.info
        return {"name": i.name, "arn": i.arn, "account": i.account, "region": i.region, "session_id": i.session_id,
                "input": i.input_arn}

    def _run(self) -> None:
        status, message = STOPPED, None
        try:
            status, message = self._work()
        except Exception as exc:  # a bug or a model failure: FAILED with the reason, never a silent thread death
            LOG.exception("stream processor failed")
            status, message = FAILED, f"Stream processing failed: {type(exc).__name__}: {exc}"
        finally:
            if not self.fenced and self.service.release(self.info.id, self.epoch, status, message):
                self._announce_end(status, message)
            self.done.set()
            LOG.info("stream processor ended", extra={"processor": self.info.name, "status": status,
                                                      "fenced": self.fenced})

    def _work(self) -> tuple[str, str | None]:
        info = self.info
        url = self.service.source_for(info.input_arn)
        if not url:
            return FAILED, (f"No source is registered for the Kinesis video stream {info.input_arn}: register "
                            "one with PUT /v1/streams/sources, `oculi streams add-source` or OCULI_STREAM_SOURCES")
        ctx = Context(self.models, self.collections, self.scope, self.settings.face_tile_min_side)
        regions = Regions(info.regions)
        if info.mode == CONNECTED_HOME:
            mode = ConnectedHomeMode(ctx, info, regions, self.settings.stream_session_gap_seconds)
        else:
            mode = FaceSearchMode(ctx, info, regions)
        self.source = Source(url, self.settings.stream_connect_timeout, self.settings.stream_reconnect_max_seconds,
                             on_gap=self._gap)
        reader = threading.Thread(target=self._read, name=f"oculi-stream-read-{info.name}", daemon=True)
        reader.start()
        sender = threading.Thread(target=self._send, name=f"oculi-stream-send-{info.name}", daemon=True)
        sender.start()
        start_at = ((info.start_selector or {}).get("KVSStreamStartSelector") or {}).get("ProducerTimestamp")
        max_duration = (info.stop_selector or {}).get("MaxDurationInSeconds") if info.mode == CONNECTED_HOME \
            else None
        began = info.started_at or time.time()  # StartStreamProcessor's time: a worker taking over keeps the clock
        running = False
        max_side = 1280 if info.mode != CONNECTED_HOME else 640
        try:
            while not self.stop.is_set():
                if max_duration and time.time() - began >= max_duration:
                    return STOPPED, f"Stopped after MaxDurationInSeconds ({max_duration} s)"
                live = self.mailbox.take(0.25)
                if self.failure:
                    return FAILED, self.failure
                if live is None:
                    continue
                if not running:
                    running = True
                    self.service.transition(info.id, self.epoch, (STARTING,), RUNNING)
                if start_at and live.read_at * 1000 < start_at:
                    continue
                if self.pending is not None:
                    self.info, self.pending = self.pending, None
                    mode.regions = Regions(self.info.regions)
                    if isinstance(mode, ConnectedHomeMode):
                        mode.configure(self.info)
                rgb = live.frame.rgb(max_side)
                result = mode.frame(live, rgb, live.read_at - began)
                stats.FRAMES_ANALYSED.labels(self.label).inc()
                if result.kinesis or result.sns or result.events or result.frames:
                    self.outbox.put((result, live))  # sent by its own thread: the analysis never waits on I/O
            return STOPPED, None
        finally:
            self.source.stop.set()
            if not self.fenced:
                self.outbox.put((mode.close(), None))
            self.outbox.put(None)
            sender.join(timeout=30)  # what was found is sent before the processor says it stopped
            reader.join(timeout=self.settings.stream_connect_timeout + 1)

    def _read(self) -> None:
        every = 1.0 / self.settings.stream_max_fps
        due = 0.0
        try:
            for live in self.source.frames():
                stats.FRAMES_READ.labels(self.label).inc()
                if self.gap is not None:  # back after a drop: the status says for how long it was away
                    since, reason, count = self.gap
                    self.gap = None
                    self.message = (f"Source dropped at {_utc(since)} ({reason}) and was back "
                                    f"{live.read_at - since:.1f} s later; {count} reconnection(s) so far")
                if live.read_at >= due:
                    due = max(due + every, live.read_at - every / 2)  # the grid, not a drift after a stall
                    if not self.mailbox.put(live):
                        stats.FRAMES_DROPPED.labels(self.label).inc()
        except SourceFailed as exc:
            self.failure = str(exc)
        except Exception as exc:  # the decoder's surprises: the processor fails with the reason
            LOG.exception("stream reader failed")
            self.failure = describe_error(self.source.url, exc)  # the cause, without the URL's password
        finally:
            with self.mailbox.cond:
                self.mailbox.cond.notify()

    def _gap(self, reason: str, reconnects: int) -> None:
        stats.RECONNECTS.labels(self.label).inc()
        since = self.gap[0] if self.gap is not None else time.time()
        self.gap = (since, reason, reconnects)
        self.message = (f"Source dropped at {_utc(since)} ({reason}); reconnecting with back-off, {reconnects} "
                        "reconnection(s) so far")

    def _send(self) -> None:
        while (item := self.outbox.get()) is not None:
            if self.fenced:
                continue
            try:
                self._emit(*item)
            except Exception:  # one lost output must not end the processor; each output logs its own failures
                LOG.exception("stream output failed")

    def _emit(self, result: Result, live: LiveFrame | None) -> None:
        info = self.info
        for key, rgb in result.frames:
            self.outputs.put_frame(info.s3_bucket, key, jpeg(rgb))
        for record in result.kinesis:
            self.outputs.kinesis(info.kinesis_arn, self.scope, info.name, record)
        for message in result.sns:
            self.outputs.sns(info.sns_topic, self.scope, message)
        events = [stream_event(kind, self.summary(), **payload) for kind, payload in result.events]
        self.outputs.webhook(events)
        self._record(events)
        for kind, _ in result.events:
            stats.EVENTS.labels(self.label, kind).inc()
        if live is not None and (result.kinesis or result.sns or events):
            stats.EVENT_LATENCY.labels(self.label).observe(time.time() - live.read_at)

    def _record(self, events: list[dict]) -> None:
        """The processor's last events, each with the frame it is about (REST /v1/streams, the pages)."""
        frames = {}
        for evt in events:
            uri = evt.get("best_frame") or evt.get("frame")
            if uri and uri.startswith("s3://") and "/" in uri[5:]:
                bucket, key = uri[5:].split("/", 1)
                frames[evt["id"]] = (bucket, key)
        self.service.record(self.info.id, events, frames)

    def _announce_end(self, status: str, message: str | None) -> None:
        info = self.info
        try:
            if info.mode == CONNECTED_HOME and info.sns_topic:
                self.outputs.sns(info.sns_topic, self.scope, {
                    "inputInformation": {"kinesisVideo": {"streamArn": info.input_arn}},
                    "eventNamespace": {"type": "STREAM_PROCESSING_COMPLETE"},
                    "streamProcessingResults": {"message": "Stream Processing Success." if status == STOPPED
                                                else f"Stream Processing Failed: {message}"},
                    "sessionId": info.session_id, "startStreamProcessorSessionId": info.session_id})
            stopped = [stream_event("stream.stopped", self.summary(), status=status, message=message)]
            self.outputs.webhook(stopped)
            self._record(stopped)
        except Exception:  # the processor is stopped either way
            LOG.exception("the end of stream processor %s was not announced", info.name)
