"""SSD-MobileNetV2 rebuilt as an ONNX graph (oculi.ml.tf_ssd) against OpenCV DNN running the pinned TF files, its
cached conversion, and files it does not know.

Golden-output test: on VOC photos (whole photo and the 4 detector tiles of DetectLabels) and composed images, the
ONNX runtime gives the same detections as OpenCV: the same classes, boxes and scores within 1e-3 (measured: 2.4e-6).
Through live servers, DetectLabels answers alike with either runtime.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench import voc
from oculi.ml import tf_ssd
from oculi.ml.base import Models
from oculi.ml.interfaces import ObjectDetector
from oculi.ml.tasks.object_detection import SsdMobileNetV2
from oculi.ml.tasks.object_detection_onnx import SsdMobileNetV2Onnx
from oculi.services.labels import model_version
from tests.conftest import Server, assert_shape, home_with, load_rgb
from tests.stream_clips import cat_photo

pytestmark = pytest.mark.slow

TOL = 1e-3
PHOTOS = voc.photos()[:8]


@pytest.fixture(scope="module")
def runtimes(pack):
    """Both runtimes of the network, in this process, through the registry."""
    opencv = Models(pack, threads=2, processes=0, choice={"objects": "ssd-mobilenet-v2"})
    onnx = Models(pack, threads=2, processes=0, choice={"objects": "ssd-mobilenet-v2-onnx"})
    return opencv.get(ObjectDetector), onnx.get(ObjectDetector)


def _same_rows(a: np.ndarray, b: np.ndarray) -> None:
    """Rows (class, score, x0, y0, x1, y1) equal within TOL, whatever the order of near-equal scores."""
    assert a.shape == b.shape, (a, b)
    key = lambda r: np.lexsort((-r[:, 1], r[:, 0]))  # noqa: E731
    a, b = a[key(a)], b[key(b)]
    assert np.array_equal(a[:, 0], b[:, 0]), (a[:, 0], b[:, 0])
    assert float(np.abs(a[:, 1:] - b[:, 1:]).max(initial=0.0)) < TOL


def _composed() -> list[np.ndarray]:
    cat = cat_photo()
    canvas = np.full((cat.shape[0] * 2, cat.shape[1] * 3, 3), 200, np.uint8)
    canvas[cat.shape[0] // 2: cat.shape[0] // 2 + cat.shape[0], cat.shape[1]: 2 * cat.shape[1]] = cat
    return [cat, canvas, np.zeros((120, 90, 3), np.uint8)]


def test_the_converted_network_detects_what_opencv_detects(runtimes):
    opencv, onnx = runtimes
    assert type(opencv) is SsdMobileNetV2 and isinstance(onnx, SsdMobileNetV2Onnx)
    found = 0
    for rgb in [load_rgb(p.path) for p in PHOTOS] + _composed():
        # every row OpenCV's DetectionOutput gives down to a low score: decoding and per-class NMS alike
        _same_rows(onnx.detections(rgb, 0.05), opencv.detections(rgb, 0.05))
        for tiles in (0, 4):  # and what DetectLabels uses: the whole photo and its tiles, merged
            theirs = opencv.predict(rgb, min_score=0.2, max_tiles=tiles)
            ours = onnx.predict(rgb, min_score=0.2, max_tiles=tiles)
            assert [d.name for d in ours] == [d.name for d in theirs]
            for a, b in zip(ours, theirs, strict=True):
                assert abs(a.score - b.score) < TOL
                assert max(abs(u - v) for u, v in zip(a.box, b.box, strict=True)) < TOL
            found += len(ours)
    assert found >= 40  # the photos have objects: the comparison is not of empty lists


def test_both_runtimes_are_the_same_model(pack, runtimes):
    opencv, onnx = runtimes
    assert ObjectDetector.default == "ssd-mobilenet-v2-onnx"
    assert onnx.implementation == opencv.implementation == "ssd-mobilenet-v2"  # its calibration is OpenCV's
    assert (onnx.version, onnx.input_size, onnx.decode_side) == (opencv.version, opencv.input_size, opencv.decode_side)
    chosen, plain = Models(pack, choice={}), Models(pack, choice={"objects": "ssd-mobilenet-v2"})
    assert chosen.implementation(ObjectDetector) == plain.implementation(ObjectDetector) == "ssd-mobilenet-v2"
    assert model_version(chosen) == model_version(plain)  # LabelModelVersion unchanged


def test_the_conversion_is_made_once_and_reused(pack, tmp_path, monkeypatch):
    """`oculi models fetch` (and a first `oculi serve`) prepare it; loading finds it; a damaged one is redone."""
    mine = home_with(pack, tmp_path, ("ssd_graph", "ssd_config"))
    rgb = load_rgb(PHOTOS[0].path)
    made = SsdMobileNetV2Onnx.prepare(mine)
    derived = sorted((tmp_path / "derived").iterdir())
    assert len(derived) == 1 and derived[0].name.endswith(f".v{tf_ssd.CONVERTER_VERSION}.onnx")  # no .part left
    assert made == [f"{derived[0]} (SSD-MobileNetV2 for onnxruntime)"]
    assert SsdMobileNetV2Onnx.prepare(mine) == []  # nothing left to make
    stamp = derived[0].stat().st_mtime_ns

    def no_second_conversion(*_a, **_k):
        raise AssertionError("converted again")

    monkeypatch.setattr(tf_ssd, "build_onnx", no_second_conversion)
    first = SsdMobileNetV2Onnx(mine, threads=1).load()
    again = SsdMobileNetV2Onnx(mine, threads=1).load()
    assert derived[0].stat().st_mtime_ns == stamp
    assert np.array_equal(first.detections(rgb, 0.1), again.detections(rgb, 0.1))
    monkeypatch.undo()

    derived[0].write_bytes(b"not an onnx file")  # a damaged cached conversion is made again
    healed = SsdMobileNetV2Onnx(mine, threads=1).load()
    assert np.array_equal(healed.detections(rgb, 0.1), first.detections(rgb, 0.1))


def test_files_it_does_not_know_are_a_clear_error(pack, tmp_path):
    frozen, text = pack.path("ssd_graph").read_bytes(), pack.path("ssd_config").read_text()
    layers, consts = tf_ssd.read_graphs(frozen, text)
    with pytest.raises(tf_ssd.SsdFormatError, match="does not parse"):
        tf_ssd.read_graphs(frozen[:1000], text)  # a truncated frozen graph
    with pytest.raises(tf_ssd.SsdFormatError, match="does not parse"):
        tf_ssd.read_graphs(frozen, text.replace("node {", "nodes {", 1))
    altered = text.replace('op: "Relu6"', 'op: "Swish"', 1)
    with pytest.raises(tf_ssd.SsdFormatError, match="the layer Swish is not one this converter knows"):
        tf_ssd.build_onnx(*tf_ssd.read_graphs(frozen, altered))
    missing = {k: v for k, v in consts.items() if k != "BoxPredictor_0/ClassPredictor/weights"}
    with pytest.raises(tf_ssd.SsdFormatError, match="BoxPredictor_0/ClassPredictor/weights is not in the frozen"):
        tf_ssd.build_onnx(layers, missing)
    with pytest.raises(tf_ssd.SsdFormatError, match="no DetectionOutput"):
        tf_ssd.build_onnx([n for n in layers if n.op != "DetectionOutput"], consts)
    assert not (tmp_path / "derived").exists()


def test_detect_labels_answers_alike_with_either_runtime(tmp_path):
    """Through boto3 against two live servers, one per runtime: the same labels, confidences and boxes."""
    image = {"Bytes": PHOTOS[1].path.read_bytes()}
    answers = []
    for runtime in ("ssd-mobilenet-v2", "ssd-mobilenet-v2-onnx"):
        (tmp_path / runtime).mkdir()
        server = Server(tmp_path / runtime, workers=1, env={"OCULI_MODELS__OBJECTS": runtime})
        try:
            r = server.client().detect_labels(Image=image, MinConfidence=50)
            assert_shape("DetectLabels", r)
            answers.append(r)
        finally:
            server.stop()
    theirs, ours = ({lb["Name"]: lb for lb in a["Labels"]} for a in answers)
    assert set(ours) == set(theirs) and len(ours) >= 3, (sorted(ours), sorted(theirs))
    assert answers[0]["LabelModelVersion"] == answers[1]["LabelModelVersion"]
    for name, lb in ours.items():
        assert abs(lb["Confidence"] - theirs[name]["Confidence"]) < 0.1
        assert len(lb["Instances"]) == len(theirs[name]["Instances"])
        for a, b in zip(lb["Instances"], theirs[name]["Instances"], strict=True):
            assert all(abs(a["BoundingBox"][k] - b["BoundingBox"][k]) < TOL for k in a["BoundingBox"])
