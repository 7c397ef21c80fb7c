"""Capture: a cluster's inventory read into one Snapshot, from files or from a live cluster.

Sources live side by side (``files``, ``live`` over ``kube``) and meet in ``inventory``, which
builds the records both share; nothing here is stored.
"""

from __future__ import annotations

from kubectl_datamodel.capture import files, inventory
from kubectl_datamodel.options import CaptureOptions


def capture(
    options: CaptureOptions, progress: inventory.Progress | None = None
) -> inventory.CaptureResult:
    """Capture from manifest files when given any, else from the kubeconfig's cluster."""
    if options.offline:
        return files.capture(options)
    from kubectl_datamodel.capture import live  # loads the kubernetes client: only for live capture

    return live.capture(options, progress)
