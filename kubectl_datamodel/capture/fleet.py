"""Capture many clusters in one run: every kubeconfig context that matches, several at once.

Each cluster is captured as ``snapshot --context NAME`` captures it, in a thread of its own:
the work is waiting on API servers, so threads overlap it, and each cluster keeps its own
client, connection pool and ``--concurrency`` inside. At most ``at_once`` clusters are read at
a time, so a kubeconfig of 300 contexts does not open 300 x ``--concurrency`` connections.
Outcomes come back as each cluster finishes, for the caller to store and report one by one: a
cluster that fails is one outcome among the others, never the end of the run.
"""

from __future__ import annotations

import collections
import dataclasses
import fnmatch
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from kubectl_datamodel import errors
from kubectl_datamodel.capture import inventory, kube, live
from kubectl_datamodel.options import CaptureOptions

DEFAULT_AT_ONCE = 4


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One cluster's capture: its result, or the error that ended it (one line, as for
    ``snapshot --context``), and how long it took."""

    context: str
    result: inventory.CaptureResult | None
    error: errors.DatamodelError | None
    seconds: float


def matching_contexts(kubeconfig: Path | None, patterns: Sequence[str]) -> list[str]:
    """The kubeconfig's contexts that match any of the shell-style ``patterns``, in the
    kubeconfig's order. A pattern that matches nothing is an error naming the contexts there
    are: a typo must not pass as an empty fleet."""
    names = kube.context_names(kubeconfig)
    for pattern in patterns:
        if not fnmatch.filter(names, pattern):
            listed = ", ".join(names) or "none"
            raise errors.KubeconfigError(
                f"no kubeconfig context matches {pattern!r} (contexts: {listed})"
            )
    return [name for name in names if any(fnmatch.fnmatchcase(name, p) for p in patterns)]


def capture_each(
    options: CaptureOptions, contexts: Sequence[str], at_once: int = DEFAULT_AT_ONCE
) -> Iterator[Outcome]:
    """Capture every context in ``contexts`` with ``options`` (its context aside), at most
    ``at_once`` at a time, yielding each outcome as its cluster finishes.

    The readers are daemon threads, not an executor's: on Ctrl-C the process ends at once
    instead of joining a reader stuck on an unresponsive cluster for its request timeout
    (readers write nothing, so there is nothing for them to finish). Closing the iterator
    early stops the readers from starting more clusters."""
    waiting = collections.deque(contexts)
    finished: queue.Queue[Outcome | BaseException] = queue.Queue()
    stopped = threading.Event()
    lock = threading.Lock()

    def read() -> None:
        while not stopped.is_set():
            with lock:
                if not waiting:
                    return
                context = waiting.popleft()
            try:
                finished.put(_capture(options, context))
            except BaseException as exc:  # a bug: the main thread raises it
                finished.put(exc)

    for _ in range(min(at_once, len(contexts))):
        threading.Thread(target=read, name="fleet-capture", daemon=True).start()
    try:
        for _ in contexts:
            outcome = finished.get()
            if isinstance(outcome, BaseException):
                raise outcome
            yield outcome
    finally:
        stopped.set()


def _capture(options: CaptureOptions, context: str) -> Outcome:
    one = dataclasses.replace(
        options, context=context, cluster=dataclasses.replace(options.cluster, context=context)
    )
    started = time.monotonic()
    try:
        result = live.capture(one)
    except errors.DatamodelError as exc:
        return Outcome(context, None, exc, time.monotonic() - started)
    return Outcome(context, result, None, time.monotonic() - started)
