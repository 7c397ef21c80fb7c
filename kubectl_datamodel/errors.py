"""Our own exception types.

Core modules raise these with a message fit to show a user as is; the CLI's single error
boundary turns them into ``error: <message>`` and an exit status. Anything else reaching that
boundary is a bug and gets a traceback hint instead.
"""

from __future__ import annotations

from kubectl_datamodel.exit import ExitStatus


class DatamodelError(Exception):
    """Base of every error a user can cause; the message names what is wrong and where."""

    exit_status = ExitStatus.ERROR


class UsageError(DatamodelError):
    """Options that contradict each other or a value of the wrong shape."""

    exit_status = ExitStatus.USAGE


class ManifestError(DatamodelError):
    """A manifest file that cannot be read or parsed."""


class NoObjectsError(DatamodelError):
    """An input that holds no Kubernetes objects at all."""


class DatabaseError(DatamodelError):
    """The database file cannot be opened, read or written."""


class DatabaseLockedError(DatabaseError):
    """Another process held the write lock for longer than the busy timeout."""


class SchemaTooNewError(DatabaseError):
    """The database was written by a newer kubectl-datamodel."""


class SnapshotNotFoundError(DatamodelError):
    """A snapshot id that the database does not hold."""


class OutputError(DatamodelError):
    """An output file that cannot be written."""


class KubeconfigError(DatamodelError):
    """No usable kubeconfig, or no such context in it."""


class ClusterError(DatamodelError):
    """The API server cannot be reached, or did not answer as an API server does."""


class UnknownKindError(ClusterError):
    """An `--include` pattern naming a kind the API server does not serve."""


class ApiError(ClusterError):
    """The API server answered a request with an error status."""

    def __init__(self, message: str, *, status: int, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        # Read by the client's retry helper, which honours Retry-After on 429 and 5xx.
        self.headers = {"Retry-After": retry_after} if retry_after else {}


class QueryError(DatamodelError):
    """SQL that SQLite refuses, or that would write."""


class TemplateError(DatamodelError):
    """A --template that cannot be read, parsed or rendered for a row."""
