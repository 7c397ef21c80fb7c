"""Every change the real upgrades in the tests' data produce, both ways: for the tests that hold
all of a report to something (each rule has a why, each message reads as words), so that what
they check is what real releases give, not what a hand-made case happens to reach."""

from __future__ import annotations

from kubectl_datamodel import drift, model
from kubectl_datamodel.capture import files, includes
from kubectl_datamodel.drift import changes, sides
from kubectl_datamodel.drift.rules import crds
from kubectl_datamodel.options import CaptureOptions
from tests.support import crdcompat
from tests.support.paths import CLUSTER_V1, CLUSTER_V2, DATA

KINDS = DATA / "kinds"
KINDS_INCLUDE = "namespaces,nodes,helm;v1/ConfigMap"
EXTERNAL_SECRETS = "operators/external-secrets"


def kinds(version: int) -> model.Snapshot:
    """tests/data/kinds at one point in time, with the Helm release's own objects (README's
    --include tour)."""
    cluster = CLUSTER_V1 if version == 1 else CLUSTER_V2
    options = CaptureOptions(
        components=(*model.COMPONENTS, *includes.parse_includes([KINDS_INCLUDE])),
        from_dirs=(KINDS / f"v{version}", cluster / EXTERNAL_SECRETS),
    )
    return files.capture(options).snapshot


def every_change(example_v1: model.Snapshot, example_v2: model.Snapshot) -> list[changes.Change]:
    """The examples' cluster-v1 ↔ cluster-v2, tests/data/kinds v1 ↔ v2, and every CRD release
    the CRD compatibility tests compare with another (``crdcompat.every_upgrade``)."""
    found: list[changes.Change] = []
    for old, new in ((example_v1, example_v2), (kinds(1), kinds(2))):
        a, b = sides.from_capture(old, "old", salt="t"), sides.from_capture(new, "new", salt="t")
        found += drift.diff(a, b).changes + drift.diff(b, a).changes
    for old_crd, new_crd in crdcompat.every_upgrade():
        found += crds.compare(old_crd, new_crd, name=old_crd["metadata"]["name"])
    return found
