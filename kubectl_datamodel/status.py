"""Exit statuses, named once so every command and the GitHub Action agree on them, and the
ordered scales that decide them (`--fail-on`)."""

from __future__ import annotations

import enum
from typing import TypeVar


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    FINDINGS = 3  # drift or findings at or above --fail-on
    INTERRUPTED = 130  # 128 + SIGINT, as shells report it


R = TypeVar("R", bound="Ranked")


class Ranked(enum.IntEnum):
    """An ordered scale users name in lower case (``--fail-on warning``): drift severities and
    analysis levels. Errors name the scale by its class (``severity 'x' is not one of ...``)."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls: type[R], text: str) -> R:
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(member.label for member in sorted(cls, reverse=True))
            raise ValueError(f"{cls.noun()} {text!r} is not one of {names}") from None

    @classmethod
    def noun(cls) -> str:
        return cls.__name__.lower()
