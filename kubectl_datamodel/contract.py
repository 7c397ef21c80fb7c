"""The JSON/YAML contract: every document scripts and the GitHub Action read carries an
envelope (``apiVersion``/``kind``, as Kubernetes objects do), and its shape changes only with a
new ``apiVersion``. docs/json-output.md documents every kind."""

from __future__ import annotations

from typing import Any

API_VERSION = "kubectl-datamodel/v1"


def envelope(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, **body}
