"""Webhooks: subscriptions, the outbox of deliveries, and the signed, retried HTTP POST.

Signature (Stripe's scheme): header `X-Oculi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>." + body)>`; receivers recompute it and reject old timestamps (see `verify`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from oculi import metrics
from oculi.config import Settings
from oculi.net.outbound import FetchFailed, Outbound, OutboundRefused
from oculi.services.errors import ErrorKind, InvalidParameter, ServiceError
from oculi.services.events import CONTENT_TYPES, EVENT_TYPES, render
from oculi.services.jobs import JobRun, JobService, PermanentFailure, RetryLater
from oculi.storage.db.models import Delivery, DeliveryAttempt, Webhook

LOG = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Oculi-Signature"


class WebhookNotFound(ServiceError):
    """No webhook (or delivery) with that id."""

    kind = ErrorKind.NOT_FOUND


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, tolerance: float = 300.0, now: float | None = None) -> bool:
    """What a receiver does: recompute the signature and refuse replays older than `tolerance` seconds."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), f"t={timestamp},v1={parts.get('v1', '')}")


@dataclass(frozen=True)
class WebhookInfo:
    id: str
    url: str
    events: list[str]
    format: str
    retry_for_seconds: float
    created_at: float
    secret: str | None = None  # shown once, when created


def _info(row: Webhook, secret: bool = False) -> WebhookInfo:
    return WebhookInfo(row.id, row.url, json.loads(row.events), row.format, row.retry_for_seconds, row.created_at,
                       row.secret if secret else None)


class WebhookService:
    def __init__(self, sessions: sessionmaker, jobs: JobService, settings: Settings, outbound: Outbound | None = None):
        self.sessions = sessions
        self.jobs = jobs
        self.settings = settings
        self.outbound = outbound or Outbound.from_settings(settings, user_agent="Oculi-Webhooks/1")

    # -- subscriptions ----------------------------------------------------------------------------

    def create(self, url: str, events: list[str], fmt: str = "json", secret: str | None = None,
               retry_for_seconds: float | None = None) -> WebhookInfo:
        if not url.startswith(("http://", "https://")):
            raise InvalidParameter("the webhook url must be http:// or https://")
        unknown = set(events) - set(EVENT_TYPES) - {"*"}
        if unknown or not events:
            raise InvalidParameter(f"unknown events {sorted(unknown)}; choose from {', '.join(EVENT_TYPES)} or *")
        if fmt not in CONTENT_TYPES:
            raise InvalidParameter("format must be json or xml")
        try:  # the address is checked again at every delivery: this only catches the obvious early
            self.outbound.check(url)
        except OutboundRefused as exc:
            raise OutboundRefused(f"webhook url refused: {exc}") from None
        row = Webhook(id=str(uuid.uuid4()), url=url, events=json.dumps(sorted(set(events))), format=fmt,
                      secret=secret or secrets.token_hex(32), created_at=time.time(),
                      retry_for_seconds=retry_for_seconds or self.settings.webhook_retry_for_seconds)
        with self.sessions.begin() as s:
            s.add(row)
        return _info(row, secret=True)

    def get(self, webhook_id: str) -> WebhookInfo:
        with self.sessions() as s:
            return _info(self._row(s, webhook_id))

    def list(self) -> list[WebhookInfo]:
        with self.sessions() as s:
            return [_info(r) for r in s.scalars(select(Webhook).order_by(Webhook.created_at))]

    def delete(self, webhook_id: str) -> None:
        with self.sessions.begin() as s:
            s.delete(self._row(s, webhook_id))

    @staticmethod
    def _row(s: Session, webhook_id: str) -> Webhook:
        row = s.get(Webhook, webhook_id)
        if row is None:
            raise WebhookNotFound(f"webhook {webhook_id} does not exist")
        return row

    # -- the outbox -------------------------------------------------------------------------------

    def outbox(self, s: Session, events: list[dict]) -> list[str]:
        """Deliveries (and their jobs) for every subscriber of these events, in the caller's transaction;
        returns the job ids to enqueue after the commit."""
        hooks = list(s.scalars(select(Webhook)))
        job_ids, now = [], time.time()
        for evt in events:
            for hook in hooks:
                wanted = json.loads(hook.events)
                if evt["type"] not in wanted and "*" not in wanted:
                    continue
                body = render(evt, hook.format)
                delivery = Delivery(id=str(uuid.uuid4()), webhook_id=hook.id, event_id=evt["id"], event=evt["type"],
                                    body=body, state="pending", attempts=0, created_at=now,
                                    deadline=now + hook.retry_for_seconds)
                s.add(delivery)
                job_ids.append(self.jobs.add(s, "deliver", delivery.id))
        return job_ids

    def deliveries(self, webhook_id: str, limit: int = 100) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
        with self.sessions() as s:
            self._row(s, webhook_id)
            rows = list(s.scalars(select(Delivery).where(Delivery.webhook_id == webhook_id)
                                  .order_by(Delivery.created_at.desc()).limit(limit)))
            attempts = {}
            for a in s.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_([d.id for d in rows]))
                               .order_by(DeliveryAttempt.number)):
                attempts.setdefault(a.delivery_id, []).append(a)
            return [(d, attempts.get(d.id, [])) for d in rows]

    def replay(self, webhook_id: str, delivery_id: str) -> Delivery:
        """Send a delivery again (delivered or failed): a new retry window and a new job."""
        with self.sessions.begin() as s:
            hook = self._row(s, webhook_id)
            row = s.get(Delivery, delivery_id)
            if row is None or row.webhook_id != webhook_id:
                raise WebhookNotFound(f"delivery {delivery_id} of webhook {webhook_id} does not exist")
            row.state, row.deadline = "pending", time.time() + hook.retry_for_seconds
            job_id = self.jobs.add(s, "deliver", row.id)
        self.jobs.enqueue([job_id])
        return row

    # -- the job handler --------------------------------------------------------------------------

    def run(self, job: JobRun) -> list[str]:
        with self.sessions() as s:
            row = s.get(Delivery, job.ref)
            hook = s.get(Webhook, row.webhook_id) if row else None
        if row is None or hook is None:  # the webhook was deleted meanwhile
            with self.sessions.begin() as s:
                job.finish(s)
            return []
        number = row.attempts + 1
        timestamp = int(time.time())
        headers = {"Content-Type": CONTENT_TYPES[hook.format], SIGNATURE_HEADER: sign(hook.secret, row.body, timestamp),
                   "X-Oculi-Timestamp": str(timestamp), "X-Oculi-Event": row.event, "X-Oculi-Delivery": row.id,
                   "User-Agent": "Oculi-Webhooks/1"}
        started = time.perf_counter()
        status, error, refused = None, None, False
        try:  # through the guard: the address is checked when the connection is made, not before
            status = self.outbound.post(hook.url, row.body, headers, self.settings.webhook_timeout)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except OutboundRefused as exc:  # nothing was sent: recorded, and not retried (it is a decision)
            error, refused = f"refused: {exc}", True
        except FetchFailed as exc:
            error = str(exc)
        ms = (time.perf_counter() - started) * 1000
        ok = error is None
        with self.sessions.begin() as s:
            s.add(DeliveryAttempt(delivery_id=row.id, number=number, at=time.time(), status_code=status,
                                  error=error, duration_ms=ms))
            s.execute(update(Delivery).where(Delivery.id == row.id)
                      .values(attempts=number, state="delivered" if ok else "pending"))
            if ok:
                job.finish(s)
        metrics.WEBHOOK_DELIVERIES.labels("delivered" if ok else "error").inc()
        if ok:
            return []
        if refused:
            raise PermanentFailure(error)
        delay = self.jobs.backoff(number)
        if time.time() + delay > row.deadline:
            raise PermanentFailure(f"{error}; gave up after {number} attempts (retry window over)")
        raise RetryLater(error, delay)

    def failed(self, job: JobRun, error: str) -> None:
        with self.sessions.begin() as s:
            s.execute(update(Delivery).where(Delivery.id == job.ref).values(state="failed"))
        metrics.WEBHOOK_FAILURES.inc()
