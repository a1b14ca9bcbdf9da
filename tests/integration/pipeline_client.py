"""Small helpers over the REST API used by the pipeline tests."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.servers import wait_for


def upload(url: str, *paths: Path, wait: bool = True, **form) -> httpx.Response:
    files = [("files", (p.name, p.read_bytes())) for p in paths]
    return httpx.post(f"{url}/v1/images", files=files, data=form, params={"wait": str(wait).lower()}, timeout=300)


def image(url: str, image_id: str) -> dict:
    r = httpx.get(f"{url}/v1/images/{image_id}", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def wait_status(url: str, image_id: str, states=("done", "failed"), timeout: float = 120) -> dict:
    return wait_for(lambda: (img := image(url, image_id))["status"] in states and img, timeout,
                    f"image {image_id} to reach {states}", every=0.2)


def search(url: str, **params) -> list[str]:
    r = httpx.get(f"{url}/v1/images", params=params, timeout=30)
    assert r.status_code == 200, r.text
    return [x["filename"] for x in r.json()["data"]]


def s3_event(bucket: str, key: str, name: str = "ObjectCreated:Put", sequencer: str = "0055AED6DCD90281E5") -> dict:
    from urllib.parse import quote_plus

    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": name,
                         "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                                "object": {"key": quote_plus(key), "size": 1, "sequencer": sequencer}}}]}
