"""An image's webhook events carry its result in the one public schema: a receiver on loopback gets, in JSON and
in XML, a result that validates against ResultV1 and equals what GET /v1/images/{id} answers; the payload model
is in the OpenAPI document."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from importlib import resources

import httpx
import xmlschema

from oculi.api.event_payloads import ImageEventV1
from oculi.api.results import ResultV1
from tests.conftest import data
from tests.integration.pipeline_client import upload
from tests.servers import Receiver, wait_for
from tests.unit.test_events import xml_to_json

OBAMA = "faces/face_recognition/examples/obama.jpg"


def subscribe(url: str, receiver: Receiver, fmt: str) -> str:
    r = httpx.post(f"{url}/v1/webhooks", json={"url": receiver.url, "events": ["*"], "format": fmt})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_events_carry_the_result_as_get_answers_it_in_json_and_xml(srv):
    collection = f"hooks-{uuid.uuid4().hex[:8]}"
    assert httpx.post(f"{srv.url}/v1/collections", json={"name": collection}).status_code == 201
    photo = data(OBAMA)
    enrolled = httpx.post(f"{srv.url}/v1/collections/{collection}/enrol", data={"user_id": "barack"},
                          files={"image": (photo.name, photo.read_bytes())}, timeout=120)
    assert enrolled.json()["indexed"], enrolled.text
    as_json, as_xml = Receiver(), Receiver()
    hooks = [subscribe(srv.url, as_json, "json"), subscribe(srv.url, as_xml, "xml")]
    try:
        r = upload(srv.url, data("faces/face_recognition/examples/obama2.jpg"), collections=collection,
                   features="labels,faces,text,moderation,properties")
        image_id = r.json()["data"][0]["id"]
        wait_for(lambda: all(rc.of(k) for rc in (as_json, as_xml) for k in ("image.analyzed", "face.matched")),
                 60, "image.analyzed and face.matched in both formats")
        stored = httpx.get(f"{srv.url}/v1/images/{image_id}").json()["result"]
        assert stored["faces"][0]["match"]["user_id"] == "barack"

        for kind in ("image.analyzed", "face.matched"):
            (body,) = as_json.json(kind)
            ImageEventV1.model_validate(body)
            ResultV1.model_validate(body["result"])
            assert body["type"] == kind and body["image"]["id"] == image_id
            assert body["result"] == stored
            assert set(body) == {"id", "type", "time", "image", "result"}

        schema = xmlschema.XMLSchema(str(resources.files("oculi").joinpath("data/event.xsd")))
        for kind in ("image.analyzed", "face.matched"):
            (request,) = as_xml.of(kind)
            schema.validate(request["body"].decode())  # strictly: json-xml.xsd is imported, not skipped
            root = ET.fromstring(request["body"])
            (fn_map,) = root.find("{urn:oculi:events:1}result")
            result = xml_to_json(fn_map)
            ResultV1.model_validate(result)
            assert result == stored
        faces = ET.fromstring(as_xml.of("face.matched")[0]["body"]).findall(".//{urn:oculi:events:1}face")
        assert [f.get("userId") for f in faces] == ["barack"]
    finally:
        for hook in hooks:
            httpx.delete(f"{srv.url}/v1/webhooks/{hook}")
        httpx.delete(f"{srv.url}/v1/collections/{collection}")
        as_json.stop()
        as_xml.stop()


def test_the_image_event_payload_is_in_the_openapi_document(srv):
    doc = httpx.get(f"{srv.url}/openapi.json").json()
    callbacks = doc["paths"]["/v1/webhooks"]["post"]["callbacks"]
    (operation,) = [op["post"] for cb in callbacks.values() for op in cb.values()]
    content = operation["requestBody"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ImageEventV1"}
    assert "application/xml" in content
    event = doc["components"]["schemas"]["ImageEventV1"]
    assert {"$ref": "#/components/schemas/ResultV1"} in event["properties"]["result"]["anyOf"]
