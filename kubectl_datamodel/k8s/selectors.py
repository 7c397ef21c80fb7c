"""Label selectors as kubectl's ``-l`` takes them: ``app=web,tier!=db,env in (prod,qa),!legacy``.

The grammar is Kubernetes' own (apimachinery's ``labels.Parse``): requirements separated by
commas, each ``key``, ``!key``, ``key=value`` (or ``==``), ``key!=value``, ``key in (v1,v2)`` or
``key notin (v1,v2)``. A malformed selector is a ValueError naming where it went wrong.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_REQUIREMENT = re.compile(
    rf"""\s*(?:
        (?P<absent>!)\s*(?P<absent_key>{_KEY})
      | (?P<set_key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)
      | (?P<key>{_KEY})\s*(?:(?P<eq>==|=|!=)\s*(?P<value>{_VALUE}))?
    )\s*(?:,|$)""",
    re.VERBOSE,
)

Labels = Mapping[str, str]


@dataclasses.dataclass(frozen=True)
class Selector:
    """A parsed selector: it matches a set of labels when every requirement holds."""

    text: str
    requirements: tuple[Callable[[Labels], bool], ...]

    def matches(self, labels: Labels) -> bool:
        return all(requirement(labels) for requirement in self.requirements)


def parse(text: str) -> Selector:
    requirements = []
    position = 0
    while position < len(text):
        match = _REQUIREMENT.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read the selector at {text[position:]!r}")
        requirements.append(_requirement(match))
        position = match.end()
    if not requirements:
        raise ValueError("the selector is empty")
    return Selector(text, tuple(requirements))


def _requirement(match: re.Match[str]) -> Callable[[Labels], bool]:
    if match.group("absent"):
        key = match.group("absent_key")
        return lambda labels: key not in labels
    if match.group("set_key"):
        key = match.group("set_key")
        values = {v.strip() for v in match.group("values").split(",") if v.strip()}
        if match.group("op") == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    key, operator, value = match.group("key"), match.group("eq"), match.group("value") or ""
    if operator is None:
        return lambda labels: key in labels
    if operator == "!=":
        return lambda labels: labels.get(key) != value
    return lambda labels: labels.get(key) == value
