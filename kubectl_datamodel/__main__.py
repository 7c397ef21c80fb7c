"""Allow ``python -m kubectl_datamodel``."""

from __future__ import annotations

from kubectl_datamodel.cli import main

main()
