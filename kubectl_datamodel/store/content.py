"""Content addressing: one canonical text per content, and the sha256 it is stored under.

Specs and records are stored once per distinct content; drift compares these digests before
it reads a single spec. Standard library only, so comparing in memory needs no database.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """One text per content: sorted keys, no spaces, so equal content hashes equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def spec_digest(spec: Any) -> str:
    """The content address a spec is stored under."""
    return digest(canonical_json(spec))
