"""The shipped label taxonomy (derived from WordNet by scripts/gen_taxonomy.py)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache
def taxonomy() -> dict:
    return json.loads(resources.files("oculi").joinpath("data/taxonomy.json").read_text())
