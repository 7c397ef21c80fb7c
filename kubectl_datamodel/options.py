"""Options that travel from the CLI into the core, as plain data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kubectl_datamodel.model import COMPONENTS

# At most 8 requests in flight. The bucket lets an inventory of up to ~500 CRDs (one count
# request each) go at full speed, then holds a bigger one to 100 requests a second.
DEFAULT_CONCURRENCY = 8
DEFAULT_QPS = 100.0
DEFAULT_BURST = 500


@dataclasses.dataclass(frozen=True)
class ClusterOptions:
    """How to reach a live cluster, as given on the command line. ``context`` None means the
    kubeconfig's current context; ``timeout`` is per request, in seconds (None waits forever);
    ``qps`` 0 lifts the client-side rate limit."""

    kubeconfig: Path | None = None
    context: str | None = None
    timeout: float | None = 30.0
    concurrency: int = DEFAULT_CONCURRENCY
    qps: float = DEFAULT_QPS
    burst: int = DEFAULT_BURST


MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ReadLimits:
    """How much a file may make us read, so a hostile manifest (one in a pull request, say)
    cannot take the machine down: its size, one YAML document's size, how deep it nests, and
    how many nodes YAML aliases may add (a 1 KB "billion laughs" file expands to gigabytes).
    The defaults sit far above real manifests: the deepest document in the shared corpus
    nests 40 levels, and etcd refuses objects over 1.5 MiB. ``snapshot --read-limit NAME=VALUE``
    raises one."""

    file_size: int = 256 * MIB
    document_size: int = 64 * MIB
    depth: int = 100
    aliases: int = 100_000

    NAMES = ("file-size", "document-size", "depth", "aliases")  # as --read-limit spells them


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
    limits: ReadLimits = ReadLimits()

    @property
    def offline(self) -> bool:
        return bool(self.from_dirs or self.from_files)
