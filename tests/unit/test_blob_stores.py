"""One contract, every object store backend (Huey's StorageTests pattern): memory, file, S3 (moto server)."""

from __future__ import annotations

import pytest

from oculi.storage.blobs import BlobNotFound, blob_store_for


@pytest.fixture(params=["memory", "file", "s3"])
def store(request, tmp_path):
    if request.param == "memory":
        return blob_store_for("memory://")
    if request.param == "file":
        return blob_store_for(f"file://{tmp_path}")
    endpoint = request.getfixturevalue("s3_endpoint")
    return blob_store_for("s3://ignored", endpoint.url)


def test_put_get_overwrite_size(store):
    store.put("bkt", "a/b/c.jpg", b"one")
    assert store.get("bkt", "a/b/c.jpg") == b"one"
    store.put("bkt", "a/b/c.jpg", b"second")
    assert store.get("bkt", "a/b/c.jpg") == b"second"
    assert store.size("bkt", "a/b/c.jpg") == 6
    assert store.size("bkt", "a/b/missing.jpg") is None


def test_missing_objects(store):
    with pytest.raises(BlobNotFound):
        store.get("bkt", "nope")
    with pytest.raises(BlobNotFound):
        store.stream("bkt", "nope")
    store.delete("bkt", "nope")  # deleting what is gone is not an error


def test_stream_in_chunks(store):
    data = bytes(range(256)) * 1000
    store.put("bkt", "big.bin", data)
    chunks = list(store.stream("bkt", "big.bin", chunk=4096))
    assert b"".join(chunks) == data and len(chunks) > 1


def test_keys_by_prefix_and_delete(store):
    for key in ("employees/ann.jpg", "employees/bob.jpg", "uploads/x.png"):
        store.put("bkt2", key, b"x")
    assert list(store.keys("bkt2", "employees/")) == ["employees/ann.jpg", "employees/bob.jpg"]
    store.delete("bkt2", "employees/ann.jpg")
    assert list(store.keys("bkt2")) == ["employees/bob.jpg", "uploads/x.png"]
    assert list(store.keys("no-such-bucket")) == []


@pytest.mark.parametrize("bucket,key", [("bkt", "../escape"), ("bkt", "/abs"), ("a/b", "k"), ("bkt", ""),
                                        ("bkt", "./x"), ("bkt", "x/"), ("bkt", "a//b"), ("bkt", "a/./b"),
                                        ("bkt", ".tmp-hidden"), ("bkt", "nul\x00")])
def test_hostile_names_refused_by_local_stores(tmp_path, bucket, key):
    for store in (blob_store_for("memory://"), blob_store_for(f"file://{tmp_path}")):
        with pytest.raises(BlobNotFound):
            store.put(bucket, key, b"x")
    assert not any(tmp_path.parent.glob("escape"))


def test_names_that_would_alias_another_key_are_not_read_as_it(tmp_path):
    for store in (blob_store_for("memory://"), blob_store_for(f"file://{tmp_path}")):
        store.put("bkt", "x", b"the real x")
        store.put("bkt", "a/b", b"the real a/b")
        for alias in ("./x", "x/", "a//b", "a/./b"):
            with pytest.raises(BlobNotFound):
                store.get("bkt", alias)
            assert store.size("bkt", alias) is None
