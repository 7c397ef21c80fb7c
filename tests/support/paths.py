"""Where the tests' data lives: the checkout, its bundled examples, and tests/data."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout: tests/support/paths.py
EXAMPLES = ROOT / "examples"
CLUSTER_V1 = EXAMPLES / "cluster-v1"
CLUSTER_V2 = EXAMPLES / "cluster-v2"
DATA = ROOT / "tests" / "data"
CERT_MANAGER_BUNDLE = DATA / "cert-manager-bundle-1.12.2"
CERT_MANAGER_MANIFESTS = CERT_MANAGER_BUNDLE / "manifests"  # the bundle without its metadata/
#: The shared corpus beside the clone (tests/data/corpus holds the few files the fake API
#: server needs; see fakeapi.CORPUS).
CORPUS = Path(os.environ.get("KUBECTL_DATAMODEL_CORPUS", ROOT.parent / "shared" / "corpus"))
