"""Kubernetes' order of API versions (``v1`` > ``v1beta2`` > ``v1beta1`` > ``v1alpha1``), as
the API server sorts a CRD's versions for discovery. Standard library only."""

from __future__ import annotations

import re

_KUBE = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?")
_STABILITY = {None: 2, "beta": 1, "alpha": 0}


def priority(version: str) -> tuple[int, int, int, int, str]:
    """A sort key, larger for the version Kubernetes prefers: GA over beta over alpha, then the
    higher major, then the higher minor; versions that do not look like Kubernetes' sort below
    them all, by name."""
    match = _KUBE.fullmatch(version)
    if match is None:
        return (0, 0, 0, 0, version)
    major, stability, minor = match.groups()
    return (1, _STABILITY[stability], int(major), int(minor or 0), "")


def newest(versions: list[str]) -> str | None:
    return max(versions, key=priority, default=None)
