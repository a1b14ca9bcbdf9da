"""/v1/webhooks: subscribe a URL to events, see each delivery and its attempts, replay one."""

from __future__ import annotations

from fastapi import APIRouter, Response

from oculi.api.deps import ServicesDep
from oculi.api.event_payloads import callbacks as event_callbacks
from oculi.api.schemas import (
    AttemptPublic,
    DeliveriesPublic,
    DeliveryPublic,
    WebhookCreate,
    WebhookPublic,
    WebhooksPublic,
)

router = APIRouter()


@router.post("/webhooks", status_code=201, response_model=WebhookPublic, callbacks=event_callbacks.routes)
def create_webhook(svc: ServicesDep, body: WebhookCreate) -> WebhookPublic:
    """Subscribe a URL to events. An image's events carry the image and its result as GET /v1/images/{id}
    has it (ImageEventV1, in this operation's callbacks)."""
    info = svc.webhooks.create(body.url, body.events, body.format, body.secret, body.retry_for_seconds)
    return WebhookPublic(**vars(info))


@router.get("/webhooks", response_model=WebhooksPublic)
def list_webhooks(svc: ServicesDep) -> WebhooksPublic:
    rows = svc.webhooks.list()
    return WebhooksPublic(data=[WebhookPublic(**vars(i)) for i in rows], count=len(rows))


@router.get("/webhooks/{webhook_id}", response_model=WebhookPublic)
def get_webhook(svc: ServicesDep, webhook_id: str) -> WebhookPublic:
    return WebhookPublic(**vars(svc.webhooks.get(webhook_id)))


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(svc: ServicesDep, webhook_id: str) -> Response:
    svc.webhooks.delete(webhook_id)
    return Response(status_code=204)


def _delivery(d, attempts) -> DeliveryPublic:
    return DeliveryPublic(id=d.id, event_id=d.event_id, event=d.event, state=d.state, attempts=d.attempts,
                          created_at=d.created_at, deadline=d.deadline,
                          history=[AttemptPublic(number=a.number, at=a.at, status_code=a.status_code, error=a.error,
                                                 duration_ms=a.duration_ms) for a in attempts])


@router.get("/webhooks/{webhook_id}/deliveries", response_model=DeliveriesPublic)
def list_deliveries(svc: ServicesDep, webhook_id: str, limit: int = 100) -> DeliveriesPublic:
    rows = svc.webhooks.deliveries(webhook_id, limit)
    return DeliveriesPublic(data=[_delivery(d, a) for d, a in rows], count=len(rows))


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", status_code=202,
             response_model=DeliveryPublic)
def replay_delivery(svc: ServicesDep, webhook_id: str, delivery_id: str) -> DeliveryPublic:
    d = svc.webhooks.replay(webhook_id, delivery_id)
    return _delivery(d, [])
