"""The TensorFlow SSD graph that OpenCV DNN runs (SSD-MobileNetV2 COCO, TF model zoo 2018-03-29) rebuilt as an
ONNX graph, so that onnxruntime runs the very same network, several times faster on a small CPU.

OpenCV reads two files: the frozen `GraphDef` (binary, the weights, plus TF's own pre- and post-processing that
OpenCV cannot run) and OpenCV's text graph (`tf_text_graph_ssd.py`'s output: the network simplified to Conv2D,
DepthwiseConv2dNative, BiasAdd, FusedBatchNorm, Relu6, Add, Flatten, ConcatV2, then Caffe-SSD's PriorBox and
DetectionOutput). This module does what OpenCV's TF importer does with them: the text graph gives the layers and
their order, the frozen graph the constants they name. Both are read by protobuf itself, with the few GraphDef,
NodeDef, AttrValue and TensorProto fields declared below by their numbers in TensorFlow's `.proto` files (no
TensorFlow is installed).

Semantics kept from OpenCV (`modules/dnn/src/tensorflow/tf_importer.cpp`, `layers/prior_box_layer.cpp`,
`layers/detection_output_layer.cpp`):
- input: the blob `cv2.dnn.blobFromImage(rgb, size=(300, 300))` gives (N, 3, 300, 300, RGB 0-255); the graph's
  Preprocessor multiplies by 2/255 and subtracts 1;
- convolutions with TF's SAME padding (the odd pixel of a stride-2 window padded at the end), batch norm and
  bias folded into the convolution before them, Relu6 as Clip(0, 6);
- Flatten and ConcatV2 flatten TF's NHWC layout (the ONNX graph is NCHW: transposed first);
- PriorBox: for each cell (row, column) of a feature map of H x W, centre ((c + 0.5) * 300 / W, (r + 0.5) * 300 /
  H), one prior per listed width and height, as ratios of the 300 px input, not clipped;
- DetectionOutput, code CENTER_SIZE with the PriorBox variances; a convolution marked `loc_pred_transposed` gives
  (dy, dx, dh, dw) per prior, TF's order, where Caffe has (dx, dy, dw, dh). The decoded boxes and the sigmoid
  scores are the graph's outputs; the per-class NMS that follows (`nms`) runs in numpy with the layer's
  attributes, which the ONNX file keeps in its metadata.
Anything the text graph holds that this does not know raises SsdFormatError naming it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from oculi.ml import derived

if TYPE_CHECKING:
    import onnx

CONVERTER_VERSION = "1"  # bump when the graph built from the same files changes: cached conversions are redone
INPUT_SIZE = 300
OPSET = 13


class SsdFormatError(ValueError):
    """The files are not the TF SSD graph pair this converter knows."""


@functools.cache
def _graph_def():
    """The GraphDef message class, declared with only the fields read here (field numbers of TensorFlow's
    graph.proto, node_def.proto, attr_value.proto, tensor.proto, tensor_shape.proto and types.proto)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    f = descriptor_pb2.FieldDescriptorProto
    opt, rep = f.LABEL_OPTIONAL, f.LABEL_REPEATED
    fd = descriptor_pb2.FileDescriptorProto(name="oculi_tf_graph.proto", package="oculi_tf", syntax="proto3")
    dtype = fd.enum_type.add(name="DataType")
    for name, number in (("DT_INVALID", 0), ("DT_FLOAT", 1), ("DT_DOUBLE", 2), ("DT_INT32", 3), ("DT_UINT8", 4),
                         ("DT_STRING", 7), ("DT_INT64", 9), ("DT_BOOL", 10)):
        dtype.value.add(name=name, number=number)

    def message(parent, name, fields):
        m = parent.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            m.field.add(name=fname, number=number, type=ftype, label=label, type_name=type_name or None)
        return m

    message(fd.message_type, "Dim", [("size", 1, f.TYPE_INT64, opt, None), ("name", 2, f.TYPE_STRING, opt, None)])
    message(fd.message_type, "Shape", [("dim", 2, f.TYPE_MESSAGE, rep, ".oculi_tf.Dim"),
                                       ("unknown_rank", 3, f.TYPE_BOOL, opt, None)])
    message(fd.message_type, "Tensor", [
        ("dtype", 1, f.TYPE_ENUM, opt, ".oculi_tf.DataType"),
        ("tensor_shape", 2, f.TYPE_MESSAGE, opt, ".oculi_tf.Shape"),
        ("tensor_content", 4, f.TYPE_BYTES, opt, None), ("float_val", 5, f.TYPE_FLOAT, rep, None),
        ("int_val", 7, f.TYPE_INT32, rep, None)])
    message(fd.message_type, "ListValue", [("s", 2, f.TYPE_BYTES, rep, None), ("i", 3, f.TYPE_INT64, rep, None),
                                           ("f", 4, f.TYPE_FLOAT, rep, None)])
    message(fd.message_type, "AttrValue", [
        ("list", 1, f.TYPE_MESSAGE, opt, ".oculi_tf.ListValue"), ("s", 2, f.TYPE_BYTES, opt, None),
        ("i", 3, f.TYPE_INT64, opt, None), ("f", 4, f.TYPE_FLOAT, opt, None), ("b", 5, f.TYPE_BOOL, opt, None),
        ("type", 6, f.TYPE_ENUM, opt, ".oculi_tf.DataType"), ("shape", 7, f.TYPE_MESSAGE, opt, ".oculi_tf.Shape"),
        ("tensor", 8, f.TYPE_MESSAGE, opt, ".oculi_tf.Tensor")])
    node = message(fd.message_type, "NodeDef", [
        ("name", 1, f.TYPE_STRING, opt, None), ("op", 2, f.TYPE_STRING, opt, None),
        ("input", 3, f.TYPE_STRING, rep, None), ("device", 4, f.TYPE_STRING, opt, None),
        ("attr", 5, f.TYPE_MESSAGE, rep, ".oculi_tf.NodeDef.AttrEntry")])
    entry = message(node.nested_type, "AttrEntry", [("key", 1, f.TYPE_STRING, opt, None),
                                                    ("value", 2, f.TYPE_MESSAGE, opt, ".oculi_tf.AttrValue")])
    entry.options.map_entry = True
    message(fd.message_type, "FunctionDefLibrary", [])
    message(fd.message_type, "GraphDef", [("node", 1, f.TYPE_MESSAGE, rep, ".oculi_tf.NodeDef"),
                                          ("library", 2, f.TYPE_MESSAGE, opt, ".oculi_tf.FunctionDefLibrary")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("oculi_tf.GraphDef"))


def _tensor(t) -> np.ndarray:
    shape = [d.size for d in t.tensor_shape.dim]
    kinds = {1: np.float32, 3: np.int32}
    if t.dtype not in kinds:
        raise SsdFormatError(f"a constant of TF dtype {t.dtype}, not float32 or int32")
    if t.tensor_content:
        return np.frombuffer(t.tensor_content, dtype=np.dtype(kinds[t.dtype]).newbyteorder("<")).reshape(shape)
    values = np.asarray(t.float_val if t.dtype == 1 else t.int_val, dtype=kinds[t.dtype])
    if values.size == 1:  # one value stands for every element
        return np.full(shape, values[0], dtype=values.dtype)
    return values.reshape(shape)


def read_graphs(frozen: bytes, text: str):
    """(the text graph's nodes in order, the frozen graph's constants by name)."""
    from google.protobuf import text_format
    from google.protobuf.message import DecodeError

    graph_def = _graph_def()
    layers = graph_def()
    try:
        text_format.Parse(text, layers)
    except text_format.ParseError as e:
        raise SsdFormatError(f"the text graph does not parse as a GraphDef: {e}") from e
    frozen_graph = graph_def()
    try:
        frozen_graph.ParseFromString(frozen)
    except DecodeError as e:
        raise SsdFormatError(f"the frozen graph does not parse as a GraphDef: {e}") from e
    consts = {n.name: n.attr["value"].tensor for n in frozen_graph.node if n.op == "Const"}
    return list(layers.node), consts


@dataclass
class _Conv:
    node: object  # the ONNX Conv node, whose initializers are written when the graph is done
    weights: np.ndarray  # (out, in/group, k, k) float64
    bias: np.ndarray  # (out,) float64


def _priors(node, shape: tuple[int, int, int]) -> np.ndarray:
    """PriorBox: (H * W * A, 4) boxes x0, y0, x1, y1 as ratios of the input, row, column, prior order."""
    widths, heights = _tensor(node.attr["width"].tensor), _tensor(node.attr["height"].tensor)
    if node.attr["clip"].b or node.attr["flip"].b or "aspect_ratio" in node.attr:
        raise SsdFormatError(f"{node.name}: a PriorBox with clip, flip or aspect ratios")
    _, h, w = shape
    cy, cx = np.meshgrid((np.arange(h) + 0.5) * INPUT_SIZE / h, (np.arange(w) + 0.5) * INPUT_SIZE / w, indexing="ij")
    cx, cy = cx[:, :, None], cy[:, :, None]
    bw, bh = widths.astype(np.float64) / 2, heights.astype(np.float64) / 2
    boxes = np.stack([cx - bw, cy - bh, cx + bw, cy + bh], axis=-1) / INPUT_SIZE
    return boxes.reshape(-1, 4)


def build_onnx(layers, consts) -> onnx.ModelProto:
    """The ONNX graph: input `image` (N, 3, 300, 300) float RGB 0-255; outputs `boxes` (N, P, 4: x0, y0, x1, y1
    as ratios) and `scores` (N, P, classes), P priors; DetectionOutput's attributes in the metadata `nms`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, convs, shapes, alias = [], [], {}, {}, {}
    priors, variances, transposed, detection = {}, {}, set(), None

    def src(name: str) -> str:
        name = name.split(":")[0]
        return alias.get(name, name)

    def const(name: str) -> np.ndarray:
        if name not in consts:
            raise SsdFormatError(f"the constant {name} is not in the frozen graph")
        return _tensor(consts[name])

    def init(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    for n in layers:
        ins = [src(i) for i in n.input if not i.startswith("^")]
        if n.op == "Placeholder":
            alias[n.name], shapes["image"] = "image", (3, INPUT_SIZE, INPUT_SIZE)
        elif n.op == "Identity":
            alias[n.name] = ins[0]
        elif n.op in ("Mul", "Sub", "Add"):
            args = [i if i in shapes else init(f"{n.name}/{k}", const(i).astype(np.float32))
                    for k, i in enumerate(ins)]  # a tensor and a constant (Preprocessor), or two tensors
            nodes.append(helper.make_node(n.op, args, [n.name], name=n.name))
            shapes[n.name] = next(shapes[i] for i in ins if i in shapes)
        elif n.op in ("Conv2D", "DepthwiseConv2dNative"):
            kernel = const(ins[1]).astype(np.float64)  # HWIO, or HW(C)(multiplier) for depthwise
            strides, dilations = list(n.attr["strides"].list.i), list(n.attr["dilations"].list.i)
            if n.attr["padding"].s != b"SAME" or strides[1] != strides[2] or any(d != 1 for d in dilations):
                raise SsdFormatError(f"{n.name}: padding {n.attr['padding'].s!r}, strides {strides}, "
                                     f"dilations {dilations}")
            kh, kw, cin, cout = kernel.shape
            if n.op == "DepthwiseConv2dNative":
                weights, group = kernel.reshape(kh, kw, cin * cout, 1).transpose(2, 3, 0, 1), cin
                cout = cin * cout
            else:
                weights, group = kernel.transpose(3, 2, 0, 1), 1
            _, h, w = shapes[ins[0]]
            s = strides[1]
            oh, ow = -(-h // s), -(-w // s)
            ph, pw = max((oh - 1) * s + kh - h, 0), max((ow - 1) * s + kw - w, 0)
            node = helper.make_node("Conv", [ins[0], f"{n.name}/W", f"{n.name}/B"], [n.name], name=n.name,
                                    strides=[s, s], group=group, kernel_shape=[kh, kw],
                                    pads=[ph // 2, pw // 2, ph - ph // 2, pw - pw // 2])
            nodes.append(node)
            convs[n.name] = _Conv(node, weights, np.zeros(cout))
            shapes[n.name] = (cout, oh, ow)
            if n.attr["loc_pred_transposed"].b:
                transposed.add(n.name)
        elif n.op in ("BiasAdd", "FusedBatchNorm"):
            conv = convs.get(ins[0])
            if conv is None:
                raise SsdFormatError(f"{n.name}: a {n.op} that does not follow a convolution")
            if n.op == "BiasAdd":
                conv.bias = conv.bias + const(ins[1])
            else:
                gamma, beta, mean, var = (const(i).astype(np.float64) for i in ins[1:5])
                scale = gamma / np.sqrt(var + n.attr["epsilon"].f)
                conv.weights = conv.weights * scale[:, None, None, None]
                conv.bias = (conv.bias - mean) * scale + beta
            alias[n.name] = ins[0]  # the convolution's output is the folded layer's
            if ins[0] in transposed:
                transposed.add(n.name)
        elif n.op == "Relu6":
            nodes.append(helper.make_node("Clip", [ins[0], "zero", "six"], [n.name], name=n.name))
            shapes[n.name] = shapes[ins[0]]
        elif n.op == "Flatten":  # TF flattens NHWC
            nodes.append(helper.make_node("Transpose", [ins[0]], [f"{n.name}/nhwc"], perm=[0, 2, 3, 1]))
            nodes.append(helper.make_node("Flatten", [f"{n.name}/nhwc"], [n.name], name=n.name, axis=1))
            shapes[n.name] = (int(np.prod(shapes[ins[0]])),)
        elif n.op == "ConcatV2" and all(i in priors for i in ins[:-1]):
            priors[n.name] = np.concatenate([priors[i] for i in ins[:-1]])
            variances[n.name] = variances[ins[0]]
        elif n.op == "ConcatV2":
            axis = int(const(n.input[-1]).reshape(-1)[0]) if n.input[-1] in consts else -1
            if axis not in (-1, 1):
                raise SsdFormatError(f"{n.name}: a concatenation on axis {axis}")
            nodes.append(helper.make_node("Concat", ins[:-1], [n.name], name=n.name, axis=1))
            shapes[n.name] = (sum(shapes[i][0] for i in ins[:-1]),)
        elif n.op == "Sigmoid":
            nodes.append(helper.make_node("Sigmoid", [ins[0]], [n.name], name=n.name))
            shapes[n.name] = shapes[ins[0]]
        elif n.op == "PriorBox":
            if ins[0] not in transposed:
                raise SsdFormatError(f"{n.name}: box encodings not in TF's (dy, dx, dh, dw) order")
            priors[n.name] = _priors(n, shapes[ins[0]])
            variances[n.name] = _tensor(n.attr["variance"].tensor).astype(np.float64)
        elif n.op == "DetectionOutput":
            detection = n, ins
        elif n.op != "Const":
            raise SsdFormatError(f"{n.name}: the layer {n.op} is not one this converter knows")
    if detection is None:
        raise SsdFormatError("the text graph has no DetectionOutput layer")
    n, (loc, conf, prior) = detection
    if n.attr["code_type"].s != b"CENTER_SIZE" or not n.attr["share_location"].b:
        raise SsdFormatError(f"{n.name}: code type {n.attr['code_type'].s!r} or unshared locations")
    classes = int(n.attr["num_classes"].i)
    boxes, var = priors[prior], variances[prior]
    # decoded box = centre + var[0,1] * (dx, dy) * size, size * exp(var[2,3] * (dw, dh)), in TF's (y, x) order
    centre = np.stack([(boxes[:, 1] + boxes[:, 3]) / 2, (boxes[:, 0] + boxes[:, 2]) / 2], axis=-1)
    size = np.stack([boxes[:, 3] - boxes[:, 1], boxes[:, 2] - boxes[:, 0]], axis=-1)
    nodes += [
        helper.make_node("Reshape", [loc, "loc_shape"], ["loc"]),  # (N, P, 4): dy, dx, dh, dw
        helper.make_node("Slice", ["loc", "zero_i", "two_i", "two_i"], ["loc_yx"]),
        helper.make_node("Slice", ["loc", "two_i", "four_i", "two_i"], ["loc_hw"]),
        helper.make_node("Mul", ["loc_yx", "centre_scale"], ["offset"]),
        helper.make_node("Add", ["offset", "prior_centre"], ["centre_yx"]),
        helper.make_node("Mul", ["loc_hw", "size_var"], ["log_hw"]),
        helper.make_node("Exp", ["log_hw"], ["scale_hw"]),
        helper.make_node("Mul", ["scale_hw", "half_size"], ["half_hw"]),
        helper.make_node("Sub", ["centre_yx", "half_hw"], ["min_yx"]),
        helper.make_node("Add", ["centre_yx", "half_hw"], ["max_yx"]),
        helper.make_node("Concat", ["min_yx", "max_yx"], ["box_yx"], axis=2),
        helper.make_node("Gather", ["box_yx", "xy_order"], ["boxes"], axis=2),  # y0 x0 y1 x1 -> x0 y0 x1 y1
        helper.make_node("Reshape", [conf, "conf_shape"], ["scores"]),
    ]
    f32 = functools.partial(np.asarray, dtype=np.float32)
    init("zero", f32(0.0)), init("six", f32(6.0))
    init("zero_i", np.array([0], np.int64)), init("two_i", np.array([2], np.int64))
    init("four_i", np.array([4], np.int64))
    init("loc_shape", np.array([0, -1, 4], np.int64)), init("conf_shape", np.array([0, -1, classes], np.int64))
    init("centre_scale", f32(size * var[[1, 0]])), init("prior_centre", f32(centre))
    init("size_var", f32(var[[3, 2]])), init("half_size", f32(size / 2))
    init("xy_order", np.array([1, 0, 3, 2], np.int64))
    for name, conv in convs.items():
        init(f"{name}/W", conv.weights.astype(np.float32)), init(f"{name}/B", conv.bias.astype(np.float32))
    p = len(boxes)
    graph = helper.make_graph(
        nodes, "ssd", [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, INPUT_SIZE, INPUT_SIZE])],
        [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, ["N", p, 4]),
         helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", p, classes])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="oculi.ml.tf_ssd")
    helper.set_model_props(model, {"nms": json.dumps(detection_settings(layers))})
    onnx.checker.check_model(model)
    return model


def nms(boxes: np.ndarray, scores: np.ndarray, settings: dict, min_score: float = 0.0) -> np.ndarray:
    """OpenCV's DetectionOutput after decoding, on one image: (n, 6) rows of class, score, x0, y0, x1, y1.

    Per class but the background: the priors scoring above the layer's threshold (and at least `min_score`),
    best first (stable), at most top_k, greedy NMS at IoU > nms_threshold; then at most keep_top_k rows overall,
    best first (as OpenCV 4.x gives them). Dropping rows under `min_score` first gives the same rows at or above it:
    a box is suppressed only by a better one of its class, and the top-k cuts drop the worst."""
    thr = max(settings["confidence_threshold"], 0.0)
    cand_p, cand_c = np.nonzero((scores > thr) & (scores >= min_score))
    keep_c, keep_i = [], []
    for c in np.unique(cand_c):
        if c == settings["background"]:
            continue
        idx = cand_p[cand_c == c]
        idx = idx[np.argsort(-scores[idx, c], kind="stable")][: settings["top_k"]]
        b = boxes[idx]
        area = np.where((b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1]), 0.0, (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))
        kept: list[int] = []
        for j in range(len(idx)):
            if kept:
                k = np.asarray(kept)
                iw = np.minimum(b[k, 2], b[j, 2]) - np.maximum(b[k, 0], b[j, 0])
                ih = np.minimum(b[k, 3], b[j, 3]) - np.maximum(b[k, 1], b[j, 1])
                inter = np.where((iw > 0) & (ih > 0), iw * ih, 0.0)
                union = area[k] + area[j] - inter
                overlap = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
                if np.any(overlap > settings["nms_threshold"]):
                    continue
            kept.append(j)
        keep_c += [c] * len(kept)
        keep_i += list(idx[kept])
    if not keep_i:
        return np.zeros((0, 6), np.float32)
    cls, idx = np.asarray(keep_c), np.asarray(keep_i)
    score = scores[idx, cls]
    if len(idx) > settings["keep_top_k"]:
        top = np.argsort(-score, kind="stable")[: settings["keep_top_k"]]
        cls, idx, score = cls[top], idx[top], score[top]
    order = np.argsort(-score, kind="stable")
    return np.column_stack([cls[order], score[order], boxes[idx[order]]]).astype(np.float32)


def converted(frozen: Path, text: Path, cache: Path, sha256: str) -> Path:
    """The ONNX file converted from the frozen graph `frozen` and OpenCV's text graph `text`, under `cache` as
    `<sha256>.v<version>.onnx` (`sha256`: the pinned hashes of both files, which the pack verified): made once,
    written to a temporary file and renamed, so that concurrent processes never read half a file, then reused."""
    return derived.cached(cache / f"{sha256}.v{CONVERTER_VERSION}.onnx",
                          lambda: build_onnx(*read_graphs(frozen.read_bytes(), text.read_text())).SerializeToString())


def detection_settings(layers) -> dict:
    """DetectionOutput's attributes that the numpy NMS (`nms`) follows, from the text graph's nodes."""
    n = next((n for n in layers if n.op == "DetectionOutput"), None)
    if n is None:
        raise SsdFormatError("the text graph has no DetectionOutput layer")
    return {"background": int(n.attr["background_label_id"].i), "nms_threshold": float(n.attr["nms_threshold"].f),
            "top_k": int(n.attr["top_k"].i), "keep_top_k": int(n.attr["keep_top_k"].i),
            "confidence_threshold": float(n.attr["confidence_threshold"].f)}
