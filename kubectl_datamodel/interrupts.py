"""Ctrl-C that never lies about what was written.

A write commits in one statement, but Ctrl-C can arrive a moment after it, before anything is
said about it. ``deferred`` holds SIGINT over the few statements that must not be split (the
commit, and the note of what it wrote); ``written`` tells the CLI's interrupt message what, if
anything, this process committed before it was stopped. Standard library only.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

_written: list[str] = []


def written(since: int = 0) -> list[str]:
    """What this process committed (``snapshot 5 (context prod) was stored``), oldest first,
    from the ``since``-th note on (a command notes how many there were when it started)."""
    return _written[since:]


def note(what: str) -> None:
    _written.append(what)


def caused_by_interrupt(exc: BaseException) -> bool:
    """Whether Ctrl-C is behind ``exc``: Python wraps a KeyboardInterrupt raised while a class
    is being made (``__set_name__``, during an import) in a RuntimeError."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT until the block is done, then raise the KeyboardInterrupt it would have
    raised. Only the main thread can handle signals; a SIGINT that is ignored (a background
    job) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN or previous is None:
        yield
        return
    received: list[int] = []

    def hold(signum: int, _frame: Any) -> None:
        received.append(signum)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
