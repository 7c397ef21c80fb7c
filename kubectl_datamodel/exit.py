"""Exit statuses, named once so every command and the GitHub Action agree on them."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    FINDINGS = 3  # drift or findings at or above --fail-on
    INTERRUPTED = 130  # 128 + SIGINT, as shells report it
