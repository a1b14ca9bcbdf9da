"""The REST additions the web pages use (each in the OpenAPI document): analysis without storing, compare,
collections with counts / enrol / search / delete, thumbnails made once and cached, tag edits, models, health."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.conftest import data

EX = "faces/face_recognition/examples"
T = 180


def post_image(url: str, path: str, rel, field: str = "image", **form) -> httpx.Response:
    with open(data(rel), "rb") as fh:
        return httpx.post(url + path, files={field: (str(rel).rsplit("/", 1)[-1], fh)}, data=form, timeout=T)


@pytest.fixture(scope="module")
def url(server):
    return server[0]


def test_openapi_lists_the_new_routes(url):
    paths = httpx.get(url + "/openapi.json", timeout=30).json()["paths"]
    for path in ["/v1/analyze", "/v1/compare", "/v1/collections", "/v1/collections/{collection}/enrol",
                 "/v1/collections/{collection}/search", "/v1/collections/{collection}/users",
                 "/v1/images/{image_id}/thumbnail", "/v1/models", "/v1/health"]:
        assert path in paths, path
    assert "patch" in paths["/v1/images/{image_id}"]


def test_analyze_stores_nothing(url):
    before = httpx.get(url + "/v1/images", params={"limit": 1000}, timeout=30).json()["count"]
    r = post_image(url, "/v1/analyze", f"{EX}/two_people.jpg", features="labels,faces,properties")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["image"] == {"width": 1126, "height": 661, "format": "JPEG"}
    assert len(out["faces"]) == 2 and out["faces"][0]["box"]["width"] >= out["faces"][1]["box"]["width"]
    assert out["faces"][0]["attributes"]["age_range"] and "text" not in out
    assert "Person" in [lb["name"] for lb in out["labels"]] and out["properties"]["dominant_colors"]
    assert httpx.get(url + "/v1/images", params={"limit": 1000}, timeout=30).json()["count"] == before
    bad = httpx.post(url + "/v1/analyze", files={"image": ("x.jpg", b"not an image")}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]
    unknown = post_image(url, "/v1/analyze", f"{EX}/obama_small.jpg", features="labels,colours")
    assert unknown.status_code == 400 and "colours" in unknown.json()["message"]


def test_compare(url):
    with open(data(f"{EX}/obama.jpg"), "rb") as a, open(data(f"{EX}/knn_examples/test/obama_and_biden.jpg"), "rb") as b:
        r = httpx.post(url + "/v1/compare", files={"source": ("a.jpg", a), "target": ("b.jpg", b)},
                       data={"threshold": "80"}, timeout=T)
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["matches"]) == 1 and out["matches"][0]["similarity"] >= 80
    assert out["unmatched"] and all(f["similarity"] < 80 for f in out["unmatched"])


def test_collections_enrol_search_delete(url):
    name = "web-api-people"
    assert httpx.post(url + "/v1/collections", json={"name": name}, timeout=30).status_code == 201
    assert httpx.post(url + "/v1/collections", json={"name": name}, timeout=30).status_code == 409
    assert httpx.post(url + "/v1/collections", json={"name": "no spaces"}, timeout=30).status_code == 422
    train = data(f"{EX}/knn_examples/train/obama")
    photos = sorted(train.iterdir())[:2]
    for p in photos:
        r = post_image(url, f"/v1/collections/{name}/enrol", p, user_id="barack")
        assert r.status_code == 200 and r.json()["indexed"], r.text
    none = post_image(url, f"/v1/collections/{name}/enrol", "faces/aws-rekognition-lambda/no-face.jpg",
                      user_id="barack")
    assert none.status_code == 200 and not none.json()["indexed"] and none.json()["reason"]
    cols = {c["name"]: c for c in httpx.get(url + "/v1/collections", timeout=30).json()["data"]}
    assert (cols[name]["face_count"], cols[name]["user_count"]) == (2, 1)
    users = httpx.get(url + f"/v1/collections/{name}/users", timeout=30).json()["data"]
    assert users[0]["user_id"] == "barack" and len(users[0]["face_ids"]) == 2
    hits = post_image(url, f"/v1/collections/{name}/search", f"{EX}/obama2.jpg").json()["matches"]
    assert hits and hits[0]["face"]["user_id"] == "barack" and hits[0]["similarity"] > 80
    face_id = users[0]["face_ids"][0]
    assert httpx.delete(url + f"/v1/collections/{name}/faces/{face_id}", timeout=30).status_code == 204
    assert httpx.delete(url + f"/v1/collections/{name}/faces/{face_id}", timeout=30).status_code == 404
    assert httpx.delete(url + f"/v1/collections/{name}/users/barack", timeout=30).status_code == 204
    assert httpx.get(url + f"/v1/collections/{name}", timeout=30).json()["face_count"] == 0
    assert httpx.delete(url + f"/v1/collections/{name}", timeout=30).status_code == 204
    assert httpx.get(url + f"/v1/collections/{name}", timeout=30).status_code == 404


def test_thumbnail_made_once_cacheable_and_tags(url, server):
    r = post_image(url, "/v1/images?wait=true", f"{EX}/obama-1080p.jpg", field="file", features="moderation",
                   tags="a,b")
    image = r.json()["data"][0]
    # made by the analysis job from the pixels it decoded, before anyone asks for it
    made = [p for p in (server[1] / "objects").rglob("*.thumb.jpg") if image["id"] in str(p)]
    assert len(made) == 1 and max(Image.open(made[0]).size) == 320
    t = httpx.get(url + f"/v1/images/{image['id']}/thumbnail", timeout=60)
    assert t.status_code == 200 and t.headers["content-type"] == "image/jpeg" and t.headers["etag"]
    assert max(Image.open(io.BytesIO(t.content)).size) == 320 and len(t.content) < 40_000
    again = httpx.get(url + f"/v1/images/{image['id']}/thumbnail", headers={"If-None-Match": t.headers["etag"]},
                      timeout=30)
    assert again.status_code == 304 and not again.content
    assert t.content == made[0].read_bytes()  # the stored one, not made again per request
    made[0].unlink()  # an image without one (stored before thumbnails were made at analysis): made on request
    assert httpx.get(url + f"/v1/images/{image['id']}/thumbnail", timeout=60).status_code == 200
    assert made[0].exists()
    tagged = httpx.patch(url + f"/v1/images/{image['id']}", json={"tags": [" Team ", "team", "door"]}, timeout=30)
    assert tagged.status_code == 200 and tagged.json()["tags"] == ["door", "team"]
    found = httpx.get(url + "/v1/images", params={"tag": "door"}, timeout=30).json()["data"]
    assert [i["id"] for i in found] == [image["id"]]
    assert httpx.delete(url + f"/v1/images/{image['id']}", timeout=30).status_code == 204
    assert not any(image["id"] in str(p) for p in (server[1] / "objects").rglob("*"))
    assert httpx.patch(url + f"/v1/images/{image['id']}", json={"tags": []}, timeout=30).status_code == 404


def test_models_and_health(url):
    models = httpx.get(url + "/v1/models", timeout=30).json()
    tasks = {m["task"] for m in models["data"]}
    assert {"face_detection", "text"} <= tasks or len(tasks) > 4
    assert all(m["licence"] and m["version"] for m in models["data"])
    assert any(m["present"] for m in models["data"])
    health = httpx.get(url + "/v1/health", timeout=30).json()
    assert health["status"] == "ok" and set(health["jobs"]) == {"queued", "running", "done", "failed"}


def test_one_public_result_schema(url):
    """The stored <key>.json, the REST `result`, and /v1/analyze are one documented schema (ResultV1): every
    field the service writes is in it, and a renamed field fails validation instead of reaching clients."""
    from pydantic import ValidationError

    from oculi.api.results import ResultV1
    from oculi.services.result_json import upgrade

    schema = httpx.get(url + "/openapi.json", timeout=30).json()
    assert "ResultV1" in schema["components"]["schemas"] and "FaceResult" in schema["components"]["schemas"]
    ok = schema["paths"]["/v1/analyze"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ResultV1"}
    r = post_image(url, "/v1/images?wait=true", f"{EX}/two_people.jpg", field="file",
                   features="labels,faces,text,moderation,properties")
    image = r.json()["data"][0]
    stored = httpx.get(url + f"/v1/images/{image['id']}/result.json", timeout=30).json()
    assert stored == image["result"] and stored["schema_version"] == 1
    assert ResultV1.model_validate(stored).model_dump(mode="json") == stored  # forbids undocumented fields
    renamed = {**stored, "faces": [{**stored["faces"][0], "score": stored["faces"][0]["confidence"]}]}
    del renamed["faces"][0]["confidence"]
    with pytest.raises(ValidationError):
        ResultV1.model_validate(renamed)
    # a result stored before version 1 (dataclasses dumped) is read in today's shape
    old = {"image": stored["image"], "models": stored["models"],
           "labels": [{**lb, "instances": [[i["box"], i["confidence"]] for i in lb["instances"]]}
                      for lb in stored["labels"]],
           "faces": [{**f, "pose": [f["pose"]["roll"], f["pose"]["yaw"], f["pose"]["pitch"]],
                      "pixel_box": [0, 0, 1, 1]} for f in stored["faces"]]}
    assert ResultV1.model_validate(upgrade(old)).model_dump(mode="json") == {
        k: v for k, v in stored.items() if k in ("schema_version", "image", "models", "labels", "faces")}
    httpx.delete(url + f"/v1/images/{image['id']}", timeout=30)
