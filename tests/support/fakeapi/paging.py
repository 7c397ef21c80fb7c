"""Lists and pagination as kube-apiserver's etcd3 store does them: ``limit``, opaque
``continue`` tokens, ``remainingItemCount``, and selectors filtering the walk."""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.fakeapi.objects import Snapshot, entry_metadata
from tests.support.fakeapi.protocol import (
    Predicate,
    _bad_request,
    parse_field_selector,
    parse_label_selector,
)


def encode_continue(rv: str, last: tuple[str, str]) -> str:
    """An opaque continue token (kube's shape: version, resourceVersion, start key)."""
    raw = json.dumps(
        {"v": "meta.k8s.io/v1", "rv": int(rv), "start": list(last)}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[str, tuple[str, str]]:
    """``(resourceVersion, last key)``; 400 BadRequest like kube for anything malformed."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = json.loads(raw)
        if doc.get("v") != "meta.k8s.io/v1":
            raise ValueError("unknown version")
        ns, name = doc["start"]
        rv = int(doc["rv"])
        if not isinstance(ns, str) or not isinstance(name, str) or rv <= 0:
            raise ValueError("bad start key")
    except (
        binascii.Error,
        UnicodeDecodeError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
    ) as e:
        raise _bad_request(f"continue key is not valid: {e}") from None
    return str(rv), (ns, name)


@dataclass
class ListQuery:
    """The list parameters kube-apiserver honours."""

    limit: int | None
    token: str | None
    predicate: Predicate | None
    selected: bool  # a label or field selector was given (kube then omits remainingItemCount)

    @classmethod
    def parse(cls, query: Mapping[str, str], max_limit: int | None, watch_cache: bool) -> ListQuery:
        """Validate like kube: bad numbers, selectors or tokens are 400 BadRequest."""
        limit: int | None = None
        if query.get("limit"):
            try:
                limit = int(query["limit"])
            except ValueError:
                raise _bad_request(f"invalid limit {query['limit']!r}") from None
            if limit <= 0:
                limit = None
        token = query.get("continue") or None
        if token and query.get("resourceVersion"):
            raise _bad_request("specifying resource version is not allowed when using continue")
        if watch_cache and query.get("resourceVersion") == "0" and not token:
            limit = None  # served from the watch cache, which (up to kube 1.33) ignores limit
        if max_limit is not None:
            limit = max_limit if limit is None else min(limit, max_limit)
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(query.get("fieldSelector", ""))
        predicate = labels or fields
        if labels and fields:

            def predicate(md: Mapping[str, Any]) -> bool:
                return labels(md) and fields(md)

        return cls(limit, token, predicate, predicate is not None)


def list_page(
    snap: Snapshot,
    namespace: str | None,
    q: ListQuery,
    rv: str,
    remaining_item_count: bool,
) -> tuple[list[int], dict[str, Any]]:
    """Indices (into the snapshot) of one page of a list, and its ListMeta.

    Like kube's etcd3 store: walk keys after the continue key; stop once ``limit`` items matched;
    hand out a continue token (the last returned key) only if keys remain, plus the number of
    remaining keys when no selector filtered the walk.
    """
    keys = snap.keys
    if namespace is None:
        lo, hi = 0, len(keys)
    else:
        lo = bisect_left(keys, (namespace, ""))
        hi = bisect_left(keys, (namespace + "\x00", ""))
    idx = lo
    if q.token:
        rv, last = decode_continue(q.token)
        idx = max(lo, bisect_right(keys, last))
    picked: list[int] = []
    pred = q.predicate
    while idx < hi and (q.limit is None or len(picked) < q.limit):
        if pred is None or pred(entry_metadata(snap.entries[idx])):
            picked.append(idx)
        idx += 1
    meta: dict[str, Any] = {"resourceVersion": rv}
    if q.limit is not None and idx < hi and picked:
        meta["continue"] = encode_continue(rv, keys[idx - 1])
        if remaining_item_count and not q.selected:
            meta["remainingItemCount"] = hi - idx
    return picked, meta
