"""Every kind's drift rules, in the one ``KindRules`` shape, by the kind's section.

A kind's module (``crds``, ``operators``, ``csvs``, ``extras``) decides only what a change is
called and how much it matters; ``drift.engine`` does the pairing and the reading of specs the
same way for all of them.
"""

from __future__ import annotations

from kubectl_datamodel.drift.rules import crds, csvs, extras, operators
from kubectl_datamodel.drift.rules.shape import KindRules

BY_SECTION: dict[str, KindRules] = {
    "crds": crds.RULES,
    "operators": operators.RULES,
    "csvs": csvs.RULES,
    "namespaces": extras.NAMESPACES,
    "nodes": extras.NODES,
    "helm_releases": extras.HELM_RELEASES,
    "resources": extras.RESOURCES,
}
