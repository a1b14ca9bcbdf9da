"""SigV4 Authorization header: who (access key -> account) and where (credential-scope region).

Signatures are not verified while authentication is off (the embedded default); unknown access keys fall
into the default account, as LocalStack and moto do.
"""

from __future__ import annotations

import re

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
DEFAULT_ACCOUNT = "000000000000"


def credential_scope(authorization: str | None) -> tuple[str, str] | None:
    """(access key, region) from an `AWS4-HMAC-SHA256 Credential=...` header, or None."""
    m = _CREDENTIAL.search(authorization or "")
    return (m.group(1), m.group(3)) if m else None


def account_for(access_key: str, accounts: dict[str, str]) -> str:
    return accounts.get(access_key, DEFAULT_ACCOUNT)
