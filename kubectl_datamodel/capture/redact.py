"""Secrets found by their value; the only module that imports detect-secrets.

Names say little (``DATABASE_URL``, ``--db-password=``, a ConfigMap key), so every value that
may hold a credential is run past Yelp's detect-secrets plugins: its keyword detector (which
reads ``name: value`` and ``--flag=value`` as config files are read) and its pattern detectors
(cloud keys, JWTs, private keys, tokens of GitHub, Slack, Stripe..., and passwords in URLs).
Its entropy detectors are left out: image digests and hashes would all look like secrets.
A secret found is replaced by ``redaction.placeholder``, with the rest of the token it ends
(a JWT's signature, which the detector leaves out); a private key, whose match is only its
header, takes the whole value with it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from kubectl_datamodel import redaction

# Pattern detectors that find things that are not secrets.
_NOT_SECRETS = {"IPPublicDetector"}
# Detectors that must be found: a build that lost detect-secrets' plugin modules (a frozen
# binary collects only what is imported by name) must fail, not store credentials.
_REQUIRED = {"AWSKeyDetector", "BasicAuthDetector", "JwtTokenDetector", "PrivateKeyDetector"}
# What may follow a match in the same token: base64url, and the dots between a JWT's parts.
_CONTINUES = r"[A-Za-z0-9_\-.=+/]*"
# The key a line sets (``"secretName": ...``, ``--password-file=...``), and the endings of keys
# that name a secret or where it is rather than hold it.
_KEY = re.compile(r"""\s*-*["']?([\w.-]+)["']?\s*[:=]""")
_REFERENCE = re.compile(r"(name|ref|path|file)$", re.IGNORECASE)


def scrub(value: str, key: str | None = None) -> str:
    """``value`` with each secret in it replaced; ``key`` is its name (an environment
    variable's, a data key's), which the keyword detector reads beside it. A value of many
    lines (a config file in a ConfigMap) is looked at line by line, and a secret is replaced
    only on the line it was found on."""
    if not value.strip():
        return value
    keyword, patterns = _detectors()
    lines = value.splitlines(keepends=True)
    for index, line in enumerate(lines):
        named = f"{key}: {line}" if key else line
        found = (
            set()
            if _names_a_reference(named)
            else {s.secret_value for s in keyword.analyze_line("value.yaml", named, 0)}
        )
        for detector in patterns:
            for secret in detector.analyze_string(line):
                if type(detector).__name__ == "PrivateKeyDetector":
                    return redaction.placeholder(value)
                found.add(secret)
        found.discard("")
        if found:
            lines[index] = _replaced(line, found)
    return "".join(lines)


def _names_a_reference(line: str) -> bool:
    """Whether the line's key names a secret rather than holding one (``secretName: db``,
    ``passwordFile: /etc/pw``, ``tokenRef``): the keyword detector would flag its value."""
    match = _KEY.match(line)
    return bool(match and _REFERENCE.search(match.group(1)))


def _replaced(line: str, secrets: set[str]) -> str:
    """One pass, longest first: a placeholder is never searched again for a shorter secret."""
    alternatives = "|".join(map(re.escape, sorted(secrets, key=len, reverse=True)))
    whole = re.compile(f"(?:{alternatives}){_CONTINUES}")
    return whole.sub(lambda match: redaction.placeholder(match.group(0)), line)


@functools.cache
def _detectors() -> tuple[Any, list[Any]]:
    """The keyword detector and the pattern detectors, built once per process."""
    import importlib
    import pkgutil

    from detect_secrets import plugins
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.keyword import KeywordDetector

    patterns = []
    for module in pkgutil.iter_modules(plugins.__path__):
        loaded = importlib.import_module(f"{plugins.__name__}.{module.name}")
        for name in dir(loaded):
            candidate = getattr(loaded, name)
            if (
                isinstance(candidate, type)
                and issubclass(candidate, RegexBasedDetector)
                and candidate is not RegexBasedDetector
                and candidate.__module__ == loaded.__name__
                and name not in _NOT_SECRETS
            ):
                patterns.append(candidate())
    missing = _REQUIRED - {type(p).__name__ for p in patterns}
    if missing:
        raise RuntimeError(f"detect-secrets' detectors are missing: {', '.join(sorted(missing))}")
    return KeywordDetector(), patterns
