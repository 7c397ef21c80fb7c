"""The snapshot database: where it is, opening and migrating it, one-transaction writes, reads.

``database`` is the engine (sqlite3 for reads, sqlite-utils for writes), ``schema`` its tables
and migrations, ``rows`` how records map onto them, ``content`` the content addressing they
share; ``refs`` resolves what users type for a snapshot, ``query`` runs their SQL read-only,
``retention`` picks what `cleanup` deletes, and ``exports`` reads `database export` files back.
"""

from __future__ import annotations

from kubectl_datamodel.store.content import spec_digest
from kubectl_datamodel.store.database import (
    DEFAULT_PATH,
    ENV_VAR,
    Store,
    open_store,
    resolve_path,
)

__all__ = ["DEFAULT_PATH", "ENV_VAR", "Store", "open_store", "resolve_path", "spec_digest"]
