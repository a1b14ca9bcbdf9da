"""Webhook deliveries go through the outbound guard at connect time: a receiver's name that resolved to a public
address when it was registered and resolves to 127.0.0.1 when the event is sent is refused, recorded as
refused, and never connected. Real services on a temporary SQLite database; resolution and connection are
injected, so no packet leaves the process."""

from __future__ import annotations

import pytest

from oculi.config import Settings
from oculi.net.addresses import AddressPolicy
from oculi.net.outbound import Outbound, OutboundRefused
from oculi.queue import Queue
from oculi.services.events import event
from oculi.services.jobs import JobService
from oculi.services.webhooks import WebhookService
from oculi.storage.db.session import session_factory
from tests.unit.test_outbound import Recorder, Resolver

IMAGE = {"id": "3f1c", "bucket": "oculi", "key": "uploads/a.jpg", "filename": "a.jpg", "source": "upload",
         "status": "done", "tags": []}


@pytest.fixture
def world(tmp_path):
    settings = Settings(data_dir=tmp_path, retry_base_seconds=0.01)
    sessions = session_factory(settings.db_url)
    jobs = JobService(sessions, None, settings)
    jobs.queue = Queue("memory://", jobs.run)
    resolver = Resolver({"hooks.example.com": [["93.184.216.34"], ["127.0.0.1"]]})
    connect = Recorder(b"HTTP/1.1 204 No Content\r\n\r\n")
    webhooks = WebhookService(sessions, jobs, settings, Outbound(AddressPolicy(), resolver, connect))
    jobs.handlers = {"deliver": webhooks}
    return jobs, webhooks, sessions, connect


def test_a_name_rebound_to_loopback_is_refused_at_delivery_and_recorded(world):
    jobs, webhooks, sessions, connect = world
    hook = webhooks.create("https://hooks.example.com/oculi", ["image.analyzed"])  # public at registration
    with sessions.begin() as s:
        (job_id,) = webhooks.outbox(s, [event("image.analyzed", IMAGE)])
    jobs.run(job_id)  # the name now answers 127.0.0.1
    assert connect.connected == []
    ((delivery, attempts),) = webhooks.deliveries(hook.id)
    assert delivery.state == "failed" and len(attempts) == 1  # a refusal is a decision: not retried
    assert attempts[0].status_code is None
    assert attempts[0].error.startswith("refused: hooks.example.com resolves to 127.0.0.1")
    assert jobs.get(job_id).state == "failed"


def test_registration_refuses_refused_addresses_with_the_reason(world):
    _, webhooks, _, _ = world
    for url, why in (("http://127.0.0.1:8080/hook", "loopback"), ("http://[::1]/hook", "loopback"),
                     ("http://0.0.0.0/hook", "unspecified"), ("http://2130706433/hook", "loopback"),
                     ("http://10.0.0.7/hook", "private"), ("http://[fd00:ec2::254]/", "metadata"),
                     ("http://169.254.169.254/latest/meta-data/", "metadata"), ("http://u:p@a.example.com/", "cred")):
        with pytest.raises(OutboundRefused, match=f"webhook url refused: .*{why}"):
            webhooks.create(url, ["*"])
    assert webhooks.list() == []
