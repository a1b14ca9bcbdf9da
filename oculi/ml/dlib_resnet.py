"""dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1.dat) read from its file and rebuilt as
an ONNX graph, so that onnxruntime runs the very same network: it lets go of the GIL and uses every core's SIMD,
where dlib-bin's build takes ~72 ms a face on one core and holds the GIL.

No maintained library reads dlib networks (PyPI has none; ksachdeva/dlib-to-tf-keras-converter needs a C++ dlib
build to dump XML first, then TensorFlow), so this reads the file itself (oculi.ml.dlib_serial). A dlib file holds
parameters and version strings, not the architecture: that is the C++ type in dlib's
`examples/dnn_face_recognition_ex.cpp` (the same one `tools/python/src/face_recognition.cpp` loads), written out
below as ARCHITECTURE, outermost layer first, which is the order dlib writes the layers' version numbers in
(`add_loss_layer`, then each `add_layer`/`add_tag_layer`/`add_skip_layer` before its subnetwork); the input layer
and each layer's parameters then follow from the innermost layer outwards. Anything that does not fit (another
network, a truncated or altered file) raises DlibFormatError naming what and where.

Semantics kept from dlib (`dnn/layers.h`, `dnn/input.h`, `cuda/cpu_dlib.cpp`):
- input: RGB 150x150, (pixel - mean of the channel) / 256 with the means stored in the file;
- con: cross-correlation, filters (num_filters, k, nr, nc) then biases in one parameter tensor, the padding stored
  (0 for the stride-2 convolutions, so 150 -> 72 -> 35 -> 17 -> 8 -> 3 -> 1);
- affine: per-channel gamma * x + beta (batch norm frozen), folded here into the convolution before it;
- add_prev: a sum whose output has the larger size of each dimension, the smaller input counting as zeros beyond
  its end: in residual_down the pooled shortcut has half the channels, and at 256 filters the strided branch is
  3x3 while the pooled shortcut is 4x4;
- avg_pool_everything then fc_no_bias: mean over the spatial positions, then x @ W with W (inputs, outputs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from oculi.ml import derived
from oculi.ml.dlib_serial import DlibFormatError, Reader

CONVERTER_VERSION = "1"  # bump when the graph built from the same file changes: cached conversions are redone
INPUT_SIZE = 150


@dataclass
class Layer:
    kind: str  # con, affine, relu, max_pool, avg_pool, avg_pool_all, add_prev, skip, tag, fc, input, loss
    n: int = 0  # filters (con, fc outputs), window side (pools), tag number (add_prev, skip, tag)
    side: int = 0  # con kernel side
    stride: int = 1
    version: int = 0  # the add_layer wrapper's version (1-3), read from the file
    params: dict[str, np.ndarray] = field(default_factory=dict)
    padding: tuple[int, int] = (0, 0)


def _block(n: int, stride: int) -> list[Layer]:
    # block<N,BN,stride> = BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>>
    return [Layer("affine"), Layer("con", n, 3, 1), Layer("relu"), Layer("affine"), Layer("con", n, 3, stride)]


def _ares(n: int) -> list[Layer]:
    # relu<add_prev1<block<N,affine,1,tag1<SUBNET>>>>
    return [Layer("relu"), Layer("add_prev", 1), *_block(n, 1), Layer("tag", 1)]


def _ares_down(n: int) -> list[Layer]:
    # relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,affine,2,tag1<SUBNET>>>>>>>
    return [Layer("relu"), Layer("add_prev", 2), Layer("avg_pool", 2, stride=2), Layer("skip", 1), Layer("tag", 2),
            *_block(n, 2), Layer("tag", 1)]


def architecture() -> list[Layer]:
    """dlib's anet_type, outermost first: loss_metric<fc_no_bias<128,avg_pool_everything<alevel0<...alevel4<
    max_pool<3,3,2,2,relu<affine<con<32,7,7,2,2,input_rgb_image_sized<150>>>>>>...>>>."""
    return [Layer("loss"), Layer("fc", 128), Layer("avg_pool_all"),
            *_ares_down(256),  # alevel0
            *_ares(256), *_ares(256), *_ares_down(256),  # alevel1
            *_ares(128), *_ares(128), *_ares_down(128),  # alevel2
            *_ares(64), *_ares(64), *_ares(64), *_ares_down(64),  # alevel3
            *_ares(32), *_ares(32), *_ares(32),  # alevel4
            Layer("max_pool", 3, stride=2), Layer("relu"), Layer("affine"), Layer("con", 32, 7, 2),
            Layer("input", INPUT_SIZE)]


# -- reading -------------------------------------------------------------------------------------------------------

WRAPPED = {"con", "affine", "relu", "max_pool", "avg_pool", "avg_pool_all", "add_prev", "fc"}  # dlib add_layer


def read_network(data: bytes, name: str = "dlib network") -> list[Layer]:
    """The layers of the face recognition ResNet in `data`, innermost (the input) first, with their parameters."""
    r = Reader(data, name)
    layers = architecture()
    r.version(1)  # add_loss_layer
    if r.tag("loss_metric_", "loss_metric_2") == "loss_metric_2":
        r.float(), r.float()  # margin, distance threshold: training only
    body = layers[1:-1]
    for i, layer in enumerate(body):
        if layer.kind in WRAPPED:
            # the add_layer right above the input layer is dlib's input specialisation (versions 2-3)
            layer.version = r.version(2, 3) if i == len(body) - 1 else r.version(1, 2)
        else:
            r.version(1)  # add_tag_layer, add_skip_layer
    inner = layers[-1]
    inner.params["mean"] = _input(r)
    for i, layer in enumerate(reversed(body)):
        if layer.kind not in WRAPPED:
            continue
        _details(r, layer)
        for _ in range(3):  # this_layer_setup_called, gradient_input_is_stale, get_output_and_gradient_input_disabled
            r.bool()
        r.tensor(), r.tensor()  # x_grad, cached_output
        if i == 0:
            r.tensor()  # grad_final
            if layer.version == 3:
                r.int()  # sample expansion factor
        elif layer.version == 2:
            r.tensor()  # params_grad
    if r.pos != len(data):
        raise r.fail("bytes left after the network")
    return list(reversed(layers))


def _input(r: Reader) -> np.ndarray:
    version = r.tag("input_rgb_image_sized", "input_rgb_image")
    mean = np.array([r.float(), r.float(), r.float()], np.float32)
    if version == "input_rgb_image_sized":
        size = (r.uint(), r.uint())
        if size != (INPUT_SIZE, INPUT_SIZE):
            raise r.fail(f"an input of {size[0]}x{size[1]} where {INPUT_SIZE}x{INPUT_SIZE} was expected")
    return mean


def _split(r: Reader, params: np.ndarray, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    flat, out, at = params.reshape(-1), [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        if at + size > flat.size:
            raise r.fail(f"a parameter tensor of {flat.size} values too short for {shapes}")
        out.append(flat[at: at + size].reshape(shape))
        at += size
    return out


def _details(r: Reader, layer: Layer) -> None:
    kind = layer.kind
    if kind == "con":
        version = r.tag("con_4", "con_5", "con_6")
        params = r.tensor()
        filters, nr, nc = r.int(), r.int(), r.int()
        stride = (r.int(), r.int())
        layer.padding = (r.int(), r.int())
        fshape, bshape = r.alias(), r.alias()
        for _ in range(4):
            r.float()  # learning-rate and weight-decay multipliers
        use_bias = r.bool() if version in ("con_5", "con_6") else True
        use_relu = r.bool() if version == "con_6" else False
        if (filters, nr, nc, stride) != (layer.n, layer.side, layer.side, (layer.stride, layer.stride)) or use_relu:
            raise r.fail(f"a {filters} filter {nr}x{nc} stride {stride} convolution where the network has "
                         f"{layer.n} filters {layer.side}x{layer.side} stride {layer.stride}")
        if fshape[0] != filters or fshape[2:] != (nr, nc):
            raise r.fail(f"filters of shape {fshape}")
        w, b = _split(r, params, fshape, (filters,)) if use_bias else (*_split(r, params, fshape), None)
        layer.params = {"w": w, "b": b if b is not None else np.zeros(filters, np.float32)}
    elif kind == "affine":
        version = r.tag("affine_", "affine_2")
        params = r.tensor()
        gshape, bshape = r.alias(), r.alias()
        r.int()  # mode: CONV_MODE here, per channel either way once the shapes are read
        disabled = r.bool() if version == "affine_2" else False
        gamma, beta = _split(r, params, gshape, bshape)
        layer.params = {"gamma": gamma.reshape(-1), "beta": beta.reshape(-1)}
        if disabled:
            layer.params = {"gamma": np.ones_like(gamma.reshape(-1)), "beta": np.zeros_like(beta.reshape(-1))}
    elif kind == "relu":
        if r.tag("relu_", "relu_2") == "relu_2" and r.bool():
            raise r.fail("a disabled relu")
    elif kind in ("max_pool", "avg_pool", "avg_pool_all"):
        r.tag("max_pool_2" if kind == "max_pool" else "avg_pool_2")
        nr, nc, sy, sx, py, px = (r.int() for _ in range(6))
        want = (0, 0, 1, 1) if kind == "avg_pool_all" else (layer.n, layer.n, layer.stride, layer.stride)
        if (nr, nc, sy, sx) != want or (kind == "avg_pool" and (py, px) != (0, 0)):
            raise r.fail(f"a {nr}x{nc} stride {sy}x{sx} pool where the network has {want}")
        layer.padding = (py, px)
    elif kind == "add_prev":
        r.tag("add_prev_")
    elif kind == "fc":
        version = r.tag("fc_2", "fc_3")
        outputs, inputs = r.uint(), r.uint()
        params = r.tensor()
        wshape, _ = r.alias(), r.alias()
        if r.int() != 1:  # fc_bias_mode: FC_NO_BIAS (FC_HAS_BIAS is 0)
            raise r.fail("a fully connected layer with a bias where the network has none")
        for _ in range(4):
            r.float()
        if version == "fc_3":
            r.bool()
        if outputs != layer.n or wshape[:2] != (inputs, outputs):
            raise r.fail(f"a fully connected layer of {inputs} -> {outputs} where the network has {layer.n} outputs")
        (w,) = _split(r, params, (inputs, outputs))
        layer.params = {"w": w}


# -- the ONNX graph --------------------------------------------------------------------------------------------------


def build_onnx(layers: list[Layer]):
    """The onnx.ModelProto of the network: input `chip` uint8 (N, 150, 150, 3) RGB as dlib.get_face_chip cuts it,
    output `descriptor` float32 (N, 128)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], **attrs) -> str:
        out = f"t{len(nodes)}"
        nodes.append(helper.make_node(op, inputs, [out], name=f"{op}_{len(nodes)}", **attrs))
        return out

    def pad_to(x: str, shape: tuple[int, int, int], to: tuple[int, int, int]) -> str:
        if shape == to:
            return x
        extra = [0, 0, 0, 0, 0, to[0] - shape[0], to[1] - shape[1], to[2] - shape[2]]
        return node("Pad", [x, const(f"pad{len(nodes)}", np.array(extra, np.int64))], mode="constant")

    x = node("Cast", ["chip"], to=TensorProto.FLOAT)
    x = node("Transpose", [x], perm=[0, 3, 1, 2])
    mean = layers[0].params["mean"].reshape(1, 3, 1, 1)
    x = node("Mul", [node("Sub", [x, const("mean", mean)]), const("scale", np.float32([1 / 256]))])
    shape = (3, INPUT_SIZE, INPUT_SIZE)  # (channels, rows, columns) of the current value
    tags: dict[int, tuple[str, tuple[int, int, int]]] = {}
    pending = None  # a convolution waiting for the affine after it (folded into its weights)

    def flush() -> None:
        nonlocal x, pending
        if pending is not None:
            layer, w, b = pending
            x = node("Conv", [x, const(f"w{len(nodes)}", w), const(f"b{len(nodes)}", b)],
                     kernel_shape=[layer.side, layer.side], strides=[layer.stride, layer.stride],
                     pads=[*layer.padding, *layer.padding])
            pending = None

    for layer in layers[1:-1]:
        if layer.kind == "affine" and pending is not None:
            con, w, b = pending
            g, beta = layer.params["gamma"], layer.params["beta"]
            pending = (con, (w * g[:, None, None, None]).astype(np.float32), (b * g + beta).astype(np.float32))
            continue
        flush()
        if layer.kind == "con":
            c, h, wd = shape
            pending = (layer, layer.params["w"], layer.params["b"])
            py, px = layer.padding
            shape = (layer.n, 1 + (h + 2 * py - layer.side) // layer.stride,
                     1 + (wd + 2 * px - layer.side) // layer.stride)
        elif layer.kind == "affine":  # an affine not after a convolution (not in this network)
            g, beta = layer.params["gamma"], layer.params["beta"]
            x = node("Add", [node("Mul", [x, const(f"g{len(nodes)}", g.reshape(1, -1, 1, 1))]),
                             const(f"be{len(nodes)}", beta.reshape(1, -1, 1, 1))])
        elif layer.kind == "relu":
            x = node("Relu", [x])
        elif layer.kind in ("max_pool", "avg_pool"):
            py, px = layer.padding
            x = node("MaxPool" if layer.kind == "max_pool" else "AveragePool", [x], kernel_shape=[layer.n, layer.n],
                     strides=[layer.stride, layer.stride], pads=[py, px, py, px])
            c, h, wd = shape
            shape = (c, 1 + (h + 2 * py - layer.n) // layer.stride, 1 + (wd + 2 * px - layer.n) // layer.stride)
        elif layer.kind == "tag":
            tags[layer.n] = (x, shape)
        elif layer.kind == "skip":
            x, shape = tags[layer.n]
        elif layer.kind == "add_prev":
            other, oshape = tags[layer.n]
            to = tuple(max(a, b) for a, b in zip(shape, oshape, strict=True))
            x = node("Add", [pad_to(x, shape, to), pad_to(other, oshape, to)])
            shape = to
        elif layer.kind == "avg_pool_all":
            x = node("Flatten", [node("GlobalAveragePool", [x])])
            shape = (shape[0], 1, 1)
        elif layer.kind == "fc":
            x = node("MatMul", [x, const("fc", layer.params["w"])])
    nodes[-1].output[0] = "descriptor"
    graph = helper.make_graph(
        nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chip", TensorProto.UINT8, ["n", INPUT_SIZE, INPUT_SIZE, 3])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["n", layers[-2].n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="oculi")
    model.ir_version = 8  # onnxruntime >= 1.14 reads it
    helper.set_model_props(model, {"converter": CONVERTER_VERSION})
    onnx.checker.check_model(model)
    return model


# -- the cached conversion ---------------------------------------------------------------------------------------


def converted(source: Path, cache: Path, sha256: str | None = None) -> Path:
    """The ONNX file converted from the dlib network `source`, under `cache` as `<sha256 of source>.onnx`: made
    once (written to a temporary file and renamed, so that concurrent processes never read half a file), then
    reused. `sha256`: the source's hash when already verified (the model pack pins it)."""
    digest = sha256 or hashlib.sha256(source.read_bytes()).hexdigest()
    return derived.cached(cache / f"{digest}.v{CONVERTER_VERSION}.onnx",
                          lambda: build_onnx(read_network(source.read_bytes(), source.name)).SerializeToString())


__all__ = ["DlibFormatError", "architecture", "build_onnx", "converted", "read_network"]
