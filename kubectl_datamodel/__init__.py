"""kubectl-datamodel: what is installed in a Kubernetes cluster, and what changed."""

from __future__ import annotations

__version__ = "0.1.0"
