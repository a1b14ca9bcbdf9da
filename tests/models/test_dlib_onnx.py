"""dlib's face ResNet converted to ONNX (oculi.ml.dlib_resnet) against dlib itself, its cached conversion, and
damaged model files.

Golden-output test: on every face of ../shared/data/faces the same aligned 150x150 chips give descriptors that
differ from dlib's `compute_face_descriptor` by less than 1e-4 anywhere, and every same/different decision at
the default threshold of 80 is the same. Through live servers, a collection made with dlib's own runtime is served
by the ONNX one with the same versions and similarities.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from oculi.ml import dlib_resnet
from oculi.ml.base import Models
from oculi.ml.dlib_serial import DlibFormatError
from oculi.ml.interfaces import FaceEmbedder
from oculi.ml.tasks.face_embedding import DlibEmbedder
from oculi.ml.tasks.face_embedding_onnx import DlibOnnxEmbedder
from oculi.services.analysis import face_index_version, face_model_version
from oculi.services.faces import detect_faces
from tests.conftest import Server, assert_shape, home_with, load_rgb
from tests.faces_composed import AWS, FACES, FR

pytestmark = pytest.mark.slow

TI = FACES / "face_recognition/tests/test_images"
PEOPLE = {  # single-person photos and who is in them
    FR / "alex-lacamoire.png": "lacamoire", FR / "knn_examples/test/alex_lacamoire1.jpg": "lacamoire",
    FR / "knn_examples/train/alex_lacamoire/img1.jpg": "lacamoire",
    FR / "biden.jpg": "biden", FR / "knn_examples/train/biden/biden2.jpg": "biden",
    FR / "knn_examples/train/kit_harington/john1.jpeg": "harington",
    FR / "knn_examples/train/kit_harington/john2.jpeg": "harington",
    FR / "knn_examples/test/johnsnow_test1.jpg": "harington",
    FR / "knn_examples/train/rose_leslie/img1.jpg": "leslie", FR / "knn_examples/train/rose_leslie/img2.jpg": "leslie",
    FR / "obama.jpg": "obama", FR / "obama2.jpg": "obama", FR / "obama-480p.jpg": "obama",
    FR / "knn_examples/test/obama1.jpg": "obama", TI / "obama3.jpg": "obama",
    FR / "lin-manuel-miranda.png": "miranda",
    FACES / "openface/adams.jpg": "adams", FACES / "openface/carell.jpg": "carell",
    FACES / "openface/clapton-1.jpg": "clapton", FACES / "openface/clapton-2.jpg": "clapton",
    FACES / "openface/lennon-1.jpg": "lennon", FACES / "openface/lennon-2.jpg": "lennon",
    AWS / "Lawrence2.jpg": "lawrence", AWS / "Lawrence3.jpg": "lawrence", AWS / "Lawrence4.jpg": "lawrence",
    AWS / "Avril-Lavigne.jpg": "lavigne", AWS / "Jim-Carrey.jpg": "carrey", AWS / "Keanu-Reeves.jpg": "reeves",
    AWS / "Mike-Meyers.jpg": "myers", AWS / "smiling-lady.jpg": "lady",
}
GROUPS = [AWS / "Keanu-Avril-Lawrence.jpg", FR / "two_people.jpg", FACES / "openface/longoria-cooper.jpg"]


@pytest.fixture(scope="module")
def runtimes(pack):
    """Both runtimes of the network, in this process, through the registry."""
    native = Models(pack, threads=1, processes=0, choice={"face_embedding": "dlib"})
    onnx = Models(pack, threads=1, processes=0, choice={"face_embedding": "dlib-onnx"})
    return native.get(FaceEmbedder), onnx.get(FaceEmbedder)


@pytest.fixture(scope="module")
def chips(models, runtimes):
    """(identity or None, chip) for the largest face of each labelled photo and every face of a few groups."""
    _, onnx = runtimes
    out = []
    for path, who in [*PEOPLE.items(), *((g, None) for g in GROUPS)]:
        rgb = load_rgb(path)
        h, w = rgb.shape[:2]
        faces = sorted(detect_faces(models, rgb), key=lambda f: -f.box.area)
        assert faces, path
        for face in faces[:1] if who else faces:
            out.append((who, onnx.chip(rgb, face.region(w, h))))
    return out


def test_the_converted_network_equals_dlib_on_real_faces(runtimes, chips):
    native, onnx = runtimes
    assert isinstance(native, DlibEmbedder) and type(native) is DlibEmbedder
    assert isinstance(onnx, DlibOnnxEmbedder)
    theirs = np.stack([np.asarray(native.net.compute_face_descriptor(c, 0), np.float32) for _, c in chips])
    ours = onnx.describe(np.stack([c for _, c in chips]))
    assert len(chips) >= 35 and ours.shape == theirs.shape == (len(chips), 128)
    assert float(np.abs(ours - theirs).max()) < 1e-4
    one_by_one = np.stack([onnx.describe(c[None])[0] for _, c in chips[:5]])  # a batch changes nothing
    assert float(np.abs(one_by_one - ours[:5]).max()) < 1e-5

    bound = native.similarity.max_distance(80)
    labelled = [(who, i) for i, (who, _) in enumerate(chips) if who]
    decisions = []
    for (a, i), (b, j) in itertools.combinations(labelled, 2):
        same = a == b
        mine = float(np.linalg.norm(ours[i] - ours[j])) <= bound
        dlibs = float(np.linalg.norm(theirs[i] - theirs[j])) <= bound
        decisions.append((mine, dlibs, same))
    assert len(decisions) >= 400
    assert all(mine == dlibs for mine, dlibs, _ in decisions)
    assert all(mine == same for mine, _, same in decisions)  # and both right on every pair


def test_both_runtimes_embed_a_face_alike_and_keep_the_models_versions(pack, models, runtimes):
    native, onnx = runtimes
    rgb = load_rgb(FR / "biden.jpg")
    h, w = rgb.shape[:2]
    region = detect_faces(models, rgb)[0].region(w, h)
    assert float(np.abs(native.predict(rgb, region) - onnx.predict(rgb, region)).max()) < 1e-4
    # the same model: the name its vectors go by, FaceModelVersion, IndexFacesModelVersion and similarity scale
    assert onnx.implementation == native.implementation == "dlib"
    assert (onnx.version, onnx.index_version, onnx.similarity) == (native.version, native.index_version,
                                                                  native.similarity)
    chosen = Models(pack, processes=0, choice={"face_embedding": "dlib-onnx"})
    assert chosen.implementation(FaceEmbedder) == "dlib"  # what a new collection records
    assert isinstance(chosen.get(FaceEmbedder, "dlib"), DlibOnnxEmbedder)  # a dlib collection gets the chosen runtime
    plain = Models(pack, processes=0, choice={"face_embedding": "dlib"})
    assert face_model_version(chosen) == face_model_version(plain)
    assert face_index_version(chosen) == face_index_version(plain) == "1.0"
    other = Models(pack, processes=0, choice={"face_embedding": "sface"})
    assert chosen.model_class(FaceEmbedder, "sface") is other.model_class(FaceEmbedder)


def test_the_conversion_is_made_once_and_reused(pack, tmp_path, monkeypatch, chips):
    mine = home_with(pack, tmp_path, ("dlib_embedding", "dlib_shape5"))
    first = DlibOnnxEmbedder(mine, threads=1).load()
    derived = sorted((tmp_path / "derived").iterdir())
    sha = next(f.sha256 for f in pack.files() if f.id == "dlib_embedding")
    assert [p.name for p in derived] == [f"{sha}.v{dlib_resnet.CONVERTER_VERSION}.onnx"]  # no .part left behind
    stamp = derived[0].stat().st_mtime_ns

    def no_second_conversion(*_a, **_k):
        raise AssertionError("converted again")

    monkeypatch.setattr(dlib_resnet, "read_network", no_second_conversion)
    again = DlibOnnxEmbedder(mine, threads=1).load()
    assert derived[0].stat().st_mtime_ns == stamp
    chip = chips[0][1][None]
    assert np.array_equal(first.describe(chip), again.describe(chip))
    monkeypatch.undo()

    derived[0].write_bytes(b"not an onnx file")  # a damaged cached conversion is made again
    healed = DlibOnnxEmbedder(mine, threads=1).load()
    assert float(np.abs(healed.describe(chip) - first.describe(chip)).max()) == 0.0


@pytest.mark.parametrize("cut", [0, 1, 40, 5_000, 11_000_000, 22_466_000, -1])
def test_a_truncated_network_file_is_a_clear_error(pack, tmp_path, cut):
    data = pack.path("dlib_embedding").read_bytes()
    damaged = tmp_path / "net.dat"
    damaged.write_bytes(data[:cut] if cut >= 0 else data + b"\x00")
    with pytest.raises(DlibFormatError, match=r"net\.dat: .* at byte \d+ of \d+"):
        dlib_resnet.converted(damaged, tmp_path / "derived")
    assert not (tmp_path / "derived").exists() or not any((tmp_path / "derived").iterdir())


def test_an_altered_or_other_network_is_a_clear_error(pack, tmp_path):
    data = bytes(pack.path("dlib_embedding").read_bytes())
    at = data.index(b"\x01\x05con_4") + 2  # a version string: its length (an integer), then its bytes
    with pytest.raises(DlibFormatError, match="'xyz_4' where con_4 or con_5 or con_6 was expected"):
        dlib_resnet.read_network(data[:at] + b"xyz_4" + data[at + 5:], "net.dat")
    at = data.rindex(b"\x01\x04fc_2") + 1
    with pytest.raises(DlibFormatError, match="no version string where fc_2 or fc_3 was expected"):
        dlib_resnet.read_network(data[:at] + bytes([200]) + data[at + 1:], "net.dat")  # a length byte altered
    with pytest.raises(DlibFormatError, match="where loss_metric_ or loss_metric_2 was expected"):
        dlib_resnet.read_network(pack.path("dlib_shape5").read_bytes(), "shape_predictor_5_face_landmarks.dat")


def test_a_collection_made_with_dlib_is_served_by_the_onnx_runtime(pack, tmp_path):
    """Through boto3 against live servers (SQLite): a collection indexed by dlib's own runtime, then served by the
    default ONNX one, keeps its FaceModelVersion and IndexFacesModelVersion, finds the same faces with the same
    similarity, and vectors of both runtimes match each other."""
    assert FaceEmbedder.default == "dlib-onnx"
    probe = {"Bytes": (FR / "obama2.jpg").read_bytes()}
    before = Server(tmp_path, workers=1, env={"OCULI_MODELS__FACE_EMBEDDING": "dlib", "OCULI_EMBEDDING_PROCESSES": "0"})
    try:
        c = before.client()
        version = c.create_collection(CollectionId="family")["FaceModelVersion"]
        assert version.endswith("+ dlib ResNet v1)")
        obama = c.index_faces(CollectionId="family", Image={"Bytes": (FR / "obama.jpg").read_bytes()})
        c.index_faces(CollectionId="family", Image={"Bytes": (FR / "biden.jpg").read_bytes()})
        obama_id = obama["FaceRecords"][0]["Face"]["FaceId"]
        dlibs = c.search_faces_by_image(CollectionId="family", Image=probe)["FaceMatches"]
    finally:
        before.stop()

    after = Server(tmp_path, workers=1, env={"OCULI_MODELS__FACE_EMBEDDING": "dlib-onnx"})
    try:
        c = after.client()
        d = c.describe_collection(CollectionId="family")
        assert_shape("DescribeCollection", d)
        assert d["FaceModelVersion"] == version and d["FaceCount"] == 2
        hits = c.search_faces_by_image(CollectionId="family", Image=probe)
        assert_shape("SearchFacesByImage", hits)
        assert hits["FaceModelVersion"] == version
        assert [m["Face"]["FaceId"] for m in hits["FaceMatches"]] == [m["Face"]["FaceId"] for m in dlibs] == [obama_id]
        assert abs(hits["FaceMatches"][0]["Similarity"] - dlibs[0]["Similarity"]) < 0.01
        more = c.index_faces(CollectionId="family", Image={"Bytes": (FR / "obama-480p.jpg").read_bytes()})
        assert more["FaceModelVersion"] == version
        assert more["FaceRecords"][0]["Face"]["IndexFacesModelVersion"] == "1.0"
        new_id = more["FaceRecords"][0]["Face"]["FaceId"]
        same = c.search_faces(CollectionId="family", FaceId=new_id)["FaceMatches"]  # an ONNX vector vs dlib's
        assert [m["Face"]["FaceId"] for m in same] == [obama_id]
        assert c.create_collection(CollectionId="fresh")["FaceModelVersion"] == version
    finally:
        after.stop()


def test_models_prepare_converts_before_the_first_request(pack, tmp_path, monkeypatch):
    """`oculi models fetch` (and a first `oculi serve`) call Models.prepare: the conversion is made there, once,
    and the first request finds it."""
    models = Models(home_with(pack, tmp_path), processes=0)  # every chosen implementation may derive something
    made = models.prepare()
    sha = next(f.sha256 for f in pack.files() if f.id == "dlib_embedding")
    assert any(f"{sha}.v{dlib_resnet.CONVERTER_VERSION}.onnx" in m for m in made)
    assert models.prepare() == []  # nothing left to make

    def no_conversion(*_a, **_k):
        raise AssertionError("converted at the first request")

    monkeypatch.setattr(dlib_resnet, "read_network", no_conversion)
    assert models.get(FaceEmbedder).describe(np.zeros((1, 150, 150, 3), np.uint8)).shape == (1, 128)
