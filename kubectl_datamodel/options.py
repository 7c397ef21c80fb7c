"""Options that travel from the CLI into the core, as plain data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kubectl_datamodel.model import COMPONENTS


@dataclasses.dataclass(frozen=True)
class ClusterOptions:
    """How to reach a live cluster, as given on the command line. ``context`` None means the
    kubeconfig's current context; ``timeout`` is per request, in seconds (None waits forever);
    ``qps`` 0 lifts the client-side rate limit."""

    kubeconfig: Path | None = None
    context: str | None = None
    timeout: float | None = 30.0
    concurrency: int = 8
    qps: float = 50.0  # kubectl's defaults
    burst: int = 300


@dataclasses.dataclass(frozen=True)
class CaptureOptions:
    """What to capture and from where.

    ``namespace`` None means all namespaces. ``context`` names the cluster the snapshot stands
    for; for manifest input it defaults to the input folder's name.
    """

    components: tuple[str, ...] = COMPONENTS
    namespace: str | None = None
    from_dirs: tuple[Path, ...] = ()
    from_files: tuple[Path, ...] = ()
    context: str | None = None
    notes: str | None = None
    cluster: ClusterOptions = ClusterOptions()

    @property
    def offline(self) -> bool:
        return bool(self.from_dirs or self.from_files)
