"""Pairing the records of two sides: by identity first, then by the relations a kind knows.

A CRD is the same CRD by name; a CSV upgrade is one change although the name carries the
version, so CSVs also pair by lineage and by package. Each kind lists its pairings in order
(``drift.rules``); each is tried on what the earlier ones left unpaired.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence
from typing import Any

Entry = tuple[Any, str]  # a record and the sha256 of its spec


@dataclasses.dataclass(frozen=True)
class Key:
    """Pair records whose key is equal (the first of several with one key pairs first)."""

    of: Callable[[Any], Hashable]


@dataclasses.dataclass(frozen=True)
class Related:
    """Pair each record with the first record on the other side it is related to."""

    to: Callable[[Any, Any], bool]


Pairing = Key | Related


@dataclasses.dataclass
class Matched:
    """The pairs found, and the records on each side still without a partner."""

    pairs: list[tuple[Entry, Entry]]
    old_left: list[Entry]
    new_left: list[Entry]

    @property
    def removed(self) -> list[Any]:
        return [record for record, _ in self.old_left]

    @property
    def added(self) -> list[Any]:
        return [record for record, _ in self.new_left]

    def pair_by(self, key: Callable[[Any], Hashable]) -> None:
        waiting: dict[Any, list[Entry]] = {}
        for entry in self.new_left:
            waiting.setdefault(key(entry[0]), []).append(entry)
        unmatched = []
        for entry in self.old_left:
            candidates = waiting.get(key(entry[0]))
            if candidates:
                self.pairs.append((entry, candidates.pop(0)))
            else:
                unmatched.append(entry)
        self.old_left = unmatched
        self.new_left = [e for group in waiting.values() for e in group]

    def pair_where(self, related: Callable[[Any, Any], bool]) -> None:
        for old_entry in list(self.old_left):
            partner = next((n for n in self.new_left if related(old_entry[0], n[0])), None)
            if partner is not None:
                self.pairs.append((old_entry, partner))
                self.old_left.remove(old_entry)
                self.new_left.remove(partner)


def match(old: Sequence[Entry], new: Sequence[Entry], pairings: Sequence[Pairing]) -> Matched:
    """Pair records by each pairing in turn, on what the earlier ones left."""
    matched = Matched([], list(old), list(new))
    for pairing in pairings:
        if isinstance(pairing, Key):
            matched.pair_by(pairing.of)
        else:
            matched.pair_where(pairing.to)
    return matched
