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
import xml.etree.ElementTree as ET
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


def stream_xml(root: ET.Element, evt: dict) -> bytes:
    """The XML form of a stream event (oculi/data/event.xsd): the processor and the event's scalars as the
    attributes of <stream>, then the label (<labels>) or the face and its match (<faces>), as image events
    have them; a failed processor's message as <error>."""
    from oculi.services.events import _attrs

    p = evt["stream"]
    _attrs(ET.SubElement(root, "stream"), name=p["name"], arn=p["arn"], account=p.get("account"),
           region=p.get("region"), sessionId=p.get("session_id"), input=p.get("input"), status=evt.get("status"),
           frameOffsetSeconds=evt.get("frame_offset_seconds"), frameReadAt=evt.get("frame_read_at"),
           frame=evt.get("frame"), firstFrame=evt.get("first_frame"), bestFrame=evt.get("best_frame"),
           bestFrameCrop=evt.get("best_frame_crop"), bestFrameOffsetSeconds=evt.get("best_frame_offset_seconds"),
           startOffsetSeconds=evt.get("start_offset_seconds"), endOffsetSeconds=evt.get("end_offset_seconds"))
    if "label" in evt:
        _attrs(ET.SubElement(ET.SubElement(root, "labels"), "label"), name=evt["label"]["name"],
               confidence=evt["label"]["confidence"])
    if "face" in evt:
        b, m = evt["face"]["box"], evt.get("match") or {}
        _attrs(ET.SubElement(ET.SubElement(root, "faces"), "face"), confidence=evt["face"]["confidence"],
               left=b["Left"], top=b["Top"], width=b["Width"], height=b["Height"], collection=m.get("collection"),
               userId=m.get("user_id"), externalImageId=m.get("external_image_id"), faceId=m.get("face_id"),
               similarity=m.get("similarity"))
    if evt.get("message") and evt.get("status") == "FAILED":
        ET.SubElement(root, "error").text = evt["message"]
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


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
