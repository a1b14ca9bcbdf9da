"""Labels (VOC photos with ground truth), text (rendered and scanned pages), moderation on safe photos."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from oculi.ml.interfaces import ModerationClassifier, TextRecognizer
from oculi.services.image_properties import image_properties
from oculi.services.labels import LabelFilter, detect_labels
from oculi.services.moderation import detect_moderation_labels
from oculi.services.text import detect_text
from oculi.services.types import Box
from tests.conftest import data, load_rgb

pytestmark = pytest.mark.slow

VOC_TO_LABEL = {"chair": "Chair", "diningtable": "Dining Table", "tvmonitor": "TV", "sofa": "Couch",
                "pottedplant": "Potted Plant", "person": "Person", "cup": "Cup", "bottle": "Bottle",
                "bowl": "Bowl", "vase": "Vase", "sink": "Sink", "book": "Book", "dog": "Dog", "cat": "Cat"}
FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _ground_truth():
    for gt in sorted(data("objects/voc2007/ground-truth").glob("*.txt")):
        img = data("objects/voc2007/images-optional") / (gt.stem + ".jpg")
        rows = [line.split() for line in gt.read_text().splitlines() if line.strip()]
        yield img, [(r[0], *map(float, r[1:5])) for r in rows]


def _iou(a, b):
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_voc_objects_found_with_boxes(models):
    """Of the large ground-truth objects of COCO classes, most are found with a box at IoU >= 0.5."""
    found = total = 0
    for img_path, objects in list(_ground_truth())[:40]:
        rgb = load_rgb(img_path)
        h, w = rgb.shape[:2]
        labels = {lb.name: lb for lb in detect_labels(models, rgb, min_confidence=30)}
        for cls, x0, y0, x1, y1 in objects:
            name = VOC_TO_LABEL.get(cls)
            if not name or (x1 - x0) * (y1 - y0) < 0.1 * w * h:
                continue
            total += 1
            boxes = [(b.left * w, b.top * h, (b.left + b.width) * w, (b.top + b.height) * h)
                     for b, _ in labels[name].instances] if name in labels else []
            found += any(_iou(bx, (x0, y0, x1, y1)) >= 0.5 for bx in boxes)
    assert total >= 15
    assert found / total >= 0.5, f"recall {found}/{total}"  # measured 22/37 = 0.59 (SSD-MobileNetV2)


def test_person_photo_has_person_label_with_parents_and_aliases(models):
    labels = detect_labels(models, load_rgb(data("faces/face_recognition/examples/two_people.jpg")))
    by_name = {lb.name: lb for lb in labels}
    assert "Person" in by_name and len(by_name["Person"].instances) == 2
    assert by_name["Person"].category == "Person Description"
    assert labels == sorted(labels, key=lambda lb: (-lb.confidence, lb.name))
    only = detect_labels(models, load_rgb(data("faces/face_recognition/examples/two_people.jpg")),
                         label_filter=LabelFilter(include_labels=frozenset({"person"})))
    assert [lb.name for lb in only] == ["Person"]


def test_image_properties_on_drawn_image():
    img = np.zeros((200, 300, 3), np.uint8)
    img[:, :150] = (255, 0, 0)
    img[:, 150:] = (0, 0, 255)
    props = image_properties(img)
    names = {c.css for c in props.dominant_colors[:2]}
    assert names == {"red", "blue"}
    assert all(abs(c.pixel_percent - 50) < 2 for c in props.dominant_colors[:2])
    bw = np.zeros((200, 300, 3), np.uint8)
    bw[:, 150:] = 255
    assert image_properties(bw).quality.contrast > 95
    flat = image_properties(np.full((200, 200, 3), 128, np.uint8))
    assert flat.quality.sharpness < 1 and abs(flat.quality.brightness - 50.2) < 1


def test_foreground_and_background_colours_of_a_large_photo():
    """A 12 MP image: a red object box on a blue-and-green background, split 30/70. The masked pixels are
    sampled without listing every position; each side still sees only its own colours, in proportion."""
    img = np.zeros((3000, 4000, 3), np.uint8)
    img[:, :2000] = (0, 0, 255)
    img[:, 2000:] = (0, 128, 0)
    img[1000:2500, 500:3500] = (255, 0, 0)  # 4.5 MP of 12: more than masked_pixels lists one by one
    props = image_properties(img, [Box(500 / 4000, 1000 / 3000, 3000 / 4000, 1500 / 3000)])
    _, fg = props.foreground
    assert [c.css for c in fg] == ["red"] and fg[0].pixel_percent == 100
    _, bg = props.background
    assert {c.css for c in bg} == {"blue", "green"}
    assert all(abs(c.pixel_percent - 50) < 3 for c in bg)  # 3.75 MP of each outside the box
    assert abs(sum(c.pixel_percent for c in props.dominant_colors if c.css == "red") - 37.5) < 2


def _render(words: list[str], font: Path, size: int) -> np.ndarray:
    f = ImageFont.truetype(str(font), size)
    img = Image.new("RGB", (1000, 120 + 0 * size), "white")
    ImageDraw.Draw(img).text((30, 30), " ".join(words), font=f, fill="black")
    return np.asarray(img)


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf"])
def test_rendered_random_words_read_exactly(models, font):
    rng = random.Random(font)
    vocab = ["harbor", "violet", "engine", "marble", "silent", "copper", "window", "garden", "pocket", "ladder"]
    words = rng.sample(vocab, 4)
    found = detect_text(models, _render(words, FONTS / font, 44))
    lines = [d for d in found if d.type == "LINE"]
    got = [d.text.lower() for d in found if d.type == "WORD"]
    assert got == words, f"{font}: read {[d.text for d in lines]}"
    assert all(d.parent_id == lines[0].id for d in found if d.type == "WORD")
    word_boxes = [d.box for d in found if d.type == "WORD"]
    assert all(a.left + a.width <= b.left + 0.01 for a, b in itertools_pairwise(word_boxes))


def itertools_pairwise(seq):
    return zip(seq, seq[1:], strict=False)


def test_phototest_page_words(models):
    gold = data("text/tesseract/phototest.gold.txt").read_text().split()
    for rel in ("text/pytesseract/test.png", "text/tesseract/phototest-rotated-180.png"):
        found = [d.text for d in detect_text(models, load_rgb(data(rel))) if d.type == "WORD"]
        hits = sum(1 for w in gold if w in found)
        assert hits / len(gold) >= 0.85, f"{rel}: {hits}/{len(gold)}"


def test_a_page_photographed_large_is_shrunk_before_the_ocr_with_the_same_result(models):
    """Past 2000 px a side, TextRecognizer shrinks the photo itself (rapidocr's resize) and maps the quads back:
    the lines, words and quads must be what rapidocr gives when handed the full photo."""
    page = load_rgb(data("text/pytesseract/test.png"))  # 640 x 480
    big = np.asarray(Image.fromarray(page).resize((2560, 1920), Image.Resampling.BICUBIC))
    task = models.get(TextRecognizer)
    ours = task.predict(big)
    reference = task._read(task.engine, np.ascontiguousarray(big[:, :, ::-1]))[0]  # rapidocr's shrink and mapping
    assert [t.text for t in ours] == [t.text for t in reference] and len(ours) >= 7
    for a, b in zip(ours, reference, strict=True):
        assert np.abs(np.subtract(a.quad, b.quad)).max() <= 4  # px of 2560; unmapped quads are off by 100s
        assert [w[0] for w in a.words] == [w[0] for w in b.words]
        assert all(np.abs(np.subtract(wa[2], wb[2])).max() <= 4 for wa, wb in zip(a.words, b.words, strict=True))


def test_safe_photos_have_no_moderation_labels(models):
    for rel in ("faces/face_recognition/examples/obama.jpg", "faces/aws-rekognition-lambda/smiling-lady.jpg",
                "faces/aws-rekognition-lambda/no-face.jpg"):
        p = models.get(ModerationClassifier).predict(load_rgb(data(rel)))
        assert p["sfw"] > 0.8 and abs(sum(p.values()) - 1) < 1e-3
        assert detect_moderation_labels(models, load_rgb(data(rel))) == []


def test_text_sessions_let_idle_threads_sleep(models):
    """rapidocr's own onnxruntime sessions get the setting of every other session (no spinning threads)."""
    from omegaconf import OmegaConf
    from rapidocr.inference_engine.onnxruntime import main as engine

    models.get(TextRecognizer)
    options = engine.OrtInferSession._init_sess_opts(OmegaConf.create(
        {"enable_cpu_mem_arena": False, "intra_op_num_threads": 2, "inter_op_num_threads": 1}))
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.intra_op_num_threads == 2
