"""Which snapshots `database cleanup` removes.

Pure logic over snapshot summaries, so the rules are tested without a database. ``--keep N``
keeps the newest N snapshots *of each cluster context*: one busy cluster must not push another
cluster's whole history out. With ``--older-than`` as well, a snapshot goes only when it is both
older than the cutoff and not among the newest N.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from kubectl_datamodel import errors, model

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
    "w": 604800,
    "week": 604800,
}
_AGE = re.compile(r"^\s*(\d+)\s*([a-z]+?)s?\s*$", re.IGNORECASE)


def parse_cutoff(text: str, now: datetime.datetime) -> datetime.datetime:
    """The moment before which snapshots count as old.

    Accepts an age ("30 days", "12h", "2 weeks") or a date ("2026-01-31", or a full ISO 8601
    timestamp). Months and years are refused: their length is ambiguous.
    """
    match = _AGE.match(text)
    if match and match.group(2).lower() in _UNITS:
        seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
        try:
            return now - datetime.timedelta(seconds=seconds)
        except OverflowError:
            raise errors.UsageError(f"--older-than {text!r}: reaches before the year 1") from None
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise errors.UsageError(
            f"--older-than {text!r}: expected an age such as '30 days', '12h', '2 weeks', "
            "or a date such as 2026-01-31"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def plan(
    summaries: Sequence[model.SnapshotSummary],
    *,
    keep: int | None,
    cutoff: datetime.datetime | None,
) -> list[model.SnapshotSummary]:
    """The snapshots to delete, oldest first."""
    check(keep=keep, cutoff=cutoff)
    by_context: dict[str, list[model.SnapshotSummary]] = {}
    for summary in sorted(summaries, key=lambda s: (s.timestamp, s.id), reverse=True):
        by_context.setdefault(summary.cluster_context, []).append(summary)
    doomed = []
    for newest_first in by_context.values():
        candidates = newest_first[keep:] if keep is not None else newest_first
        doomed += [s for s in candidates if cutoff is None or _when(s) < cutoff]
    return sorted(doomed, key=lambda s: (s.timestamp, s.id))


def check(*, keep: int | None, cutoff: datetime.datetime | None) -> None:
    """Refuse a rule that would delete everything or nothing by mistake."""
    if keep is None and cutoff is None:
        raise errors.UsageError("cleanup needs --keep N, --older-than AGE, or both")
    if keep is not None and keep < 1:
        raise errors.UsageError(
            f"--keep {keep}: must be 1 or more (use `database delete` to remove snapshots by id)"
        )


def _when(summary: model.SnapshotSummary) -> datetime.datetime:
    return datetime.datetime.fromisoformat(summary.timestamp.replace("Z", "+00:00"))
