"""Running ``kubectl-datamodel`` the way a user would, and reading its JSON contract.

The action depends on the tool's command line and its versioned JSON documents only, never on
its Python modules: the ``version`` input may install a different release than this checkout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from datamodel_action.workflow import ActionError

COMMAND = "kubectl-datamodel"
FINDINGS = 3  # the tool's exit status for drift at or above --fail-on


def run(args: Sequence[str], *, findings_ok: bool = False) -> str:
    """The command's stdout; its stderr goes to the step log. A failure raises ActionError
    carrying the tool's own one-line message."""
    try:
        result = subprocess.run([COMMAND, *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ActionError(f"{COMMAND} is not on PATH: did the install step run?") from None
    sys.stderr.write(result.stderr)
    allowed = (0, FINDINGS) if findings_ok else (0,)
    if result.returncode not in allowed:
        lines = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
        raise ActionError(f"kubectl datamodel {args[0]}: {lines[-1].removeprefix('error: ')}")
    return result.stdout


def document(args: Sequence[str], kind: str, *, findings_ok: bool = False) -> dict[str, Any]:
    """The JSON document a command prints with ``-o json``, checked to be of ``kind``."""
    text = run([*args, "-o", "json"], findings_ok=findings_ok)
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        raise ActionError(f"kubectl datamodel {args[0]}: output is not JSON ({exc})") from None
    if not isinstance(parsed, dict) or parsed.get("kind") != kind:
        raise ActionError(f"kubectl datamodel {args[0]}: expected a {kind} document")
    return parsed
