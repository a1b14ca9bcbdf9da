"""Where a stream processor's results go: Kinesis data streams (face search records), SNS topics
(connected-home notifications), the object store (frames), and Oculi's webhook outbox (signed, retried).

Kinesis and SNS are reached through Kinesis/SNS-compatible endpoints (OCULI_KINESIS_ENDPOINT_URL,
OCULI_SNS_ENDPOINT_URL; AWS when unset) with the process's usual AWS credentials, and published from the
processor's thread at once: an event is worth most when it is fresh. A publish that fails is retried a few
times within a second or two, then logged and counted; the webhooks go through the outbox (a first attempt at
once, from here), whose deliveries are retried for as long as the webhook says.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import UTC, datetime

from oculi.services.collections import Scope

LOG = logging.getLogger(__name__)


def _region_of(arn: str, default: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[3] else default


def _stream_name(arn: str) -> str:
    return arn.split(":stream/", 1)[-1].split("/", 1)[0]


def stream_event(kind: str, processor: dict, **payload) -> dict:
    """An Oculi event of a stream processor: `processor` is {name, arn, account, region, session_id}."""
    now = time.time()
    return {"id": str(uuid.uuid4()), "type": kind,
            "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "stream": processor, **{k: v for k, v in payload.items() if v is not None}}


class Outputs:
    """One per worker process: boto3 clients made once per (service, region) and shared by its runners."""

    def __init__(self, settings, store, webhooks, jobs):
        self.settings = settings
        self.store = store
        self.webhooks = webhooks
        self.jobs = jobs
        self._clients: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()

    def _client(self, service: str, region: str):
        import boto3

        with self._lock:
            key = (service, region)
            if key not in self._clients:
                endpoint = self.settings.kinesis_endpoint_url if service == "kinesis" else \
                    self.settings.sns_endpoint_url
                self._clients[key] = boto3.client(service, endpoint_url=endpoint, region_name=region)
            return self._clients[key]

    def _retry(self, what: str, call) -> bool:
        for attempt in range(3):
            try:
                call()
                return True
            except Exception as exc:  # the endpoint's errors are many; each is worth a retry, then a log
                if attempt == 2:
                    LOG.error("stream output failed: %s: %s", what, exc)
                    return False
                time.sleep(0.2 * 2 ** attempt)
        return False

    def kinesis(self, arn: str, scope: Scope, partition_key: str, record: dict) -> bool:
        client = self._client("kinesis", _region_of(arn, scope.region))
        data = json.dumps(record, separators=(",", ":")).encode()
        return self._retry(f"kinesis {arn}", lambda: client.put_record(
            StreamName=_stream_name(arn), Data=data, PartitionKey=partition_key))

    def sns(self, topic: str, scope: Scope, message: dict) -> bool:
        client = self._client("sns", _region_of(topic, scope.region))
        return self._retry(f"sns {topic}", lambda: client.publish(TopicArn=topic, Message=json.dumps(message)))

    def put_frame(self, bucket: str, key: str, jpeg: bytes) -> bool:
        return self._retry(f"store {bucket}/{key}", lambda: self.store.put(bucket, key, jpeg, "image/jpeg"))

    def webhook(self, events: list[dict]) -> None:
        """Committed to the outbox like every event, then the first attempt of each delivery is made here and
        now rather than when a queue consumer next polls (up to a second when idle): a failed attempt is
        retried through the queue as usual, and the claim makes sure a delivery runs once."""
        if not events:
            return
        with self.webhooks.sessions.begin() as s:
            job_ids = self.webhooks.outbox(s, events)
        for job_id in job_ids:
            self.jobs.run(job_id)
