"""What every command shares: the database path, capture options from flags, output,
confirmation. The flags themselves are in ``flags``."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import re
import sys
import tempfile
import typing
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

import typer

from kubectl_datamodel import errors, levels, model
from kubectl_datamodel.options import CaptureOptions, ClusterOptions, ReadLimits
from kubectl_datamodel.render import output
from kubectl_datamodel.render.text import visible


@dataclasses.dataclass
class GlobalOptions:
    """Options given before the command (`kubectl datamodel --db-path X database list`)."""

    db_path: Path | None = None


R = TypeVar("R", bound=levels.Ranked)


class FindingsFormat(str, enum.Enum):
    """How `diff` and `analyze` print: tables for people, Markdown for a pull request, or the
    JSON/YAML document scripts read."""

    TABLE = "table"
    MARKDOWN = "markdown"
    JSON = "json"
    YAML = "yaml"


def fail_on(text: str, scale: type[R]) -> R | None:
    """``--fail-on``: none (never), any (the lowest level), or a level of ``scale``."""
    levels = sorted(scale)
    chosen = {"none": None, "any": levels[0], **{level.label: level for level in levels}}
    try:
        return chosen[text.lower()]
    except KeyError:
        *first, last = fail_on_words(scale)
        expected = f"{', '.join(first)} or {last}"
        raise errors.UsageError(f"--fail-on {text!r}: expected {expected}") from None


def fail_on_words(scale: type[levels.Ranked]) -> list[str]:
    """What --fail-on offers: none, any, and the levels above the lowest (which any names)."""
    return ["none", "any", *(level.label for level in sorted(scale)[1:])]


def db_path(ctx: typer.Context, command_value: Path | None) -> Path:
    """The command's --db-path, else the global one, else $KUBECTL_DATAMODEL_DB, else default."""
    global_options = ctx.find_root().obj
    fallback = global_options.db_path if isinstance(global_options, GlobalOptions) else None
    from kubectl_datamodel import store

    return store.resolve_path(command_value, fallback)


def cluster_options(
    kubeconfig: Path | None, context: str | None, request_timeout: str, concurrency: int, qps: float
) -> ClusterOptions:
    return ClusterOptions(
        kubeconfig=kubeconfig,
        context=context,
        timeout=parse_timeout(request_timeout),
        concurrency=concurrency,
        qps=qps,
    )


def capture_options(
    *,
    from_dirs: Sequence[Path] | None,
    from_files: Sequence[Path] | None,
    context: str | None,
    namespace: str | None,
    all_namespaces: bool,
    components: Sequence[str],
    notes: str | None,
    cluster: ClusterOptions,
    limits: Sequence[str] | None = None,
) -> CaptureOptions:
    if (from_dirs or from_files) and cluster.kubeconfig is not None:
        raise errors.UsageError("--kubeconfig reads a live cluster; it cannot go with --from-dir")
    if namespace and all_namespaces:
        raise errors.UsageError("--namespace and --all-namespaces cannot be used together")
    if not components:
        raise errors.UsageError(
            "nothing to capture: --no-crds, --no-operators and --no-olm all given"
        )
    return CaptureOptions(
        components=tuple(components),
        namespace=namespace,
        from_dirs=tuple(from_dirs or ()),
        from_files=tuple(from_files or ()),
        context=context,
        notes=notes,
        cluster=cluster,
        limits=read_limits(limits or ()),
    )


def read_limits(values: Sequence[str]) -> ReadLimits:
    """``--read-limit NAME=VALUE``, each over the defaults: sizes take KiB, MiB or GiB."""
    chosen: dict[str, int] = {}
    for text in values:
        name, equals, value = text.partition("=")
        name = name.strip()
        if not equals or name not in ReadLimits.NAMES:
            names = ", ".join(ReadLimits.NAMES)
            raise errors.UsageError(
                f"--read-limit {text!r}: expected NAME=VALUE, NAME one of {names}"
            )
        number = _size(value) if name.endswith("size") else _count(value)
        if number is None or number < 1:
            unit = "a size such as 512MiB" if name.endswith("size") else "a whole number"
            raise errors.UsageError(f"--read-limit {text!r}: expected {unit}")
        chosen[name.replace("-", "_")] = number
    return dataclasses.replace(ReadLimits(), **chosen)


_SIZE_UNITS = {"": 1, "B": 1, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3}


def _size(text: str) -> int | None:
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]I?B?|B)?\s*", text, re.IGNORECASE)
    if match is None:
        return None
    unit = (match.group(2) or "").upper()
    unit = unit if unit in ("", "B") else unit[0] + "IB"
    return int(match.group(1)) * _SIZE_UNITS[unit]


def _count(text: str) -> int | None:
    digits = text.strip().replace(",", "").replace("_", "")
    return int(digits) if digits.isdigit() else None


def parse_timeout(text: str) -> float | None:
    """kubectl's --request-timeout: a number of seconds or a duration such as 500ms, 10s, 2m,
    1h; zero means no timeout."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", text)
    if match is None:
        raise errors.UsageError(
            f"--request-timeout {text!r}: expected a duration such as 10s, 2m or 0"
        )
    seconds = float(match.group(1)) * _TIMEOUT_UNITS[match.group(2) or "s"]
    return seconds or None


_TIMEOUT_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def color_enabled() -> bool:
    """Colour for the standard output of the moment (not the one at import), on a terminal
    and without NO_COLOR."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def print_tables(tables: Sequence[model.Table], headers: bool = True) -> None:
    output.write_tables(tables, sys.stdout, color=color_enabled(), headers=headers)


def print_lines(lines: Iterable[str]) -> None:
    sys.stdout.writelines(f"{line}\n" for line in lines)


def print_document(document: model.JSON, fmt: output.Format) -> None:
    output.write_document(document, fmt, sys.stdout)


def say(line: str, *, err: bool = False) -> None:
    """One line for a person, ``visible``: a cluster value in it (a context, a file's name, an
    object's) can neither split it nor reach the terminal as a control sequence."""
    typer.echo(visible(line), err=err)


def nothing_found(noun: str) -> None:
    """An empty table list says so on stderr, as kubectl's "No resources found": stdout stays
    empty for a script (a header alone, or "No CRDs.", would be a line to skip)."""
    say(f"No {noun} found.", err=True)


def warn(message: str) -> None:
    say(f"warning: {message}", err=True)


def info(message: str) -> None:
    say(message, err=True)


def note(message: str) -> None:
    """Something the user did not ask for but should know (which context `latest` took)."""
    say(f"note: {message}", err=True)


def snapshot_id(db: Any, reference: str, cluster_context: str | None, reader: str) -> int:
    """The stored snapshot a SNAPSHOT argument names (an id, latest, latest~N,
    CONTEXT@latest[~N]); export files are for `diff`. ``reader`` names the command."""
    from kubectl_datamodel.store import refs

    ref = refs.parse(reference)
    if ref.path is not None:
        raise errors.UsageError(
            f"{reference}: {reader} reads snapshots stored in the database, not export files"
        )
    return refs.snapshot_id(ref, db, cluster_context, say=note)


def confirm(action: str, yes: bool) -> None:
    """Ask before destroying data (``action`` reads "delete snapshots 1, 2"); refuse outright
    when nobody can answer."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise errors.UsageError(f"refusing to {action} without --yes: stdin is not a terminal")
    if not typer.confirm(f"{action[0].upper()}{action[1:]}?", default=False, err=True):
        raise errors.DatamodelError("not confirmed; nothing was deleted")


@contextlib.contextmanager
def output_stream(path: Path | None, option: str = "--file") -> Iterator[TextIO]:
    """stdout, or a file written atomically: a failed export never leaves half a file. The
    file is its owner's alone (0600), like the database: exports and reports hold what the
    cluster holds. ``option`` names the flag that gave ``path``, for the error message."""
    if path is None:
        yield sys.stdout
        return
    if path.is_dir():
        raise errors.OutputError(f"{option} {path}: is a directory")
    if path.exists() and not path.is_file():  # /dev/stdout, a FIFO: written to, never replaced
        yield from _written_in_place(path, option)
        return
    directory = path.parent if str(path.parent) else Path()
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed or removed below
            "w", encoding="utf-8", dir=directory, prefix=f".{path.name}.", delete=False
        )
    except OSError as exc:
        raise errors.OutputError(f"{option} {path}: {exc.strerror}") from exc
    try:
        with handle:
            yield typing.cast(TextIO, handle)
        Path(handle.name).replace(path)
    except OSError as exc:  # a full disk, a quota, a file size limit
        Path(handle.name).unlink(missing_ok=True)
        raise errors.OutputError(f"{option} {path}: cannot write: {exc.strerror}") from exc
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _written_in_place(path: Path, option: str) -> Iterator[TextIO]:
    """A device or a pipe named as the output: there is no file to swap in atomically."""
    try:
        with path.open("w", encoding="utf-8") as handle:
            yield handle
    except OSError as exc:
        raise errors.OutputError(f"{option} {path}: cannot write: {exc.strerror}") from exc
