"""Run a command as a child process and read back its own peak RSS.

Linux keeps a process's peak RSS across exec, and a child forked from a large process (a
benchmark holding a fake cluster or two snapshots) starts with that process's RSS. So the
command is forked from a small wrapper that waits for it and writes down what it used.
"""

from __future__ import annotations

import sys
from pathlib import Path

_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def wrapped(rss_file: Path, command: list[str]) -> list[str]:
    """``command`` run through the wrapper, which writes its peak RSS (KiB) to ``rss_file``."""
    return [sys.executable, "-c", _WRAPPER, str(rss_file), *command]


def megabytes(rss_file: Path) -> float:
    return int(rss_file.read_text()) / 1024
