"""What `snapshot --include` may name: the extra kinds, and GROUP/VERSION/Kind patterns.

A snapshot records what it captured in its ``components`` (``crds``, ``namespaces``,
``apps/v1/Deployment``...), so drift can tell "none of these" from "not captured". Patterns are
checked here, before any request or file read, so a typo fails at once rather than yielding a
snapshot that silently lacks the kind.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import Any

from kubectl_datamodel import errors, model

_GROUP = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_VERSION = re.compile(r"v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?")
_KIND = re.compile(r"[A-Z][A-Za-z0-9]*")
FORMS = (
    "namespaces, nodes, helm, GROUP/VERSION/Kind (apps/v1/Deployment) "
    "or VERSION/Kind (v1/ConfigMap)"
)


@dataclasses.dataclass(frozen=True, order=True)
class ResourceKind:
    """One GROUP/VERSION/Kind; the core group is ``""``."""

    group: str
    version: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def pattern(self) -> str:
        return f"{self.api_version}/{self.kind}"

    @property
    def metadata_only(self) -> bool:
        """Secrets are captured by their metadata alone: their data never leaves the server."""
        return (self.group, self.kind) == ("", "Secret")

    def matches(self, obj: dict[str, Any]) -> bool:
        return obj.get("apiVersion") == self.api_version and obj.get("kind") == self.kind

    @classmethod
    def parse(cls, text: str) -> ResourceKind:
        parts = text.split("/")
        if len(parts) == 2:
            parts.insert(0, "")
        if len(parts) != 3:
            raise _unknown(text)
        group, version, kind = parts
        group = "" if group == "core" else group
        if group and not _GROUP.fullmatch(group):
            raise errors.UsageError(f"--include {text!r}: {group!r} is not an API group name")
        if not _VERSION.fullmatch(version):
            raise errors.UsageError(
                f"--include {text!r}: {version!r} is not an API version (v1, v1beta1, ...)"
            )
        if not _KIND.fullmatch(kind):
            raise errors.UsageError(
                f"--include {text!r}: {kind!r} is not a kind; kinds are CamelCase (ConfigMap)"
            )
        return cls(group, version, kind)


def parse_includes(values: Iterable[str]) -> tuple[str, ...]:
    """The components `--include` asks for, in a stable order: extras first, then patterns as
    written. Each value may hold several, separated by ``;`` or ``,``."""
    extras: set[str] = set()
    patterns: dict[str, None] = {}
    for value in values:
        for text in filter(None, (t.strip() for t in re.split(r"[;,]", value))):
            if text in model.EXTRAS:
                extras.add(text)
            elif "/" in text:
                patterns[ResourceKind.parse(text).pattern] = None
            else:
                raise _unknown(text)
    return (*(e for e in model.EXTRAS if e in extras), *patterns)


def patterns_of(components: Sequence[str]) -> list[ResourceKind]:
    """The GROUP/VERSION/Kind patterns among a snapshot's components."""
    return [ResourceKind.parse(c) for c in components if "/" in c]


def _unknown(text: str) -> errors.UsageError:
    return errors.UsageError(f"--include {text!r}: unknown kind; expected {FORMS}")
