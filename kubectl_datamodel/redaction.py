"""How a redacted value reads, and how its digest is salted: the part of redaction every layer
shares. Standard library only.

Capture replaces each secret it finds with ``<redacted:SHA256>``, the digest of the secret,
which never leaves the process: before anything is stored or shown, ``salt_text`` and
``salted`` turn it into ``<redacted:HMAC>``, twelve hex digits of an HMAC keyed by the
database's own random salt. The same secret in two snapshots of one database reads the same,
so drift still says it changed or not; the digest shown in a report or a pull-request comment
cannot be checked against a list of likely passwords without the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from typing import Any

_UNSALTED = re.compile(r"<redacted:([0-9a-f]{64})>")
MARK = "<redacted:"


def placeholder(secret: str) -> str:
    """What capture puts where ``secret`` was: a digest only this process may see."""
    return f"{MARK}{hashlib.sha256(secret.encode()).hexdigest()}>"


def new_salt() -> str:
    return secrets.token_hex(32)


def salt_text(text: str, salt: str) -> str:
    """``text`` (JSON, or any string) with every placeholder salted."""
    if MARK not in text:
        return text

    def salted_digest(match: re.Match[str]) -> str:
        mac = hmac.new(salt.encode(), match.group(1).encode(), hashlib.sha256).hexdigest()
        return f"{MARK}{mac[:12]}>"

    return _UNSALTED.sub(salted_digest, text)


def salted(record: Any, salt: str) -> Any:
    """A record (any of ``model``'s) with every placeholder in it salted; the record itself
    when it holds none."""
    text = json.dumps(record.as_dict(include_spec=True), ensure_ascii=False)
    if MARK not in text:
        return record
    return type(record).from_dict(json.loads(salt_text(text, salt)))
