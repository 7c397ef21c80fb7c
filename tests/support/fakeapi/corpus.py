"""What a fake cluster is made of: the corpus files copied into tests/data/corpus (recorded
discovery documents and a /version), manifests read the way kubectl reads them, and
synthetic CRDs for clusters of many CRDs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import DATA

#: The corpus files the server needs, copied into the repository (see its README.md).
CORPUS = DATA / "corpus"
DEFAULT_DISCOVERY = CORPUS / "discovery" / "kubernetes-1.33"
DEFAULT_VERSION_FILE = CORPUS / "discovery" / "version" / "version-v1.32.3-linux-arm64.json"


class _CorpusLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe loader that also reads a plain ``=`` scalar as the string ``"="``.

    Go YAML (and so kubectl) does; PyYAML treats it as the obscure ``!!value`` tag and fails on
    prometheus-operator's AlertmanagerConfig CRD. The C loader is used when present because
    the benchmark loads hundreds of large CRDs.
    """


_CorpusLoader.add_constructor(
    "tag:yaml.org,2002:value",
    lambda loader, node: loader.construct_scalar(node),
)


def load_manifests(path: Path) -> list[dict[str, Any]]:
    """Every non-empty document of a YAML (multi-document) or JSON file; ``List`` kinds expanded."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        docs: list[Any] = [json.loads(text)]
    else:
        docs = list(yaml.load_all(text, Loader=_CorpusLoader))
    out: list[dict[str, Any]] = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: expected a mapping, got {type(doc).__name__}")
        if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            out.extend(doc["items"])
        else:
            out.append(doc)
    return out


def widget_crd(i: int, group: str, version: str = "v1alpha1") -> dict[str, Any]:
    """A small namespaced CRD, ``widget<i>s.<group>``, for clusters of many CRDs."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widget{i:04d}s.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": f"Widget{i:04d}", "plural": f"widget{i:04d}s"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    "subresources": {"status": {}},
                }
            ],
        },
    }
