"""A reader of dlib's binary serialization format, enough of it to read a trained `dlib::dnn` network.

Written from the format as dlib's `serialize.h`, `float_details.h` and `cuda/tensor.h` define it (dlib 19.x-20.x):
- integers: one control byte (low nibble: how many little-endian magnitude bytes follow, 1-8; bit 0x80: negative,
  signed types only), then those bytes;
- floats and doubles outside tensors: "float_details", an integer mantissa then an integer exponent
  (value = mantissa * 2**exponent; exponents 32000-32002 stand for +inf, -inf and NaN);
- bool: the character '0' or '1'; std::string: its length as an integer, then its bytes;
- tensor (version 2): num_samples, k, nr, nc as integers, then every value as a 4-byte little-endian IEEE float;
- alias_tensor (version 1): its four dimensions only.
Every failure (a short file, a control byte out of range, an unexpected version) is a DlibFormatError that says
where in the file it happened.
"""

from __future__ import annotations

import math

import numpy as np

_INF, _NINF, _NAN = 32000, 32001, 32002


class DlibFormatError(ValueError):
    """The bytes are not the dlib serialization expected at this point (a truncated or altered file)."""


class Reader:
    def __init__(self, data: bytes, name: str = "dlib file"):
        self.data = memoryview(data)
        self.name = name
        self.pos = 0

    def fail(self, what: str) -> DlibFormatError:
        return DlibFormatError(f"{self.name}: {what} at byte {self.pos} of {len(self.data)}")

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise self.fail(f"unexpected end of file (wanted {n} bytes)")
        chunk = self.data[self.pos: self.pos + n]
        self.pos += n
        return chunk

    def int(self, signed: bool = True) -> int:
        control = self.take(1)[0]
        size = control & 0x0F
        if control & 0x70 or size == 0 or size > 8 or (control & 0x80 and not signed):
            self.pos -= 1
            raise self.fail(f"not an integer (control byte 0x{control:02x})")
        value = int.from_bytes(self.take(size), "little")
        return -value if control & 0x80 else value

    def uint(self) -> int:
        return self.int(signed=False)

    def float(self) -> float:
        mantissa, exponent = self.int(), self.int()
        if exponent == _INF:
            return math.inf
        if exponent == _NINF:
            return -math.inf
        if exponent == _NAN:
            return math.nan
        return math.ldexp(float(mantissa), exponent)

    def bool(self) -> bool:
        ch = self.take(1)[0]
        if ch not in (ord("0"), ord("1")):
            self.pos -= 1
            raise self.fail(f"not a bool (byte 0x{ch:02x})")
        return ch == ord("1")

    def string(self, limit: int = 1 << 16) -> str:
        size = self.uint()
        if size > limit:
            raise self.fail(f"a string of {size} bytes")
        raw = bytes(self.take(size))
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise self.fail("a string that is not ASCII") from None

    def version(self, *expected: int) -> int:
        """An integer version number, one of `expected`."""
        v = self.int()
        if v not in expected:
            raise self.fail(f"version {v} where {' or '.join(map(str, expected))} was expected")
        return v

    def tag(self, *expected: str) -> str:
        """A layer's version string (dlib writes e.g. "con_4" before a layer's parameters), one of `expected`."""
        start = self.pos
        try:
            v = self.string(limit=64)
        except DlibFormatError:
            self.pos = start
            raise self.fail(f"no version string where {' or '.join(expected)} was expected") from None
        if v not in expected:
            self.pos = start
            raise self.fail(f"{v!r} where {' or '.join(expected)} was expected")
        return v

    def dims(self) -> tuple[int, int, int, int]:
        n, k, nr, nc = (self.int() for _ in range(4))
        if min(n, k, nr, nc) < 0:
            raise self.fail(f"negative tensor dimensions {(n, k, nr, nc)}")
        return n, k, nr, nc

    def tensor(self) -> np.ndarray:
        """A dlib tensor as a float32 array of shape (num_samples, k, nr, nc)."""
        self.version(2)
        shape = self.dims()
        count = math.prod(shape)
        if count * 4 > len(self.data) - self.pos:
            raise self.fail(f"a tensor of shape {shape} longer than the rest of the file")
        return np.frombuffer(self.take(4 * count), dtype="<f4").astype(np.float32).reshape(shape)

    def alias(self) -> tuple[int, int, int, int]:
        """An alias_tensor: the shape of a view into a layer's parameter tensor."""
        self.version(1)
        return self.dims()
