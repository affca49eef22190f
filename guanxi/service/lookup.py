"""The marketer's stored result sets by key, built once per snapshot: value tiers,
customers at risk, departures, community profiles and portfolios (issue 17), and
the customers' segment, region and relationship manager beside each row, casefolded
for filters that ignore case.

A snapshot never changes, so neither does what is built over it: each table is made on
first use and kept in the snapshot's ``__dict__`` (the frozen dataclass guards its
fields, not that cache). Nothing is computed beyond indexing the stored rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from guanxi.graph.store import Result
from guanxi.service.arrays import ByKey, position
from guanxi.service.snapshot import Snapshot
from guanxi.values import plain_row

__all__ = ["Keyed", "keyed", "members_of", "folded", "matches"]

_LOCK = threading.Lock()

#: the key column of each result set served by key
_KEYS = {
    Result.VALUE_TIERS: "customer_id",
    Result.AT_RISK: "customer_id",
    Result.DEPARTURES: "customer_id",
    Result.COMMUNITY_PROFILES: "community_id",
    Result.RM_PORTFOLIOS: "rm_id",
}

#: the customers' columns carried beside a result's rows, for filters
_ATTRIBUTES = ("segment", "region", "rm_id")


def _once(snap: Snapshot, name: str, build: Callable[[], Any]) -> Any:
    cache = snap.__dict__
    found = cache.get(name)
    if found is None:
        with _LOCK:
            found = cache.get(name)
            if found is None:
                found = build()
                cache[name] = found
    return found


def folded(values: pd.Series) -> np.ndarray:
    """Text casefolded and stripped (missing as ``""``), for comparisons that ignore
    case: ``segment=Private`` finds ``private``."""
    text = values.astype("str").fillna("").str.strip().str.casefold()
    return text.to_numpy(dtype=object)


def matches(column: np.ndarray, wanted: str | None) -> np.ndarray | None:
    """The rows whose folded ``column`` equals ``wanted`` (None: no filter)."""
    if wanted is None:
        return None
    return column == str(wanted).strip().casefold()


class Keyed:
    """One stored result set: its rows in stored order, a position per key, and the
    customers' casefolded attributes beside rows keyed by customer."""

    def __init__(self, snap: Snapshot, result: Result):
        frame = snap.results.get(result)
        key = _KEYS[result]
        if frame is None or key not in frame.columns:
            frame = pd.DataFrame({key: pd.Series([], dtype="str")})
        self.frame = frame.reset_index(drop=True)
        self.result = result
        self.key = key
        self._folded: dict[str, np.ndarray] = {}
        self.index = pd.Index(self.frame[key].astype("str"), dtype="str")
        self.attributes: dict[str, np.ndarray] = {}
        if key == "customer_id":
            rows = snap.customers.reindex(self.index)
            for column in _ATTRIBUTES:
                if column in rows.columns:
                    self.attributes[column] = folded(rows[column].reset_index(drop=True))

    def __len__(self) -> int:
        return len(self.frame)

    def folded(self, column: str) -> np.ndarray:
        """A column of the rows, casefolded (:func:`folded`), kept once made."""
        found = self._folded.get(column)
        if found is None:
            found = self._folded[column] = folded(self.frame[column])
        return found

    def find(self, key: str) -> int:
        """The row of ``key``, or -1."""
        return position(self.index, str(key))

    def row(self, i: int, columns=None) -> dict[str, Any]:
        return plain_row(self.frame, i, columns)

    def select(self, **wanted: str | None) -> np.ndarray:
        """Rows (stored order) whose customer attributes equal ``wanted`` ignoring case
        (an attribute the customers lack matches nothing)."""
        keep = np.ones(len(self.frame), dtype=bool)
        for column, value in wanted.items():
            if value is None:
                continue
            values = self.attributes.get(column)
            if values is None:
                return np.zeros(0, dtype=np.int64)
            keep &= matches(values, value)
        return np.flatnonzero(keep)


def keyed(snap: Snapshot, result: Result) -> Keyed:
    """:class:`Keyed` of ``result``, built once per snapshot."""
    return _once(snap, f"_keyed_{result.value}", lambda: Keyed(snap, result))


def members_of(snap: Snapshot) -> ByKey:
    """The stored community memberships, by ``community_id``."""

    def build() -> ByKey:
        frame = snap.results.get(Result.COMMUNITIES)
        if frame is None or "community_id" not in frame.columns:
            frame = pd.DataFrame(
                {
                    "customer_id": pd.Series([], dtype="str"),
                    "community_id": pd.Series([], dtype="str"),
                }
            )
        return ByKey(frame[["community_id", "customer_id"]], "community_id")

    return _once(snap, "_community_members", build)
