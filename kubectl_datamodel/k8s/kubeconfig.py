"""Which kubeconfig context is current, found as kubectl finds it, without the kubernetes client:
commands that only read the database must not pay for loading it."""

from __future__ import annotations

import os
from pathlib import Path

from kubectl_datamodel import documents, errors


def current_context() -> str | None:
    """The current context, found as kubectl does (first file in $KUBECONFIG that sets it),
    without loading the kubernetes client. An unreadable kubeconfig is no context at all:
    comparing stored snapshots does not need a cluster."""
    if os.environ.get("KUBECONFIG"):
        candidates = [Path(p) for p in os.environ["KUBECONFIG"].split(os.pathsep) if p]
    else:
        candidates = [Path("~/.kube/config").expanduser()]
    for path in candidates:
        try:
            config = documents.load_document(path, "kubeconfig")
        except errors.ManifestError:
            continue
        current = config.get("current-context") if isinstance(config, dict) else None
        if isinstance(current, str) and current:
            return current
    return None
