"""retention: which snapshots `database cleanup` removes, and how --older-than is read."""

from __future__ import annotations

import datetime

import pytest

from kubectl_datamodel import errors, model
from kubectl_datamodel.store import retention

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def snap(snapshot_id: int, context: str, timestamp: str) -> model.SnapshotSummary:
    return model.SnapshotSummary(
        id=snapshot_id,
        timestamp=timestamp,
        cluster_context=context,
        cluster_info=model.ClusterInfo(source="manifests"),
        components=model.COMPONENTS,
        crd_count=0,
        operator_count=0,
        csv_count=0,
        namespace_filter=None,
        notes=None,
        created_at=timestamp,
    )


def days_ago(days: int) -> str:
    return (NOW - datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


# Context "prod" has five snapshots, "dev" two; ids grow with time within the whole database.
PROD = [snap(i, "prod", days_ago(age)) for i, age in ((1, 50), (3, 40), (5, 20), (6, 10), (8, 1))]
DEV = [snap(i, "dev", days_ago(age)) for i, age in ((2, 45), (7, 5))]
ALL = [*reversed(PROD), *DEV]  # deliberately not in time order


def ids(summaries: list[model.SnapshotSummary]) -> list[int]:
    return [s.id for s in summaries]


# --- parse_cutoff ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("30 days", datetime.timedelta(days=30)),
        ("30d", datetime.timedelta(days=30)),
        ("1 day", datetime.timedelta(days=1)),
        ("12h", datetime.timedelta(hours=12)),
        ("2 weeks", datetime.timedelta(weeks=2)),
        ("90 minutes", datetime.timedelta(minutes=90)),
        ("45s", datetime.timedelta(seconds=45)),
        (" 7 Days ", datetime.timedelta(days=7)),
    ],
)
def test_age_gives_a_cutoff_that_long_before_now(text: str, age: datetime.timedelta) -> None:
    assert retention.parse_cutoff(text, NOW) == NOW - age


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-01-31", datetime.datetime(2026, 1, 31, tzinfo=UTC)),
        ("2026-01-31T10:00:00Z", datetime.datetime(2026, 1, 31, 10, tzinfo=UTC)),
    ],
)
def test_date_gives_that_moment_in_utc(text: str, moment: datetime.datetime) -> None:
    cutoff = retention.parse_cutoff(text, NOW)

    assert cutoff == moment
    assert cutoff.utcoffset() == datetime.timedelta(0)


def test_timestamp_with_offset_is_the_same_instant() -> None:
    cutoff = retention.parse_cutoff("2026-01-31T12:00:00+02:00", NOW)

    assert cutoff == datetime.datetime(2026, 1, 31, 10, tzinfo=UTC)


@pytest.mark.parametrize("text", ["soon", "30 fortnights", "-5 days", "1 month", "", "30"])
def test_unreadable_age_is_a_usage_error_quoting_the_value(text: str) -> None:
    with pytest.raises(errors.UsageError) as caught:
        retention.parse_cutoff(text, NOW)

    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["1000000 days", "99999999999 days"])
def test_age_beyond_the_calendar_is_a_usage_error(text: str) -> None:
    with pytest.raises(errors.UsageError, match=repr(text)):
        retention.parse_cutoff(text, NOW)


# --- plan ------------------------------------------------------------------------------------


def test_keep_keeps_the_newest_n_of_each_context() -> None:
    doomed = retention.plan(ALL, keep=3, cutoff=None)

    assert ids(doomed) == [1, 3]  # prod's two oldest; dev has only two snapshots


def test_keep_one_leaves_only_the_newest_of_each_context() -> None:
    doomed = retention.plan(ALL, keep=1, cutoff=None)

    assert ids(doomed) == [1, 2, 3, 5, 6]


def test_older_than_alone_deletes_only_older_snapshots() -> None:
    doomed = retention.plan(ALL, keep=None, cutoff=NOW - datetime.timedelta(days=30))

    assert ids(doomed) == [1, 2, 3]


def test_keep_and_older_than_delete_only_what_both_rules_allow() -> None:
    # keep=2 alone would take prod 1, 3, 5; older than 30 days alone would take 1, 2, 3.
    doomed = retention.plan(ALL, keep=2, cutoff=NOW - datetime.timedelta(days=30))

    assert ids(doomed) == [1, 3]


def test_plan_lists_the_doomed_oldest_first() -> None:
    doomed = retention.plan(ALL, keep=None, cutoff=NOW)

    assert [s.timestamp for s in doomed] == sorted(s.timestamp for s in ALL)
    assert ids(doomed) == [1, 2, 3, 5, 6, 7, 8]


def test_nothing_to_delete_gives_an_empty_plan() -> None:
    assert retention.plan(ALL, keep=10, cutoff=None) == []
    assert retention.plan([], keep=1, cutoff=NOW) == []


# --- check -----------------------------------------------------------------------------------


def test_cleanup_needs_at_least_one_rule() -> None:
    with pytest.raises(errors.UsageError, match="--keep"):
        retention.check(keep=None, cutoff=None)


@pytest.mark.parametrize("keep", [0, -1])
def test_keep_below_one_is_refused(keep: int) -> None:
    with pytest.raises(errors.UsageError, match=f"--keep {keep}"):
        retention.check(keep=keep, cutoff=None)
    with pytest.raises(errors.UsageError):
        retention.plan(ALL, keep=keep, cutoff=NOW)


def test_valid_rules_pass_the_check() -> None:
    retention.check(keep=1, cutoff=None)
    retention.check(keep=None, cutoff=NOW)
