"""The console script, and ``python -m kubectl_datamodel``.

The CLI is imported inside the guard: Ctrl-C while Typer and the root command are still
loading is one line and exit status 130, like Ctrl-C at any other moment, not a traceback.
(A command's own module is imported later, as the command is looked up: when it runs, inside
``cli.run``'s boundary.) Nothing but ``os`` and ``sys``, which Python has loaded before it runs
us, is imported before the guard.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing's, without importing typing (7 ms) before the guard
if TYPE_CHECKING:
    from types import ModuleType


def main() -> None:
    """``kubectl-datamodel``; it answers kubectl's completion questions, as
    ``kubectl_complete-datamodel WORDS...`` does, when run as ``kubectl-datamodel __complete
    WORDS...`` (the release archive's kubectl_complete-datamodel is a script that runs it so, as
    Cobra's plugins do) or under that name (a link to the executable)."""
    if os.path.basename(sys.argv[0]).startswith("kubectl_complete-"):  # noqa: PTH119 - no import
        complete()
    elif sys.argv[1:2] == ["__complete"]:
        _cli().complete(sys.argv[2:])
    else:
        _cli().main()


def complete() -> None:
    """``kubectl_complete-datamodel``, which kubectl 1.26+ runs to complete `kubectl datamodel`."""
    _cli().complete(sys.argv[1:])


def _cli() -> ModuleType:
    try:
        from kubectl_datamodel import cli
    except BaseException as exc:
        from kubectl_datamodel import interrupts
        from kubectl_datamodel.exit import ExitStatus

        if not interrupts.caused_by_interrupt(exc):
            raise
        sys.stderr.write("\ninterrupted; nothing was written\n")
        sys.exit(ExitStatus.INTERRUPTED)
    return cli


if __name__ == "__main__":
    main()
