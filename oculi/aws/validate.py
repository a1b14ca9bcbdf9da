"""Walk a botocore shape once, generically: required, type, min/max, pattern, enum.

Requests: violations become one ValidationException in the service's text format; wrong JSON types become
SerializationException (as the real service answers). Responses: `check_output` walks the same way in
strict mode (unknown members and wrong types are errors too), for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import regex
from botocore.model import Shape

from oculi.aws.errors import CommonServiceError

# Rekognition answers an oversized Image.Bytes with ImageTooLargeException, not a length violation
SKIP_MAX_FOR_BLOBS = True


@dataclass
class Problems:
    constraints: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


def _member_path(path: str, name: str) -> str:
    camel = name[:1].lower() + name[1:]
    return f"{path}.{camel}" if path else camel


def _render(value) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> regex.Pattern:
    """The model's patterns are Java regexes: tag keys use Unicode classes such as `\\p{L}`, which `re` lacks."""
    return regex.compile(pattern)


def _violation(problems: Problems, value, path: str, rule: str) -> None:
    problems.constraints.append(f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: {rule}")


_TYPES = {
    "string": str, "blob": (bytes, str), "boolean": bool, "integer": int, "long": int,
    "float": (int, float), "double": (int, float), "timestamp": (int, float, str, datetime), "list": list,
    "map": dict, "structure": dict,
}


def walk(shape: Shape, value, path: str, problems: Problems, strict: bool = False) -> None:
    expected = _TYPES.get(shape.type_name)
    wrong_bool = shape.type_name in ("integer", "long", "float", "double") and isinstance(value, bool)
    if expected and (not isinstance(value, expected) or wrong_bool):
        problems.types.append(f"'{path}': expected {shape.type_name}, got {type(value).__name__}")
        return
    meta = shape.metadata
    if shape.type_name == "structure":
        for name in shape.required_members:
            if value.get(name) is None:
                problems.constraints.append(
                    f"Value null at '{_member_path(path, name)}' failed to satisfy constraint: "
                    "Member must not be null")
        for name, member_value in value.items():
            member = shape.members.get(name)
            if member is None:
                if strict:
                    problems.types.append(f"'{_member_path(path, name)}': not a member of {shape.name}")
                continue
            if member_value is not None:
                walk(member, member_value, _member_path(path, name), problems, strict)
        return
    if shape.type_name == "list":
        if value or not strict:  # answers may carry [] where a list shape shared with requests says min 1
            _check_size(value, len(value), meta, path, problems, "length")
        for i, item in enumerate(value):
            walk(shape.member, item, f"{path}.{i + 1}.member", problems, strict)
        return
    if shape.type_name == "map":
        for k, v in value.items():
            walk(shape.key, k, f"{path}.key", problems, strict)
            walk(shape.value, v, f"{path}.{k}.value", problems, strict)
        return
    if shape.type_name == "string":
        _check_size(value, len(value), meta, path, problems, "length")
        if shape.enum and value not in shape.enum:
            _violation(problems, value, path, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        if "pattern" in meta and not _regex(meta["pattern"]).fullmatch(value):
            _violation(problems, value, path, f"Member must satisfy regular expression pattern: {meta['pattern']}")
    elif shape.type_name == "blob":
        size = len(value)
        limits = {k: v for k, v in meta.items() if k == "min" or (k == "max" and not SKIP_MAX_FOR_BLOBS)}
        _check_size(value, size, limits, path, problems, "length")
    elif shape.type_name in ("integer", "long", "float", "double"):
        _check_size(value, value, meta, path, problems, "value")


def _check_size(value, size, meta: dict, path: str, problems: Problems, what: str) -> None:
    if "min" in meta and size < meta["min"]:
        _violation(problems, value, path, f"Member must have {what} greater than or equal to {meta['min']}")
    if "max" in meta and size > meta["max"]:
        _violation(problems, value, path, f"Member must have {what} less than or equal to {meta['max']}")


def validate_request(shape: Shape | None, body: dict) -> None:
    if shape is None:
        return
    problems = Problems()
    walk(shape, body, "", problems)
    if problems.types:
        raise CommonServiceError("SerializationException", "; ".join(problems.types))
    if problems.constraints:
        n = len(problems.constraints)
        raise CommonServiceError(
            "ValidationException",
            f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(problems.constraints))


def check_output(shape: Shape | None, body: dict) -> list[str]:
    """Every way `body` departs from the output shape (empty when it conforms)."""
    if shape is None:
        return [] if not body else ["operation has no output shape"]
    problems = Problems()
    walk(shape, body, "", problems, strict=True)
    return problems.types + problems.constraints
