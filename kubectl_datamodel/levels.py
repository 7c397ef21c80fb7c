"""Ordered scales users name in lower case on the command line (``--fail-on warning``): drift
severities and analysis levels share this one shape, so one parser serves both."""

from __future__ import annotations

import enum
from typing import TypeVar

R = TypeVar("R", bound="Ranked")


class Ranked(enum.IntEnum):
    """An ordered scale. Errors name the scale by its class (``severity 'x' is not one of
    ...``)."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls: type[R], text: str) -> R:
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(member.label for member in cls.descending())
            raise ValueError(f"{cls.noun()} {text!r} is not one of {names}") from None

    @classmethod
    def descending(cls: type[R]) -> tuple[R, ...]:
        """Every level, highest first: the order reports list them in."""
        return tuple(sorted(cls, reverse=True))

    @classmethod
    def noun(cls) -> str:
        return cls.__name__.lower()
