"""Options that travel from the CLI into the core, as plain data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kubectl_datamodel.model import COMPONENTS


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

    @property
    def offline(self) -> bool:
        return bool(self.from_dirs or self.from_files)
