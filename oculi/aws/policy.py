"""Per-key access policies (OCULI_ACCESS_POLICIES), the part of IAM that Oculi can enforce.

A key's policy is a list of statements, each allowing actions (`rekognition:<Operation>` globs) on resources
(collection ARNs with `*`/`?` wildcards, or `"*"`). A plain string in the list is an action glob on every
resource (the older form). A request names its resources generically: every `CollectionId` in the request
becomes `arn:aws:rekognition:<region>:<account>:collection/<id>` of the caller's account and region, and a
`ResourceArn`/`ProjectArn`/`ProjectVersionArn` is taken as given; a request that names none (ListCollections,
DetectLabels...) is on resource `"*"`, which only a statement whose Resource is `"*"` matches, as in IAM.
Statements only allow; what no statement allows is denied.

Everything a statement says must be enforceable: an action matching no Rekognition operation, another
service's or an unknown resource type's ARN, or a malformed ARN is refused when the settings are read.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SERVICE = "rekognition"
PARTITION = "aws"
# arn:partition:service:region:account:resource, each part a glob in the characters the real values use
_ARN = re.compile(r"arn:(?P<partition>[a-z*?-]+):(?P<service>[a-z*?-]+):(?P<region>[a-z0-9*?-]+):"
                  r"(?P<account>[0-9*?]+):(?P<resource>.+)")
_COLLECTION = re.compile(r"collection/[a-zA-Z0-9_.\-*?]+")  # CollectionId's pattern, plus the wildcards
# a collection ARN as Rekognition writes it (CreateCollection's CollectionArn has no "arn:" prefix)
_COLLECTION_ARN = re.compile(r"(?:arn:)?aws[a-z-]*:rekognition:([a-z0-9-]+):(\d{12}):collection/(.+)")
_NAMED_ARNS = ("ResourceArn", "ProjectArn", "ProjectVersionArn")


@lru_cache(maxsize=1024)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern:
    """IAM's wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL)


def matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def collection_arn(region: str, account: str, collection_id: str) -> str:
    return f"arn:{PARTITION}:{SERVICE}:{region}:{account}:collection/{collection_id}"


def _check_action(action: str) -> str:
    from oculi.aws.api import OPERATIONS  # generated from botocore's model; imported when a policy is read

    if action != "*" and not any(matches(action, f"{SERVICE}:{op}", ignore_case=True) for op in OPERATIONS):
        raise ValueError(f"action {action!r} matches no Rekognition operation (write rekognition:<Operation>, "
                         "wildcards allowed, e.g. rekognition:Describe*)")
    return action


def _check_resource(resource: str) -> str:
    if resource == "*":
        return resource
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"resource {resource!r} is neither \"*\" nor an ARN (arn:aws:rekognition:<region>:"
                         "<account>:collection/<id>, wildcards allowed)")
    if parts[2] != SERVICE:
        raise ValueError(f"resource {resource!r} names service {parts[2]!r}; only {SERVICE!r} resources are kept "
                         "here")
    arn = _ARN.fullmatch(resource)
    if arn is None or not matches(arn["partition"], PARTITION):
        raise ValueError(f"resource {resource!r} is malformed: write arn:aws:rekognition:<region>:<account>:"
                         "collection/<id> (wildcards allowed in region, account and id)")
    account = arn["account"]
    if not any(c in account for c in "*?") and len(account) != 12:
        raise ValueError(f"resource {resource!r}: the account must be 12 digits (or a wildcard)")
    if arn["resource"].startswith("collection/") and not _COLLECTION.fullmatch(arn["resource"]):
        raise ValueError(f"resource {resource!r}: a collection id has only letters, digits, '_', '.' and '-' "
                         "(and the wildcards '*' and '?')")
    if not _COLLECTION.fullmatch(arn["resource"]) and arn["resource"] != "*":
        raise ValueError(f"resource {resource!r}: Oculi enforces policies on collections only "
                         "(collection/<id>, wildcards allowed); projects and stream processors are not kept")
    return resource


class Statement(BaseModel):
    """One IAM-like statement; a bare string is an action glob on every resource."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    effect: Literal["Allow"] = Field(default="Allow", alias="Effect")
    actions: tuple[str, ...] = Field(alias="Action", min_length=1)
    resources: tuple[str, ...] = Field(alias="Resource", min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"Action": [data], "Resource": ["*"]} if isinstance(data, str) else data

    @field_validator("actions", "resources", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("actions")
    @classmethod
    def _known_actions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_action(a) for a in value)

    @field_validator("resources")
    @classmethod
    def _known_resources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_resource(r) for r in value)

    def allows(self, action: str, resource: str) -> bool:
        return (any(matches(a, action, ignore_case=True) for a in self.actions)
                and any(matches(r, resource) for r in self.resources))

    def accounts(self) -> set[str]:
        """The account globs its ARNs name (to check them against the key's own account)."""
        return {m["account"] for r in self.resources if (m := _ARN.fullmatch(r))}


def resources_of(request: dict, region: str, account: str) -> list[str]:
    """The resources a (validated) request acts on, or ["*"] when it names none."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "CollectionId" and isinstance(value, str):
                    found.append(collection_arn(region, account, value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(request)
    for key in _NAMED_ARNS:
        if isinstance(value := request.get(key), str):
            named = _COLLECTION_ARN.fullmatch(value)
            found.append(collection_arn(named[1], named[2], named[3]) if named else value)
    return found or ["*"]


def allowed(statements: list[Statement], action: str, resources: list[str]) -> str | None:
    """None when every resource is allowed the action by some statement, else the first one refused."""
    for resource in resources:
        if not any(s.allows(action, resource) for s in statements):
            return resource
    return None
