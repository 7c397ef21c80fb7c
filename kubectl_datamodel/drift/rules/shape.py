"""The one shape every kind's drift rules take.

``drift.engine`` runs the same steps for every kind: pair the records (``pairings``), report the
unpaired as added or removed (``presence``), compare the fields of each pair's records
(``columns``), then, for the pairs whose stored specs differ, run the kind's named rules over
both specs (``specs``) and hand every other changed field to ``fields``, minus the places the
named rules already cover (``covered``). A kind's module fills in this shape and decides only
what a change is called and how much it matters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from kubectl_datamodel.drift.changes import Action, Change
from kubectl_datamodel.drift.leaves import Leaf
from kubectl_datamodel.drift.matching import Pairing
from kubectl_datamodel.k8s import paths

JSON = dict[str, Any]


def no_columns(_old: Any, _new: Any, _with_specs: bool) -> list[Change]:
    return []


@dataclasses.dataclass(frozen=True)
class KindRules:
    """How one kind's records are compared.

    ``columns(old, new, with_specs)`` reads the records alone (``with_specs`` False: the specs
    are not there to read, as in an export without them). ``specs(old, old_spec, new,
    new_spec)`` and ``fields(new, leaves)`` are None for kinds whose stored spec holds nothing
    their records do not.
    """

    pairings: tuple[Pairing, ...]
    presence: Callable[[Any, Action], Change]
    columns: Callable[[Any, Any, bool], list[Change]] = no_columns
    specs: Callable[[Any, JSON, Any, JSON], list[Change]] | None = None
    fields: Callable[[Any, Sequence[Leaf]], list[Change]] | None = None
    covered: tuple[paths.Glob, ...] = ()


def globs(*texts: str) -> tuple[paths.Glob, ...]:
    return tuple(paths.Glob.parse(t) for t in texts)
