"""Places inside an object, as drift reports name them and ignore rules match them.

A path is a sequence of segments rendered kubectl-style: ``.spec.template.spec`` for plain keys,
``[manager]`` for an entry of a list keyed by name (containers, env, ports), ``[3]`` for a list
index, and ``[app.kubernetes.io/name]`` for a key that holds dots or slashes, so that
``.metadata.labels[app.kubernetes.io/name]`` reads as one label, not four nested keys.

Globs work segment by segment: ``*`` (or ``[*]``) matches one segment, ``**`` any number, and
shell wildcards work inside a segment (``[app.kubernetes.io/*]``). A glob also matches
everything below the place it names: ``.metadata.annotations`` covers every annotation.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable, Sequence

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_$-]+")
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[([^\]]*)\]")


def key_segment(key: object) -> str:
    """The segment for one step into an object: a dict key or a list index."""
    if isinstance(key, int):
        return f"[{key}]"
    text = str(key)
    if text.startswith("[") and text.endswith("]"):
        return text  # already a keyed-list entry
    return f".{text}" if _PLAIN_KEY.fullmatch(text) else f"[{text}]"


def render(keys: Iterable[object]) -> str:
    return "".join(key_segment(k) for k in keys)


def split(path: str) -> tuple[str, ...]:
    """The segments of a rendered path or glob; raises ValueError on text that is not one."""
    if path in ("", "."):
        return ()
    segments: list[str] = []
    position = 0
    for match in _SEGMENT.finditer(path):
        if match.start() != position:
            break
        segments.append(match.group(0))
        position = match.end()
    if position != len(path):
        raise ValueError(f"not a path: {path!r} (expected e.g. .spec.containers[*].image)")
    return tuple(segments)


@dataclasses.dataclass(frozen=True)
class Glob:
    text: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Glob:
        glob = text if text.startswith((".", "[")) or not text else f".{text}"
        return cls(text=text, segments=split(glob))

    def matches(self, path: str, *, exact: bool = False) -> bool:
        """True when ``path`` is the place this glob names or, unless ``exact``, lies below it."""
        return self.matches_segments(segments_of(path), exact=exact)

    def matches_segments(self, segments: Sequence[str], *, exact: bool = False) -> bool:
        """``matches`` for a path already split, when one path meets many globs."""
        return bool(segments) and _match(self.segments, segments, exact)


def segments_of(path: str) -> tuple[str, ...]:
    """The segments of ``path``, or none at all when it is not a path: no glob matches it."""
    try:
        return split(path)
    except ValueError:
        return ()


def _match(pattern: Sequence[str], path: Sequence[str], exact: bool) -> bool:
    if not pattern:
        return not path or not exact  # the glob named the path itself, or an ancestor of it
    head, rest = pattern[0], pattern[1:]
    if head == ".**":
        return any(_match(rest, path[i:], exact) for i in range(len(path) + 1))
    return bool(path) and _segment_matches(head, path[0]) and _match(rest, path[1:], exact)


def _segment_matches(pattern: str, segment: str) -> bool:
    inner_pattern, inner = pattern[1:].rstrip("]"), segment[1:].rstrip("]")
    if pattern in (".*", "[*]"):
        return True
    return pattern[0] == segment[0] and fnmatch.fnmatchcase(inner, inner_pattern)
