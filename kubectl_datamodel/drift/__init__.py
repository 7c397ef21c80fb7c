"""Drift: what changed between two snapshots (or a snapshot and manifests or the cluster now),
and what it breaks.

``engine.diff`` compares two ``sides.Records`` with the rules of every kind (``rules``) and
returns a ``changes.DriftReport``: plain data the renderers read, each change placed in the
component it belongs to (``components``) and, when breaking, with what it hits (``impact``).
``summary`` reads it as a reviewer does. ``leaves`` is the only module that imports deepdiff;
``ignore`` silences accepted drift.
"""

from __future__ import annotations

from kubectl_datamodel.drift.engine import diff
from kubectl_datamodel.drift.sides import Records

__all__ = ["Records", "diff"]
