"""Collections, faces and users through boto3 against live servers; every response checked against botocore."""

from __future__ import annotations

import contextlib
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from tests.conftest import Server, assert_shape, data

EX = "faces/face_recognition/examples"
BACKENDS = ["sqlite", "postgresql"]


def backend_env(backend: str, postgres) -> dict:
    return {"OCULI_DATABASE_URL": postgres.database()} if backend == "postgresql" else {}


@pytest.fixture(scope="module", params=BACKENDS)
def live(request, pack, postgres, tmp_path_factory):
    """The whole module runs once on SQLite (exact in-process index) and once on PostgreSQL + pgvector."""
    srv = Server(tmp_path_factory.mktemp(f"collections-{request.param}"), env=backend_env(request.param, postgres))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def rekognition(live):
    return live.client()


def img(rel: str) -> dict:
    return {"Bytes": data(rel).read_bytes()}


def code_of(call, **kw) -> str:
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response["Error"]["Code"]


@pytest.fixture
def collection(rekognition, request):
    name = request.node.name.replace("[", "-").replace("]", "")[:200]
    r = rekognition.create_collection(CollectionId=name)
    assert_shape("CreateCollection", r)
    yield name
    with contextlib.suppress(ClientError):
        rekognition.delete_collection(CollectionId=name)


def test_collection_lifecycle(rekognition, collection):
    assert code_of(rekognition.create_collection, CollectionId=collection) == "ResourceAlreadyExistsException"
    d = rekognition.describe_collection(CollectionId=collection)
    assert_shape("DescribeCollection", d)
    assert (d["FaceCount"], d["UserCount"]) == (0, 0) and d["CollectionARN"].endswith(f"collection/{collection}")
    listed = rekognition.list_collections()
    assert_shape("ListCollections", listed)
    assert collection in listed["CollectionIds"]
    r = rekognition.delete_collection(CollectionId=collection)
    assert_shape("DeleteCollection", r)
    assert code_of(rekognition.describe_collection, CollectionId=collection) == "ResourceNotFoundException"
    assert code_of(rekognition.index_faces, CollectionId=collection, Image=img(f"{EX}/obama.jpg")) \
        == "ResourceNotFoundException"


def test_collection_tags(live):
    a, b = live.client("AKIDTEAMA"), live.client("AKIDTEAMB")
    arn = a.create_collection(CollectionId="tagged", Tags={"team": "vision", "Équipe": "née 1"})["CollectionArn"]
    try:
        listed = a.list_tags_for_resource(ResourceArn=arn)
        assert_shape("ListTagsForResource", listed)
        assert listed["Tags"] == {"team": "vision", "Équipe": "née 1"}
        assert_shape("TagResource", a.tag_resource(ResourceArn="arn:" + arn, Tags={"team": "faces", "env": "prod"}))
        assert a.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "faces", "env": "prod", "Équipe": "née 1"}
        assert_shape("UntagResource", a.untag_resource(ResourceArn=arn, TagKeys=["Équipe", "not-there"]))
        assert a.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "faces", "env": "prod"}
        # another account, another region, an unknown collection or resource type: not found
        assert code_of(b.list_tags_for_resource, ResourceArn=arn) == "ResourceNotFoundException"
        assert code_of(live.client("AKIDTEAMA", region="eu-west-1").list_tags_for_resource,
                       ResourceArn=arn) == "ResourceNotFoundException"
        for other in (arn + "x", arn.replace(":collection/", ":project/"), "arn:aws:s3:::bucket/key"):
            assert code_of(a.tag_resource, ResourceArn=other, Tags={"k": "v"}) == "ResourceNotFoundException"
        # at most 50 tags on a resource, and a refused change keeps the old tags
        many = {f"k{i}": "v" for i in range(49)}
        assert code_of(a.tag_resource, ResourceArn=arn, Tags=many) == "ServiceQuotaExceededException"
        assert a.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "faces", "env": "prod"}
        assert code_of(a.create_collection, CollectionId="too-many", Tags=many | {"a": "1", "b": "2"}) \
            == "ServiceQuotaExceededException"
        assert code_of(a.tag_resource, ResourceArn=arn, Tags={"aws:reserved": "x"}) == "ValidationException"
    finally:
        a.delete_collection(CollectionId="tagged")
    # the tags go with the collection
    arn = a.create_collection(CollectionId="tagged")["CollectionArn"]
    assert a.list_tags_for_resource(ResourceArn=arn)["Tags"] == {}
    a.delete_collection(CollectionId="tagged")


def test_list_collections_paging_and_paginator(rekognition):
    names = [f"page-{i}" for i in range(5)]
    for n in names:
        rekognition.create_collection(CollectionId=n)
    try:
        seen, token = [], None
        while True:
            kw = {"MaxResults": 2} | ({"NextToken": token} if token else {})
            page = rekognition.list_collections(**kw)
            assert len(page["CollectionIds"]) <= 2
            seen += page["CollectionIds"]
            token = page.get("NextToken")
            if not token:
                break
        assert [n for n in seen if n.startswith("page-")] == names
        via_paginator = [c for p in rekognition.get_paginator("list_collections").paginate(
            PaginationConfig={"PageSize": 2}) for c in p["CollectionIds"]]
        assert [n for n in via_paginator if n.startswith("page-")] == names
        assert code_of(rekognition.list_collections, NextToken="garbage!") == "InvalidPaginationTokenException"
    finally:
        for n in names:
            rekognition.delete_collection(CollectionId=n)


def test_index_search_list_delete_faces(rekognition, collection):
    r = rekognition.index_faces(CollectionId=collection, Image=img(f"{EX}/obama.jpg"), ExternalImageId="obama",
                                DetectionAttributes=["ALL"])
    assert_shape("IndexFaces", r)
    (rec,) = r["FaceRecords"]
    obama = rec["Face"]["FaceId"]
    assert rec["Face"]["ExternalImageId"] == "obama" and rec["FaceDetail"]["Gender"]["Value"] == "Male"
    biden = rekognition.index_faces(CollectionId=collection, Image=img(f"{EX}/biden.jpg"),
                                    ExternalImageId="biden")["FaceRecords"][0]["Face"]["FaceId"]
    found = rekognition.search_faces_by_image(CollectionId=collection, Image=img(f"{EX}/obama2.jpg"))
    assert_shape("SearchFacesByImage", found)
    assert [m["Face"]["FaceId"] for m in found["FaceMatches"]] == [obama]
    assert found["FaceMatches"][0]["Similarity"] > 90
    by_id = rekognition.search_faces(CollectionId=collection, FaceId=obama)
    assert_shape("SearchFaces", by_id)
    assert by_id["FaceMatches"] == []  # the only other face is Biden's, far below 80
    loose = rekognition.search_faces(CollectionId=collection, FaceId=obama, FaceMatchThreshold=0)
    assert [m["Face"]["FaceId"] for m in loose["FaceMatches"]] == [biden]
    listed = rekognition.list_faces(CollectionId=collection, MaxResults=1)
    assert_shape("ListFaces", listed)
    assert len(listed["Faces"]) == 1 and "NextToken" in listed
    rest = rekognition.list_faces(CollectionId=collection, NextToken=listed["NextToken"])
    assert {f["FaceId"] for f in listed["Faces"] + rest["Faces"]} == {obama, biden}
    gone = rekognition.delete_faces(CollectionId=collection, FaceIds=[obama, "11111111-1111-1111-1111-111111111111"])
    assert_shape("DeleteFaces", gone)
    assert gone["DeletedFaces"] == [obama]
    assert gone["UnsuccessfulFaceDeletions"][0]["Reasons"] == ["FACE_NOT_FOUND"]
    after = rekognition.search_faces_by_image(CollectionId=collection, Image=img(f"{EX}/obama2.jpg"))
    assert after["FaceMatches"] == [], "a deleted face must never match again"
    assert rekognition.describe_collection(CollectionId=collection)["FaceCount"] == 1


def test_index_faces_max_faces_and_quality_reasons(rekognition, collection):
    r = rekognition.index_faces(CollectionId=collection,
                                Image=img("faces/aws-rekognition-lambda/Keanu-Avril-Lawrence.jpg"), MaxFaces=1)
    assert_shape("IndexFaces", r)
    assert len(r["FaceRecords"]) == 1
    assert [u["Reasons"] for u in r["UnindexedFaces"]] == [["EXCEEDS_MAX_FACES"]] * 2
    kept = r["FaceRecords"][0]["Face"]["BoundingBox"]
    others = [u["FaceDetail"]["BoundingBox"] for u in r["UnindexedFaces"]]
    assert all(kept["Width"] * kept["Height"] >= o["Width"] * o["Height"] for o in others)
    # a ~50 px face fails the HIGH bar (60 px side and more) but passes NONE
    small = Image.open(data(f"{EX}/obama_small.jpg")).resize((120, 90))
    buf = io.BytesIO()
    small.save(buf, "JPEG")
    high = rekognition.index_faces(CollectionId=collection, Image={"Bytes": buf.getvalue()}, QualityFilter="HIGH")
    assert high["FaceRecords"] == [] and "SMALL_BOUNDING_BOX" in high["UnindexedFaces"][0]["Reasons"]
    none = rekognition.index_faces(CollectionId=collection, Image={"Bytes": buf.getvalue()}, QualityFilter="NONE")
    assert len(none["FaceRecords"]) == 1


def test_users(rekognition, collection):
    obama = [rekognition.index_faces(CollectionId=collection, Image=img(rel))["FaceRecords"][0]["Face"]["FaceId"]
             for rel in (f"{EX}/obama.jpg", f"{EX}/obama2.jpg")]
    biden = rekognition.index_faces(CollectionId=collection, Image=img(f"{EX}/biden.jpg"))["FaceRecords"][0][
        "Face"]["FaceId"]
    assert_shape("CreateUser", rekognition.create_user(CollectionId=collection, UserId="barack",
                                                       ClientRequestToken="t1"))
    rekognition.create_user(CollectionId=collection, UserId="barack", ClientRequestToken="t1")  # idempotent
    assert code_of(rekognition.create_user, CollectionId=collection, UserId="barack") == "ConflictException"
    assert rekognition.list_users(CollectionId=collection)["Users"] == [{"UserId": "barack", "UserStatus": "CREATED"}]
    r = rekognition.associate_faces(CollectionId=collection, UserId="barack", FaceIds=[*obama, biden])
    assert_shape("AssociateFaces", r)
    assert {f["FaceId"] for f in r["AssociatedFaces"]} == set(obama) and r["UserStatus"] == "ACTIVE"
    assert r["UnsuccessfulFaceAssociations"][0]["Reasons"] == ["LOW_MATCH_CONFIDENCE"]
    listed = rekognition.list_faces(CollectionId=collection, UserId="barack")
    assert {f["FaceId"] for f in listed["Faces"]} == set(obama)
    by_image = rekognition.search_users_by_image(CollectionId=collection,
                                                 Image=img(f"{EX}/knn_examples/test/obama1.jpg"))
    assert_shape("SearchUsersByImage", by_image)
    assert [m["User"]["UserId"] for m in by_image["UserMatches"]] == ["barack"]
    by_face = rekognition.search_users(CollectionId=collection, FaceId=obama[0])
    assert_shape("SearchUsers", by_face)
    assert [m["User"]["UserId"] for m in by_face["UserMatches"]] == ["barack"]
    deletion = rekognition.delete_faces(CollectionId=collection, FaceIds=[obama[0]])
    assert deletion["UnsuccessfulFaceDeletions"][0]["Reasons"] == ["ASSOCIATED_TO_AN_EXISTING_USER"]
    d = rekognition.disassociate_faces(CollectionId=collection, UserId="barack", FaceIds=[obama[0], biden])
    assert_shape("DisassociateFaces", d)
    assert [f["FaceId"] for f in d["DisassociatedFaces"]] == [obama[0]]
    assert rekognition.describe_collection(CollectionId=collection)["UserCount"] == 1
    assert_shape("DeleteUser", rekognition.delete_user(CollectionId=collection, UserId="barack"))
    assert code_of(rekognition.delete_user, CollectionId=collection, UserId="barack") == "ResourceNotFoundException"
    assert all("UserId" not in f for f in rekognition.list_faces(CollectionId=collection)["Faces"])


def test_accounts_and_regions_are_isolated(live):
    a, b = live.client("AKIDTEAMA"), live.client("AKIDTEAMB")
    a_eu = live.client("AKIDTEAMA", region="eu-west-1")
    a.create_collection(CollectionId="shared-name")
    try:
        assert "shared-name" not in b.list_collections()["CollectionIds"]
        assert code_of(b.describe_collection, CollectionId="shared-name") == "ResourceNotFoundException"
        assert code_of(a_eu.describe_collection, CollectionId="shared-name") == "ResourceNotFoundException"
        arn = b.create_collection(CollectionId="shared-name")["CollectionArn"]
        assert arn == "aws:rekognition:us-east-1:222222222222:collection/shared-name"
        b.delete_collection(CollectionId="shared-name")
        assert a.describe_collection(CollectionId="shared-name")["CollectionARN"].split(":")[3] == "111111111111"
    finally:
        a.delete_collection(CollectionId="shared-name")


def test_concurrent_tags_and_associations_lose_nothing(rekognition, collection):
    """Read-modify-write under concurrency: 48 TagResource calls at once keep all 48 tags, and when three users
    claim the same faces at once, each face goes to exactly one of them, the one told it succeeded."""
    arn = rekognition.describe_collection(CollectionId=collection)["CollectionARN"]
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(lambda i: rekognition.tag_resource(ResourceArn=arn, Tags={f"k{i}": "v"}), range(48)))
    assert len(rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"]) == 48

    small = img(f"{EX}/obama_small.jpg")
    faces = [rekognition.index_faces(CollectionId=collection, Image=small)["FaceRecords"][0]["Face"]["FaceId"]
             for _ in range(6)]
    users = ["u1", "u2", "u3"]
    for u in users:
        rekognition.create_user(CollectionId=collection, UserId=u)

    def claim(job):
        user, face = job
        r = rekognition.associate_faces(CollectionId=collection, UserId=user, FaceIds=[face])
        return face, user, [a["FaceId"] for a in r["AssociatedFaces"]], r["UnsuccessfulFaceAssociations"]

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(claim, [(u, f) for f in faces for u in users]))
    owners = {f["FaceId"]: f["UserId"] for f in rekognition.list_faces(CollectionId=collection)["Faces"]}
    for face in faces:
        mine = [r for r in results if r[0] == face]
        winners = [user for _, user, done, _ in mine if done]
        assert winners == [owners[face]]
        for _, _, done, failed in mine:
            if not done:
                assert failed[0]["Reasons"] == ["ASSOCIATED_TO_A_DIFFERENT_USER"]
                assert failed[0]["UserId"] == owners[face]


def test_concurrent_index_and_search_lose_nothing(rekognition, collection):
    """8 threads index 200 faces while 4 threads search: every face stored once, counts exact."""
    small = data(f"{EX}/obama_small.jpg").read_bytes()
    stop = threading.Event()
    errors = []

    def index(i):
        r = rekognition.index_faces(CollectionId=collection, Image={"Bytes": small}, ExternalImageId=f"img-{i}",
                                    QualityFilter="NONE")
        return [f["Face"]["FaceId"] for f in r["FaceRecords"]]

    def search():
        while not stop.is_set():
            try:
                rekognition.search_faces_by_image(CollectionId=collection, Image={"Bytes": small}, MaxFaces=100)
            except ClientError as exc:  # pragma: no cover - reported below
                errors.append(exc)

    searchers = [threading.Thread(target=search) for _ in range(4)]
    for t in searchers:
        t.start()
    with ThreadPoolExecutor(8) as pool:
        ids = [fid for batch in pool.map(index, range(200)) for fid in batch]
    stop.set()
    for t in searchers:
        t.join()
    assert not errors
    assert len(ids) == 200 == len(set(ids))
    listed = [f["FaceId"] for p in rekognition.get_paginator("list_faces").paginate(CollectionId=collection)
              for f in p["Faces"]]
    assert sorted(listed) == sorted(ids)
    assert rekognition.describe_collection(CollectionId=collection)["FaceCount"] == 200
    hits = rekognition.search_faces_by_image(CollectionId=collection, Image={"Bytes": small}, MaxFaces=4096)
    assert len(hits["FaceMatches"]) == 200


def test_aws_cli_collection_flow(live):
    from tests.integration.test_cli import aws_cli

    def run(*args):
        done = aws_cli(live.url, *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    photo = data(f"{EX}/obama.jpg")
    assert run("create-collection", "--collection-id", "cli-flow")["CollectionArn"].endswith("/cli-flow")
    try:
        rec = run("index-faces", "--collection-id", "cli-flow", "--image-bytes", f"fileb://{photo}",
                  "--external-image-id", "obama")
        fid = rec["FaceRecords"][0]["Face"]["FaceId"]
        assert [f["FaceId"] for f in run("list-faces", "--collection-id", "cli-flow")["Faces"]] == [fid]
        run("create-user", "--collection-id", "cli-flow", "--user-id", "barack")
        run("associate-faces", "--collection-id", "cli-flow", "--user-id", "barack", "--face-ids", fid)
        hits = run("search-users-by-image", "--collection-id", "cli-flow", "--image-bytes",
                   f"fileb://{data(f'{EX}/obama2.jpg')}")
        assert hits["UserMatches"][0]["User"]["UserId"] == "barack"
        assert run("describe-collection", "--collection-id", "cli-flow")["UserCount"] == 1
    finally:
        run("delete-collection", "--collection-id", "cli-flow")


@pytest.mark.parametrize("backend", BACKENDS)
def test_collections_survive_restart_and_are_shared_between_servers(pack, postgres, tmp_path, backend):
    env = backend_env(backend, postgres)
    first = Server(tmp_path, workers=1, env=env)
    try:
        c = first.client()
        c.create_collection(CollectionId="durable")
        fid = c.index_faces(CollectionId="durable", Image=img(f"{EX}/obama.jpg"))["FaceRecords"][0]["Face"]["FaceId"]
        second = Server(tmp_path, workers=1, env=env)  # a second process on the same database sees the write at once
        try:
            hits = second.client().search_faces_by_image(CollectionId="durable", Image=img(f"{EX}/obama2.jpg"))
            assert [m["Face"]["FaceId"] for m in hits["FaceMatches"]] == [fid]
            second.client().delete_faces(CollectionId="durable", FaceIds=[fid])
            assert c.search_faces_by_image(CollectionId="durable", Image=img(f"{EX}/obama2.jpg"))["FaceMatches"] == []
            c.index_faces(CollectionId="durable", Image=img(f"{EX}/obama.jpg"))
        finally:
            second.stop()
    finally:
        first.stop()
    again = Server(tmp_path, workers=1, env=env)
    try:
        d = again.client().describe_collection(CollectionId="durable")
        assert d["FaceCount"] == 1
        assert len(again.client().search_faces_by_image(CollectionId="durable",
                                                        Image=img(f"{EX}/obama2.jpg"))["FaceMatches"]) == 1
    finally:
        again.stop()
    assert not list(tmp_path.glob("**/*.jpg")), "no face image is stored, only vectors and metadata"
