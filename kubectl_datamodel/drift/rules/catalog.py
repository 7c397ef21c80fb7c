"""Why each rule's changes matter: one line a reviewer reads beside the change.

The rule ids are those the kinds' modules give their changes (``crd.version.removed``,
``schema.required``...); docs/drift.md lists the same lines in its tables. A report shows the
line for every rule it has changes of, so a verdict never comes without its reason.
"""

from __future__ import annotations

from collections.abc import Mapping

WHY: Mapping[str, str] = {
    "crd.removed": "every object of the kind is deleted with it, and clients of the kind get 404",
    "crd.version.removed": "clients of a served version get 404",
    "crd.version.served": "clients of that version get 404",
    "schema.property.removed": "values clients send are pruned or rejected; readers lose the field",
    "schema.required": "objects without it are rejected",
}


def why(rule: str) -> str:
    """The one line for ``rule``; empty for a rule without one (a test holds that to none)."""
    return WHY.get(rule, "")
