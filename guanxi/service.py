"""The read model shared by the HTTP API, the HTML views and the CLI.

A :class:`GraphService` reads everything it serves **once** from a
:class:`~guanxi.graph.store.GraphStore` into an in-memory :class:`Snapshot` (the
canonical frames of every entity, the analysis results written back by
``guanxi analyze``, lookups by id and a sparse adjacency for neighbourhoods), then lets
the store go: the embedded DuckDB file allows one writing process at a time, so the
API must not hold it while ``guanxi load`` runs. :meth:`GraphService.refresh` builds a
new snapshot and swaps one reference, so reads keep being served from the old one
while a refresh, an analysis or a load is under way. For Neo4j the store (one driver
per process) is kept for refreshes and analyses.

Every answer is built for a :class:`Role` and masked in this module, so the JSON of
the API and the HTML views for a role come from the same masked data:

=========  ===================================================================
risk       credit: exposure, groups, circles, suspected links; PII in clear
marketing  referrals, influencers, seeds, communities; **no credit amounts**
           (the fields are removed, not zeroed); PII masked
analyst    everything; PII masked
admin      everything, plus running analyses and reading the audit trail
=========  ===================================================================

No query text is built here or in the API: the service only calls
:meth:`GraphStore.fetch`, :meth:`GraphStore.fetch_results` and the pure functions of
:mod:`guanxi.algorithms`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from guanxi.errors import (
    Conflict,
    Forbidden,
    GuanxiError,
    NotAnalyzed,
    NotFound,
    StoreError,
    StoreUnavailable,
)
from guanxi.graph.schema import CREDIT_PRODUCTS, LOAD_ORDER, SPECS, Entity, RelType
from guanxi.graph.store import GraphStore, Result

__all__ = [
    "Role",
    "Capability",
    "ROLE_CAPABILITIES",
    "can",
    "require",
    "PII_FIELDS",
    "CREDIT_FIELDS",
    "MARKETING_FIELDS",
    "mask_value",
    "mask_record",
    "mask_title",
    "mask_view",
    "NetworkView",
    "NODE_KINDS",
    "EDGE_TYPES",
    "LINK_REASONS",
    "GroupSort",
    "Snapshot",
    "GraphService",
    "MAX_HOPS",
    "MAX_NODES",
    "DEFAULT_NODES",
    "MAX_PAGE_SIZE",
    "MAX_SEEDS",
    "MAX_EXCLUDE",
    "MAX_CASCADE_DEPTH",
    "NOT_ANALYZED_MESSAGE",
]

log = logging.getLogger("guanxi.service")

# -- limits --------------------------------------------------------------------------
#: deepest neighbourhood served (hops from the customer)
MAX_HOPS = 3
#: most nodes in any graph answer or view (network, group, circle, cascade, overview)
MAX_NODES = 2000
#: nodes in a neighbourhood when the caller does not say
DEFAULT_NODES = 300
#: most rows in one page of any list
MAX_PAGE_SIZE = 500
#: most campaign seeds per request
MAX_SEEDS = 100
#: most customer ids a seed request may exclude
MAX_EXCLUDE = 1000
#: deepest referral generation a cascade answer walks to
MAX_CASCADE_DEPTH = 50

NOT_ANALYZED_MESSAGE = (
    "no analysis results in the store yet: run `guanxi analyze --out DIR` "
    "(or POST /api/v1/analyses as an admin), then try again"
)


# ====================================================================================
# roles and masking
# ====================================================================================
class Role(StrEnum):
    """Who is asking: decides which fields an answer carries and how PII is shown."""

    RISK = "risk"
    MARKETING = "marketing"
    ANALYST = "analyst"
    ADMIN = "admin"


class Capability(StrEnum):
    #: credit amounts, exposure groups, guarantee circles, suspected links
    CREDIT = "credit"
    #: referral metrics, influencers, campaign seeds, communities
    MARKETING = "marketing"
    #: names, phones, e-mails, addresses, id numbers and birth dates in clear
    PII = "pii"
    #: running analyses, refreshing the snapshot, reading the audit trail
    ADMIN = "admin"


ROLE_CAPABILITIES: Mapping[Role, frozenset[Capability]] = {
    Role.RISK: frozenset({Capability.CREDIT, Capability.PII}),
    Role.MARKETING: frozenset({Capability.MARKETING}),
    Role.ANALYST: frozenset({Capability.CREDIT, Capability.MARKETING}),
    Role.ADMIN: frozenset(Capability),
}

#: personal data: masked for roles without :attr:`Capability.PII`
PII_FIELDS = frozenset({"name", "phone", "email", "address", "id_number", "born_on"})
#: credit amounts and credit-risk results: removed for roles without :attr:`Capability.CREDIT`
CREDIT_FIELDS = frozenset(
    {
        "exposure",
        "single_name_exposure",
        "credit_limit",
        "outstanding",
        "ccf",
        "amount",
        "guaranteed_amount",
        "largest_member_exposure",
        "pct_tier1",
        "limit_status",
        "group_id",
        "group_size",
        "group_exposure",
        "circle_id",
        "credit_accounts",
    }
)
#: referral and influence metrics: removed for roles without :attr:`Capability.MARKETING`
MARKETING_FIELDS = frozenset(
    {
        "referred_by",
        "direct",
        "cascade",
        "depth",
        "downstream_aum",
        "generations",
        "influence_rank",
        "influence_score",
        "community_id",
        "community_size",
    }
)


def can(role: Role | str, capability: Capability) -> bool:
    """Whether ``role`` has ``capability``."""
    return capability in ROLE_CAPABILITIES[Role(role)]


def require(role: Role | str, capability: Capability, what: str) -> None:
    """Raise :class:`~guanxi.errors.Forbidden` unless ``role`` has ``capability``.

    The message names the role and the action only, never data.
    """
    if not can(role, capability):
        raise Forbidden(f"the {Role(role).value} role may not {what}")


def _initials(name: str) -> str:
    letters = []
    for part in str(name).split():
        first = next((ch for ch in part if ch.isalnum()), None)
        if first is not None:
            letters.append(first.upper() + ".")
    return " ".join(letters)


def mask_value(field_name: str, value: Any) -> Any:
    """The masked form of one PII value (``None`` stays ``None``).

    ``name`` becomes initials (``François Taylor`` -> ``F. T.``; ``张伟`` -> ``张.``);
    ``born_on`` keeps the year; ``address`` is hidden; ``phone``, ``email`` and
    ``id_number`` keep their last two characters. Masking a masked value changes
    nothing.

    Examples
    --------
    >>> mask_value("name", "François Taylor"), mask_value("phone", "+86 132 9954 8313")
    ('F. T.', '******13')
    >>> mask_value("born_on", "1987-06-08"), mask_value("address", "1 Main St")
    ('1987', '***')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    if field_name == "name":
        return _initials(text)
    if field_name == "born_on":
        return text[:4]
    if field_name == "address":
        return "***"
    return "******" + text[-2:] if len(text) > 2 else "**"


def mask_record(record: Mapping[str, Any], role: Role | str) -> dict[str, Any]:
    """A copy of a customer-level ``record`` fit for ``role``.

    Credit fields (:data:`CREDIT_FIELDS`) are removed for roles without the credit
    capability, referral and influence fields (:data:`MARKETING_FIELDS`) for roles
    without the marketing capability, and PII fields (:data:`PII_FIELDS`) are masked
    with :func:`mask_value` for roles without the PII capability. Other keys pass.

    Examples
    --------
    >>> mask_record({"name": "Li Lei", "exposure": 5.0, "aum": 1.0}, Role.MARKETING)
    {'name': 'L. L.', 'aum': 1.0}
    """
    return _Masking(role).record(record)


#: the short form of a customer named in another answer (:meth:`_Masking.person`)
_PERSON_KEYS = ("customer_id", "name", "kind")
#: whether that form can skip the general masking loop: ``name`` is PII, and
#: ``customer_id`` and ``kind`` pass every role unchanged
_PERSON_FAST = "name" in PII_FIELDS and not (
    set(_PERSON_KEYS) & (CREDIT_FIELDS | MARKETING_FIELDS) or {"customer_id", "kind"} & PII_FIELDS
)


class _Masking:
    """:func:`mask_record` for one role, its capabilities looked up once (answers that
    name many customers mask one record per customer)."""

    __slots__ = ("credit", "marketing", "pii")

    def __init__(self, role: Role | str):
        capabilities = ROLE_CAPABILITIES[Role(role)]
        self.credit = Capability.CREDIT in capabilities
        self.marketing = Capability.MARKETING in capabilities
        self.pii = Capability.PII in capabilities

    def record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        credit, marketing, pii = self.credit, self.marketing, self.pii
        out: dict[str, Any] = {}
        for key, value in record.items():
            if key in CREDIT_FIELDS and not credit:
                continue
            if key in MARKETING_FIELDS and not marketing:
                continue
            if key in PII_FIELDS and not pii:
                value = mask_value(key, value)
            out[key] = value
        return out

    def person(self, customer_id: str, name: Any, kind: Any) -> dict[str, Any]:
        """``record({"customer_id": ..., "name": ..., "kind": ...})``, without the loop."""
        if not _PERSON_FAST:  # pragma: no cover - only if the field sets change
            return self.record({"customer_id": customer_id, "name": name, "kind": kind})
        if not self.pii and name is not None:
            name = mask_value("name", name)
        return {"customer_id": customer_id, "name": name, "kind": kind}


def _fmt(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        v = float(value)
        if v.is_integer() and abs(v) >= 1:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:,.2f}"
        return f"{v:.4g}"
    # one line per value: a newline inside a value would break the key: value format
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _title(record: Mapping[str, Any]) -> str:
    """Plain-text tooltip: one ``key: value`` line per present value."""
    return "\n".join(f"{k}: {_fmt(v)}" for k, v in record.items() if _present(v))


def mask_title(title: str, role: Role | str) -> str:
    """Apply :func:`mask_record` to a ``key: value`` tooltip, line by line."""
    lines = []
    for line in str(title).split("\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            lines.append(line)
            continue
        masked = mask_record({key: value}, role)
        if key in masked:
            lines.append(f"{key}: {masked[key]}")
    return "\n".join(lines)


#: edge types that carry a credit amount in their label
_AMOUNT_EDGES = frozenset({RelType.GUARANTEES.value, "guarantee"})


def mask_view(view: NetworkView, role: Role | str) -> NetworkView:
    """The final pass every view goes through before it is returned: titles filtered
    and masked by :func:`mask_title`, customer labels masked for roles without PII,
    guarantee amounts dropped from edge labels for roles without credit.

    The views are built from masked records already; this pass makes sure nothing
    slipped through (it changes nothing on a view built for the same role)."""
    role = Role(role)
    nodes = view.nodes.copy()
    edges = view.edges.copy()
    nodes["title"] = nodes["title"].map(lambda t: mask_title(t, role)).astype("str")
    edges["title"] = edges["title"].map(lambda t: mask_title(t, role)).astype("str")
    if not can(role, Capability.PII) and len(nodes):
        is_customer = nodes["kind"].isin(["person", "company"]).to_numpy(dtype=bool)
        own_id = nodes["id"].str.slice(2)
        named = is_customer & (nodes["label"] != own_id).to_numpy(dtype=bool)
        nodes.loc[named, "label"] = nodes.loc[named, "label"].map(lambda s: mask_value("name", s))
    if not can(role, Capability.CREDIT) and len(edges):
        amount = edges["type"].isin(list(_AMOUNT_EDGES)).to_numpy(dtype=bool)
        edges.loc[amount, "label"] = ""
    return replace(view, nodes=nodes, edges=edges)


# ====================================================================================
# the view model
# ====================================================================================
NODE_KINDS = ("person", "company", "account", "household")
EDGE_TYPES = (
    RelType.REFERRED.value,
    RelType.GUARANTEES.value,
    RelType.OWNS.value,
    RelType.HOLDS.value,
    RelType.MEMBER_OF.value,
)
LINK_REASONS = ("control", "guarantee", "joint_credit")
NODE_COLUMNS = ("id", "kind", "label", "title", "value", "level", "highlight")
EDGE_COLUMNS = ("source", "target", "type", "label", "title", "directed", "highlight")


def _nodes_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.Series([r["id"] for r in rows], dtype="str"),
            "kind": pd.Series([r["kind"] for r in rows], dtype="str"),
            "label": pd.Series([r.get("label") or "" for r in rows], dtype="str"),
            "title": pd.Series([r.get("title") or "" for r in rows], dtype="str"),
            "value": pd.Series(
                [np.nan if r.get("value") is None else float(r["value"]) for r in rows],
                dtype="float64",
            ),
            "level": pd.Series([r.get("level") for r in rows], dtype="Int64"),
            "highlight": pd.Series([bool(r.get("highlight", False)) for r in rows], dtype="bool"),
        }
    )


def _edges_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": pd.Series([r["source"] for r in rows], dtype="str"),
            "target": pd.Series([r["target"] for r in rows], dtype="str"),
            "type": pd.Series([r["type"] for r in rows], dtype="str"),
            "label": pd.Series([r.get("label") or "" for r in rows], dtype="str"),
            "title": pd.Series([r.get("title") or "" for r in rows], dtype="str"),
            "directed": pd.Series([bool(r.get("directed", True)) for r in rows], dtype="bool"),
            "highlight": pd.Series([bool(r.get("highlight", False)) for r in rows], dtype="bool"),
        }
    )


@dataclass
class NetworkView:
    """A bounded picture of part of the graph, already masked for one role.

    The HTML renderers (:mod:`guanxi.viz`) and the API's network answers are built
    from exactly this.

    Attributes
    ----------
    nodes : pandas.DataFrame
        ``id`` (str, unique: ``c:<customer_id>``, ``a:<account_id>``,
        ``h:<household_id>``), ``kind`` (``person``, ``company``, ``account``,
        ``household``), ``label`` (str), ``title`` (plain-text tooltip, ``key: value``
        lines; not HTML), ``value`` (float64 size, NaN allowed), ``level`` (Int64, the
        generation in a cascade or the hop in a neighbourhood; NA when meaningless),
        ``highlight`` (bool).
    edges : pandas.DataFrame
        ``source``, ``target`` (node ids), ``type`` (``REFERRED``, ``GUARANTEES``,
        ``OWNS``, ``HOLDS``, ``MEMBER_OF``, or a group-link reason ``control``,
        ``guarantee``, ``joint_credit``), ``label``, ``title``, ``directed``,
        ``highlight``.
    title, subtitle, as_of, source : str
        Heading, a one-line description, the analysis date, and where the data came
        from.
    truncated : bool
        A limit left nodes out; ``omitted_nodes`` says how many were found and not
        shown (a lower bound: nothing beyond the cut was explored), ``notes`` says
        what was left out and why.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    title: str
    subtitle: str = ""
    as_of: str = ""
    source: str = ""
    truncated: bool = False
    omitted_nodes: int = 0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls,
        nodes: Sequence[Mapping[str, Any]],
        edges: Sequence[Mapping[str, Any]],
        **kwargs: Any,
    ) -> NetworkView:
        """Build a view from node and edge dicts (missing optional columns defaulted)."""
        return cls(_nodes_frame(nodes), _edges_frame(edges), **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: records with NaN and NA as ``None``."""
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "as_of": self.as_of,
            "source": self.source,
            "truncated": bool(self.truncated),
            "omitted_nodes": int(self.omitted_nodes),
            "notes": list(self.notes),
            "nodes": _records(self.nodes),
            "edges": _records(self.edges),
        }

    def customer_ids(self) -> list[str]:
        """The customers shown (for the audit trail)."""
        ids = self.nodes["id"]
        return ids[ids.str.startswith("c:")].str.slice(2).tolist()


# ====================================================================================
# small helpers
# ====================================================================================
def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float | np.floating):
        return not math.isnan(value)
    return True


def _clean(value: Any) -> Any:
    """A JSON-ready Python value: NaN/NA/NaT -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(value, np.generic):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(frame.columns)
    return [
        {c: _clean(v) for c, v in zip(cols, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def _row(frame: pd.DataFrame, i: int, columns: Iterable[str] | None = None) -> dict[str, Any]:
    cols = list(columns) if columns is not None else list(frame.columns)
    return {c: _clean(frame[c].iat[i]) for c in cols if c in frame.columns}


def _text_ids(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values if _present(v)]


class _ByKey:
    """Rows of a frame by the value of one column, by binary search on a sorted copy.

    No dict of per-key arrays: at a million customers that costs more memory than the
    frames themselves. Short keys (a bank's ids) are kept as fixed-width text, 4 bytes
    a character instead of about 60 bytes a Python string; NumPy orders both by code
    point, as Python does."""

    #: longest key kept as fixed-width text (longer ones: Python strings)
    MAX_WIDTH = 16

    def __init__(self, frame: pd.DataFrame, column: str):
        keys = frame[column].astype("str").fillna("")
        values = keys.to_numpy(dtype=object)
        width = int(keys.str.len().max()) if len(keys) else 0
        # fixed-width text drops trailing NULs: keep such keys as they are
        if width <= self.MAX_WIDTH and not keys.str.contains("\x00", regex=False).any():
            values = values.astype(f"U{max(width, 1)}")
        order = np.argsort(values, kind="stable")
        self.frame = frame.take(order).reset_index(drop=True)
        self.keys = values[order]

    def positions(self, key: str) -> slice:
        if self.keys.dtype.kind == "U" and "\x00" in key:
            return slice(0, 0)  # no stored key has one (and NumPy would drop it)
        lo = int(np.searchsorted(self.keys, key, side="left"))
        hi = int(np.searchsorted(self.keys, key, side="right"))
        return slice(lo, hi)

    def rows(self, key: str) -> pd.DataFrame:
        return self.frame.iloc[self.positions(str(key))]

    def __contains__(self, key: str) -> bool:
        s = self.positions(str(key))
        return s.stop > s.start


def _unique_index(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` by ``column`` (as text), the first row of each value.

    Shares the data of ``frame`` when nothing is dropped (frames are copied on write):
    at a million customers a copy of the customers and accounts costs 600 MB."""
    duplicated = frame[column].duplicated(keep="first")
    if duplicated.any():
        frame = frame[~duplicated.to_numpy(dtype=bool)]
    out = frame.set_index(column, drop=False)
    out.index = out.index.astype("str", copy=False)
    out.index.name = None
    return out


# ====================================================================================
# request-time indexes
# ====================================================================================
# An answer reads a handful of rows, and pandas indexing (``.loc``, ``.iat``, a sort)
# costs tens of microseconds per value. The hot answers (a group, the influencers)
# read from these instead: arrays of ready Python values (what ``_clean`` makes of
# each), aligned with the snapshot's frames, built once per snapshot on first use.
_BUILD_LOCK = threading.Lock()
_NO_POSITIONS = np.zeros(0, dtype=np.int64)


def _per_snapshot(snap: Snapshot, name: str, build: Callable[[Snapshot], Any]) -> Any:
    """``build(snap)``, computed once per snapshot and kept with it (a snapshot never
    changes, so neither does what is derived from it)."""
    cache = snap.__dict__  # the frozen dataclass guards its fields, not this cache
    found = cache.get(name)
    if found is None:
        with _BUILD_LOCK:
            found = cache.get(name)
            if found is None:
                found = build(snap)
                cache[name] = found
    return found


def _objects(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _nones(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _py_values(values: pd.Series) -> np.ndarray:
    """An object array of ``_clean(v)`` for every value (NaN/NA -> None, numpy scalars
    -> Python); equal strings share one object."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        raw = values.to_numpy()
        out = _objects(raw.tolist())
        out[~np.isfinite(raw)] = None
        return out
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return _objects(values.to_numpy().tolist())
    if isinstance(dtype, pd.StringDtype):
        # str values are their own _clean; only the missing ones change (to None)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        table = _nones(len(uniques) + 1)
        table[:-1] = uniques.to_numpy(dtype=object)
        return table[codes]
    return _objects([_clean(v) for v in values.tolist()])


def _column(values: pd.Series) -> np.ndarray:
    """Like :func:`_py_values`, but a plain numeric array when nothing needs cleaning
    (no NaN or infinity): its ``tolist()`` gives the same Python values at a fraction
    of the memory. Read it by slices (``values[a:b].tolist()``), not by item (an item
    would be a numpy scalar)."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return values.to_numpy()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        raw = values.to_numpy()
        if np.isfinite(raw).all():
            return raw
    return _py_values(values)


def _taken(
    frame: pd.DataFrame, column: str, positions: np.ndarray, *, objects: bool = False
) -> np.ndarray:
    """:func:`_column` (:func:`_py_values` with ``objects``: what is read one value at
    a time) of ``frame[column]`` at ``positions`` (None where a position is -1, or when
    the column is missing)."""
    if column not in frame.columns:
        return _nones(len(positions))
    ok = positions >= 0
    if ok.all():
        values = frame[column].take(positions)
        return _py_values(values) if objects else _column(values)
    out = _nones(len(positions))
    out[ok] = _py_values(frame[column].take(positions[ok]))
    return out


def _position(index: pd.Index, key: str) -> int:
    """The row of ``key`` in a unique ``index``; -1 when absent."""
    try:
        found = index.get_loc(key)
    except (KeyError, TypeError):
        return -1
    return int(found) if isinstance(found, int | np.integer) else -1


def _rows_of(index: pd.Index, keys: np.ndarray) -> np.ndarray:
    """The row of each of ``keys`` in a unique ``index``; -1 when absent.

    A text index is searched by hashing the keys, not the index: a pandas lookup keeps
    a hash table of the whole index (about 60 bytes a row, 150 MB for the accounts of a
    million customers) to find a few thousand rows."""
    keys = np.asarray(keys, dtype=object)
    if not len(keys) or not len(index):
        return np.full(len(keys), -1, dtype=np.int64)
    if not isinstance(index.dtype, pd.StringDtype):
        return index.get_indexer(keys)
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    column = pa.array(index.array)
    wanted = pa.array([u if isinstance(u, str) else None for u in uniques], type=column.type)
    hit = pc.fill_null(pc.index_in(column, value_set=wanted), -1).to_numpy()
    row_of_unique = np.full(len(uniques) + 1, -1, dtype=np.int64)  # the last: NA keys
    rows = np.flatnonzero(hit >= 0)
    row_of_unique[hit[rows]] = rows
    return row_of_unique[codes]


def _key_bounds(sorted_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the rows of each of ``wanted`` start and stop in ``sorted_keys`` (an empty
    range when absent): one hash lookup per key instead of two binary searches."""
    n = len(sorted_keys)
    if not n or not len(wanted):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=np.int64)
    change = np.ones(n, dtype=bool)
    change[1:] = sorted_keys[1:] != sorted_keys[:-1]
    starts = np.flatnonzero(change)
    stops = np.append(starts[1:], n)
    at = pd.Index(sorted_keys[starts], dtype=object).get_indexer(wanted)
    found = at >= 0
    return np.where(found, starts[at], 0), np.where(found, stops[at], 0)


class _Rows:
    """Some rows of a frame as ready values, read back one row at a time as a dict."""

    __slots__ = ("columns", "rows")

    def __init__(
        self,
        frame: pd.DataFrame,
        columns: Sequence[str],
        positions: np.ndarray,
        extra: Mapping[str, np.ndarray] | None = None,
    ):
        """``columns`` of ``frame`` at ``positions``, then the ``extra`` columns (given
        as values; one named like a column keeps its place and takes those values, as
        it would in a dict)."""
        values = {c: _taken(frame, c, positions, objects=True) for c in columns}
        values.update(extra or {})
        self.columns = tuple(values)
        self.rows: list[tuple] = (
            list(zip(*(v.tolist() for v in values.values()), strict=True))
            if values
            else [()] * len(positions)
        )

    def record(self, i: int) -> dict[str, Any]:
        return dict(zip(self.columns, self.rows[i], strict=True))


class _GroupIndex:
    """The exposure groups as arrays: every group's summary; its members in answer order
    (largest single-name exposure first, then customer id) with their name and kind;
    its links with the source row each comes from; each customer's group.

    About 200 bytes per member and link at a million customers: the members, links and
    source rows are what the group answers serve, nothing else is copied."""

    SUMMARY = (
        "group_id",
        "size",
        "exposure",
        "pct_tier1",
        "status",
        "largest_member",
        "largest_member_exposure",
        "links",
        "reasons",
    )
    LINK = ("a", "b", "reason", "source_entity", "source_key")

    def __init__(self, snap: Snapshot):
        groups = snap.groups
        self.index = groups.index
        n = len(groups)
        self.summary = _Rows(groups, self.SUMMARY, np.arange(n))
        group_keys = _objects([str(g) for g in self.index])

        # members, sorted as group() sorted each group's rows: a stable sort by group,
        # then by single-name exposure (largest first, NaN last), then by customer id
        members = snap.group_members
        f = members.frame
        order = np.arange(len(f))
        if len(f):
            group_no = np.zeros(len(f), dtype=np.int64)
            group_no[1:] = np.cumsum(members.keys[1:] != members.keys[:-1])
            order = (
                f[["single_name_exposure", "customer_id"]]
                .assign(_group=group_no)
                .reset_index(drop=True)
                .sort_values(
                    ["_group", "single_name_exposure", "customer_id"],
                    ascending=[True, False, True],
                    kind="stable",
                )
                .index.to_numpy()
            )
        self.member_id = _objects([str(c) for c in f["customer_id"].take(order).tolist()])
        self.member_single = _column(f["single_name_exposure"].take(order))
        people = snap.customers.index.get_indexer(self.member_id)
        self.member_name = _taken(snap.customers, "name", people)
        self.member_kind = _taken(snap.customers, "kind", people)
        self.member_lo, self.member_hi = _key_bounds(members.keys, group_keys)

        # links, in the order of the stored rows, and their source rows
        links = snap.group_links
        lf = links.frame
        self.links = _Rows(lf, [c for c in self.LINK if c in lf.columns], np.arange(len(lf)))
        self.link_lo, self.link_hi = _key_bounds(links.keys, group_keys)
        # each link's source row: its columns and its values (shared with the other
        # links from the same row), or None
        self.source_columns: list[tuple[str, ...] | None] = [None] * len(lf)
        self.source_values: list[tuple | None] = [None] * len(lf)
        if "source_entity" in lf.columns and "source_key" in lf.columns:
            self._add_sources(
                snap,
                _py_values(lf["source_entity"]),
                _py_values(lf["source_key"]),
            )

        # each customer's group, by the customer's row in snap.customers (the group_id
        # of the customer's row in snap.metrics)
        metrics = snap.metrics
        self.customer_group = np.full(len(snap.customers), -1, dtype=np.int32)
        if "group_id" in metrics.columns and len(metrics) and n:
            grouped = metrics["group_id"][metrics["group_id"].notna()]
            found = self.index.get_indexer(grouped)
            rows = snap.customers.index.get_indexer(grouped.index)
            self.customer_group[rows[rows >= 0]] = found[rows >= 0]

    def _add_sources(self, snap: Snapshot, entities: np.ndarray, keys: np.ndarray) -> None:
        """What ``_source_row`` read per link, read once per source row."""
        for entity in {e for e in entities.tolist() if e}:
            links = np.flatnonzero((entities == entity) & pd.notna(keys))
            if entity == Entity.ACCOUNTS.value:
                frame, columns = snap.accounts, SPECS[Entity.ACCOUNTS].column_names
            else:
                frame = snap.source_rows.get(entity)
                if frame is None:
                    continue
                columns = SPECS[Entity(entity)].column_names
            positions = _rows_of(frame.index, keys[links])
            links, positions = links[positions >= 0], positions[positions >= 0]
            rows, row_of_link = np.unique(positions, return_inverse=True)
            extra = {}
            if entity == Entity.ACCOUNTS.value:
                exposure = snap.account_exposure
                exposure = exposure[~exposure.index.duplicated()].to_frame("exposure")
                at = _rows_of(exposure.index, frame.index[rows].to_numpy(dtype=object))
                extra["exposure"] = _taken(exposure, "exposure", at, objects=True)
            source = _Rows(frame, columns, rows, extra)
            for link, row in zip(links.tolist(), row_of_link.reshape(-1).tolist(), strict=True):
                self.source_columns[link] = source.columns
                self.source_values[link] = source.rows[row]

    def summary_of(self, i: int) -> dict[str, Any]:
        rec = self.summary.record(i)
        reasons = rec["reasons"]
        rec["reasons"] = str(reasons).split(";") if reasons else []
        return rec


class _InfluencerIndex:
    """The referral influencers of the latest analysis, best first, as arrays, with the
    rows of each segment, region and (segment, region) pair."""

    def __init__(self, snap: Snapshot):
        m = snap.metrics
        if len(m) and "influence_rank" in m.columns:
            wanted = ("customer_id", "influence_rank", "influence_score", "community_id")
            m = m[[c for c in wanted if c in m.columns]]
            ranked = m[m["influence_rank"].notna()]
            order = np.argsort(
                pd.to_numeric(ranked["influence_rank"]).to_numpy(dtype=np.float64), kind="stable"
            )
            ranked = ranked.iloc[order]
        else:
            ranked = pd.DataFrame({"customer_id": pd.Series([], dtype="str")})
        self.size = n = len(ranked)
        ids = _objects([str(c) for c in ranked["customer_id"].tolist()])
        customers = snap.customers.index.get_indexer(ids)
        reach = _rows_of(snap.reach.index, ids)
        self.columns = (
            ids,
            _taken(snap.customers, "name", customers),
            _taken(snap.customers, "kind", customers),
            np.array([int(r) for r in ranked["influence_rank"].tolist()], dtype=np.int64)
            if n
            else _nones(0),
            _column(ranked["influence_score"])
            if "influence_score" in ranked.columns
            else _nones(n),
            _taken(snap.customers, "segment", customers),
            _taken(snap.customers, "region", customers),
            self._reach(snap.reach, "direct", reach, int),
            self._reach(snap.reach, "cascade", reach, int),
            self._reach(snap.reach, "depth", reach, int),
            self._reach(snap.reach, "downstream_aum", reach, float),
            # the rows are snap.metrics' own: snap.metric(cid, "community_id") of each
            _column(ranked["community_id"]) if "community_id" in ranked.columns else _nones(n),
        )
        # the filters compare the customers' values as text, as the answer always did
        keys = snap.customers[
            [c for c in ("segment", "region") if c in snap.customers.columns]
        ].reindex(pd.Index(ids, dtype="str"))
        segment = keys["segment"].astype("str") if "segment" in keys.columns else None
        region = keys["region"].astype("str") if "region" in keys.columns else None
        self.by_segment = self._rows_by(segment)
        self.by_region = self._rows_by(region)
        self.by_pair = self._rows_by(segment, region)

    @staticmethod
    def _reach(reach: pd.DataFrame, column: str, positions: np.ndarray, convert) -> np.ndarray:
        """``convert(value)`` of the customers' reach; 0 for customers without one."""
        out = np.zeros(len(positions), dtype=np.float64 if convert is float else np.int64)
        ok = positions >= 0
        if ok.any():
            out[ok] = [convert(v) for v in reach[column].take(positions[ok]).tolist()]
        return out

    @staticmethod
    def _rows_by(*columns: pd.Series | None) -> dict[Any, np.ndarray]:
        """Rows (ascending) by value, or by tuple of values, of the rows with a value
        in every column."""
        if not columns or any(c is None for c in columns):
            return {}
        n = len(columns[0])
        code = np.zeros(n, dtype=np.int64)
        missing = np.zeros(n, dtype=bool)
        factors = []
        for c in columns:
            codes, values = pd.factorize(c, use_na_sentinel=True)
            missing |= codes < 0
            code = code * (len(values) + 1) + codes
            factors.append((codes, values.tolist()))
        rows = np.flatnonzero(~missing)
        if not len(rows):
            return {}
        rows = rows[np.argsort(code[rows], kind="stable")]
        cuts = np.flatnonzero(np.diff(code[rows])) + 1
        out: dict[Any, np.ndarray] = {}
        for part in np.split(rows, cuts):
            key = tuple(values[codes[part[0]]] for codes, values in factors)
            out[key[0] if len(key) == 1 else key] = part
        return out

    def select(self, segment: str | None, region: str | None) -> np.ndarray | None:
        """Rows (best first) of one segment, region or both; None for all."""
        if segment is None and region is None:
            return None
        if segment is not None and region is not None:
            return self.by_pair.get((segment, region), _NO_POSITIONS)
        if segment is not None:
            return self.by_segment.get(segment, _NO_POSITIONS)
        return self.by_region.get(region, _NO_POSITIONS)


class GroupSort(StrEnum):
    """Orders of the exposure-group list (numbers largest first, ids ascending)."""

    EXPOSURE = "exposure"
    SIZE = "size"
    PCT_TIER1 = "pct_tier1"
    GROUP_ID = "group_id"


# ====================================================================================
# the neighbourhood graph
# ====================================================================================
_EDGE_DIRECTED = {
    RelType.REFERRED.value: True,
    RelType.GUARANTEES.value: True,
    RelType.OWNS.value: True,
    RelType.HOLDS.value: False,
    RelType.MEMBER_OF.value: False,
}


@dataclass(frozen=True)
class _Graph:
    """Customers, accounts and households as one node set, with a symmetric CSR
    adjacency whose stored values are edge numbers into :attr:`edges`."""

    ids: pd.Index
    adj: sp.csr_array
    #: src, dst (node numbers), type (category), type_code (int8), entity (category),
    #: row (int)
    edges: pd.DataFrame

    @classmethod
    def build(cls, frames: Mapping[Entity, pd.DataFrame]) -> _Graph:
        customers = frames[Entity.CUSTOMERS]
        accounts = frames[Entity.ACCOUNTS]
        holders = frames[Entity.ACCOUNT_HOLDERS]
        households = frames[Entity.HOUSEHOLDS]
        hh_ids = pd.Series(households["household_id"].dropna().unique(), dtype="str")
        ids = pd.Index(
            pd.concat(
                [
                    "c:" + customers["customer_id"].astype("str"),
                    "a:" + accounts["account_id"].astype("str"),
                    "h:" + hh_ids.sort_values(),
                ],
                ignore_index=True,
            ).astype("str")
        )
        parts = []
        # node numbers in 32 bits while they fit (half the memory of the edge list and
        # of the adjacency at a million customers)
        node_dtype = np.int32 if len(ids) < 2**31 else np.int64

        def add(src: pd.Series, dst: pd.Series, rel: RelType, entity: Entity) -> None:
            s = ids.get_indexer(src.astype("str"))
            d = ids.get_indexer(dst.astype("str"))
            ok = (s >= 0) & (d >= 0) & (s != d)
            parts.append(
                pd.DataFrame(
                    {
                        "src": s[ok].astype(node_dtype),
                        "dst": d[ok].astype(node_dtype),
                        "type": rel.value,
                        "entity": entity.value,
                        "row": np.flatnonzero(ok).astype(np.int32 if len(ok) < 2**31 else np.int64),
                    }
                )
            )

        r = frames[Entity.REFERRALS]
        add("c:" + r["referrer_id"], "c:" + r["referee_id"], RelType.REFERRED, Entity.REFERRALS)
        g = frames[Entity.GUARANTEES]
        add(
            "c:" + g["guarantor_id"], "c:" + g["borrower_id"], RelType.GUARANTEES, Entity.GUARANTEES
        )
        o = frames[Entity.OWNERSHIP]
        add("c:" + o["owner_id"], "c:" + o["company_id"], RelType.OWNS, Entity.OWNERSHIP)
        add(
            "c:" + accounts["customer_id"],
            "a:" + accounts["account_id"],
            RelType.HOLDS,
            Entity.ACCOUNTS,
        )
        add(
            "c:" + holders["customer_id"],
            "a:" + holders["account_id"],
            RelType.HOLDS,
            Entity.ACCOUNT_HOLDERS,
        )
        add(
            "c:" + households["customer_id"],
            "h:" + households["household_id"],
            RelType.MEMBER_OF,
            Entity.HOUSEHOLDS,
        )
        edges = pd.concat(parts, ignore_index=True)
        # five types and six entities on millions of rows: categories, not strings
        edges["type"] = pd.Categorical(edges["type"].astype("str"), categories=list(EDGE_TYPES))
        edges["entity"] = edges["entity"].astype("str").astype("category")
        edges["type_code"] = edges["type"].cat.codes.astype(np.int8)
        n = len(ids)
        m = len(edges)
        src = edges["src"].to_numpy()
        dst = edges["dst"].to_numpy()
        rows = np.concatenate([src, dst])
        cols = np.concatenate([dst, src])
        eid_dtype = np.int32 if m < 2**31 else np.int64
        eid = np.concatenate([np.arange(m), np.arange(m)]).astype(eid_dtype)
        order = np.lexsort((cols, rows))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        adj = sp.csr_array((eid[order], cols[order], indptr), shape=(n, n))
        return cls(ids, adj, edges)

    def _gather(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of ``nodes`` and the edge number of each incidence."""
        indptr = self.adj.indptr
        starts = indptr[nodes]
        counts = indptr[nodes + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        pos = offsets + np.arange(total)
        return self.adj.indices[pos].astype(np.int64), self.adj.data[pos].astype(np.int64)

    def type_mask(self, types: Iterable[str]) -> np.ndarray:
        wanted = np.array([t in set(types) for t in EDGE_TYPES], dtype=bool)
        return wanted[self.edges["type_code"].to_numpy()] if len(self.edges) else np.zeros(0, bool)

    def neighbourhood(
        self, start: int, *, hops: int, edge_ok: np.ndarray, limit: int
    ) -> tuple[np.ndarray, np.ndarray, bool, int]:
        """Breadth-first from ``start`` along allowed edges, at most ``limit`` nodes.

        Returns the node numbers (in order found), their hop, whether a limit cut the
        search, and how many nodes found at the cut were left out. Within a hop,
        customers come first (then accounts, households), each in id order."""
        visited = np.zeros(len(self.ids), dtype=bool)
        visited[start] = True
        found = [np.array([start], dtype=np.int64)]
        levels = [np.zeros(1, dtype=np.int64)]
        count, truncated, omitted = 1, False, 0
        frontier = found[0]
        for hop in range(1, hops + 1):
            nb, eids = self._gather(frontier)
            nb = np.unique(nb[edge_ok[eids]]) if eids.size else nb
            nb = nb[~visited[nb]]
            if nb.size == 0:
                break
            room = limit - count
            if nb.size > room:
                truncated, omitted = True, int(nb.size - room)
                nb = nb[:room]
            visited[nb] = True
            found.append(nb)
            levels.append(np.full(nb.size, hop, dtype=np.int64))
            count += nb.size
            if truncated:
                break
            frontier = nb
        return np.concatenate(found), np.concatenate(levels), truncated, omitted

    def induced_edges(self, nodes: np.ndarray, edge_ok: np.ndarray) -> np.ndarray:
        """Edge numbers of allowed edges with both ends in ``nodes``."""
        inside = np.zeros(len(self.ids), dtype=bool)
        inside[nodes] = True
        nb, eids = self._gather(nodes)
        keep = inside[nb] & edge_ok[eids] if eids.size else np.zeros(0, dtype=bool)
        return np.unique(eids[keep])


# ====================================================================================
# the snapshot
# ====================================================================================
@dataclass(frozen=True)
class _Raw:
    """What one read of the store returned."""

    frames: dict[Entity, pd.DataFrame]
    results: dict[Result, pd.DataFrame]
    source: str
    read_seconds: float


def _read_store(store: GraphStore) -> _Raw:
    started = time.perf_counter()
    frames = {e: store.fetch(e) for e in LOAD_ORDER}
    results = {r: store.fetch_results(r) for r in Result}
    return _Raw(frames, results, store.description, time.perf_counter() - started)


def _run_options(runs: pd.DataFrame) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The latest analysis run (a dict) and its options (defaults when unknown)."""
    options: dict[str, Any] = {
        "as_of": None,
        "tier1_capital": None,
        "preset": "basel",
        "ccf_default": 1.0,
        "include_suspected_links": False,
        "max_cycles": 100,
    }
    if runs is None or runs.empty or "run_id" not in runs.columns:
        return None, options
    latest = runs.sort_values("run_id", kind="stable").iloc[-1]
    run = {k: _clean(v) for k, v in latest.items()}
    summary: dict[str, Any] = {}
    with contextlib.suppress(TypeError, ValueError):
        summary = json.loads(run.pop("summary_json", None) or "{}")
    run["summary"] = summary
    for key, value in (summary.get("options") or {}).items():
        if key in options and value is not None:
            options[key] = value
    for key in ("as_of", "tier1_capital", "preset"):
        if run.get(key) is not None:
            options[key] = run[key]
    return run, options


def _with_columns(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with every column of ``columns`` (empty ones added): a store that holds
    no result answers a frame with its key column only. The given frame is left as it
    is (and its data shared: frames are copied on write)."""
    frame = pd.DataFrame() if frame is None else frame.copy(deep=False)
    for column in columns:
        if column not in frame.columns:
            frame[column] = pd.Series([pd.NA] * len(frame), index=frame.index, dtype="object")
    return frame


def _source_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    parts = [frame[c].astype("object").where(frame[c].notna(), "").astype(str) for c in columns]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key


@dataclass(frozen=True)
class Snapshot:
    """Everything a :class:`GraphService` serves, read once from the store.

    Built by :meth:`build`; never changed afterwards (a refresh builds a new one).
    """

    taken_at: str
    source: str
    read_seconds: float
    frames: dict[Entity, pd.DataFrame]
    results: dict[Result, pd.DataFrame]
    #: the latest analysis run (``run_id``, ``as_of``, ``preset``, ``tier1_capital``,
    #: counts, ``summary``) or None when the store holds no analysis
    run: dict[str, Any] | None
    options: dict[str, Any]
    customers: pd.DataFrame  # by customer_id
    accounts: pd.DataFrame  # by account_id
    account_exposure: pd.Series  # by account_id, open credit accounts only
    single_names: pd.Series  # by customer_id, customers with open credit only
    holdings: _ByKey  # account_id, customer_id, role (primary/joint/authorized) by customer
    memberships: _ByKey  # households rows by customer_id
    household_rows: _ByKey  # households rows by household_id
    household_summary: pd.DataFrame  # by household_id
    referred_by: pd.Series  # referrer_id by referee_id
    reach: pd.DataFrame  # referral reach by customer_id
    suspected: pd.DataFrame  # suspected links
    suspected_by_customer: _ByKey  # suspected_link_id, customer_id by customer_id
    metrics: pd.DataFrame  # customer metrics of the latest run, by customer_id
    groups: pd.DataFrame  # by group_id
    group_members: _ByKey  # by group_id
    group_links: _ByKey  # by group_id
    circles: pd.DataFrame  # by circle_id
    circle_members: _ByKey  # by circle_id
    circle_cycles: _ByKey  # by circle_id
    community_sizes: pd.Series  # by community_id
    source_rows: dict[str, pd.DataFrame]  # ownership / guarantees by source_key
    graph: _Graph
    notes: tuple[str, ...] = ()

    @property
    def analyzed(self) -> bool:
        return self.run is not None

    @property
    def as_of(self) -> str:
        return str(self.options.get("as_of") or self.taken_at[:10])

    @classmethod
    def build(cls, raw: _Raw, derived: Mapping[str, pd.DataFrame] | None = None) -> Snapshot:
        """The snapshot of one read of the store.

        ``derived``: results of the analysis run that produced ``raw``'s results, by
        their output name (``group_links``, ``circle_cycles``, ``households``,
        ``suspected_links``, ``referral_reach``): used as they are instead of being
        recomputed from the data (what the analyze report does: it has them at hand).
        """
        from guanxi.algorithms import circles as circles_mod
        from guanxi.algorithms import groups as groups_mod
        from guanxi.algorithms import households as households_mod
        from guanxi.algorithms import referrals as referrals_mod
        from guanxi.algorithms import suspected as suspected_mod
        from guanxi.algorithms.exposure import account_exposure, single_name_exposure

        f = raw.frames
        customers, accounts = f[Entity.CUSTOMERS], f[Entity.ACCOUNTS]
        holders, households = f[Entity.ACCOUNT_HOLDERS], f[Entity.HOUSEHOLDS]
        referrals, guarantees, ownership = (
            f[Entity.REFERRALS],
            f[Entity.GUARANTEES],
            f[Entity.OWNERSHIP],
        )
        run, options = _run_options(raw.results.get(Result.ANALYSIS_RUNS))
        ccf = float(options["ccf_default"])
        notes: list[str] = []

        exposure = account_exposure(accounts, ccf_default=ccf)
        singles = single_name_exposure(accounts, holders, ccf_default=ccf)
        primary = pd.DataFrame(
            {
                "account_id": accounts["account_id"],
                "customer_id": accounts["customer_id"],
                "role": pd.Series(["primary"] * len(accounts), dtype="str"),
            }
        )
        further = holders[["account_id", "customer_id", "role"]].copy()
        further["role"] = further["role"].fillna("joint")
        holdings = pd.concat([primary, further], ignore_index=True)

        derived = derived or {}

        def given(name: str) -> pd.DataFrame | None:
            frame = derived.get(name)
            return None if frame is None else frame.reset_index(drop=True)

        reach = given("referral_reach")
        if reach is None:
            reach = referrals_mod.referral_reach(customers, referrals)
        suspected = given("suspected_links")
        if suspected is None:
            suspected = suspected_mod.suspected_links(customers)
        long = suspected[["suspected_link_id", "customer_ids"]].copy()
        long["customer_id"] = long["customer_ids"].str.split(";")
        long = long.explode("customer_id")[["suspected_link_id", "customer_id"]]
        long["customer_id"] = long["customer_id"].astype("str")

        hh_summary = given("households")
        if hh_summary is None:
            hh_summary = households_mod.household_summary(
                households, accounts, holders, ccf_default=ccf
            )

        res = raw.results
        metrics = _with_columns(res.get(Result.CUSTOMER_METRICS), ("customer_id",))
        groups = _with_columns(res.get(Result.EXPOSURE_GROUPS), ("group_id",))
        members = _with_columns(
            res.get(Result.GROUP_MEMBERS), ("customer_id", "group_id", "single_name_exposure")
        )
        circles = _with_columns(res.get(Result.GUARANTEE_CIRCLES), ("circle_id",))
        circle_members = _with_columns(res.get(Result.CIRCLE_MEMBERS), ("customer_id", "circle_id"))
        if run is not None and given("group_links") is not None:
            links = given("group_links")[
                ["group_id", "a", "b", "reason", "source_entity", "source_key"]
            ]
            cycles = given("circle_cycles")
        elif run is not None:
            links = groups_mod.connected_client_links(
                customers,
                accounts,
                holders,
                guarantees,
                ownership,
                as_of=options["as_of"],
                ccf_default=ccf,
                include_links=bool(options["include_suspected_links"]),
            )
            group_of = pd.Series(
                members["group_id"].astype("str").to_numpy(),
                index=members["customer_id"].astype("str").to_numpy(),
            )
            group_of = group_of[~group_of.index.duplicated()]
            ga = group_of.reindex(links["a"].astype("str")).to_numpy(dtype=object)
            gb = group_of.reindex(links["b"].astype("str")).to_numpy(dtype=object)
            same = pd.notna(ga) & (ga == gb)
            if (~same).any():
                notes.append(
                    f"{int((~same).sum())} connected-client link(s) in the data are not "
                    "in the stored exposure groups: the data changed after the last "
                    "analysis; run `guanxi analyze` again"
                )
            links = links.loc[same].copy()
            links.insert(0, "group_id", pd.Series(ga[same], dtype="str").to_numpy())
            _, _, cycles = circles_mod.guarantee_circles(
                guarantees,
                accounts,
                holders,
                as_of=options["as_of"],
                ccf_default=ccf,
                max_cycles=int(options["max_cycles"]),
            )
        else:
            links = pd.DataFrame(
                {
                    c: pd.Series([], dtype="str")
                    for c in ("group_id", "a", "b", "reason", "source_entity", "source_key")
                }
            )
            cycles = pd.DataFrame(
                {"circle_id": pd.Series([], dtype="str"), "cycle_no": [], "path": []}
            )

        metrics_ix = _unique_index(metrics, "customer_id") if len(metrics) else pd.DataFrame()
        community_sizes = (
            metrics["community_id"].dropna().astype("str").value_counts()
            if "community_id" in metrics.columns
            else pd.Series(dtype="int64")
        )
        source_rows = {
            "ownership": _unique_index(
                ownership.assign(_key=_source_keys(ownership, ("owner_id", "company_id", "role"))),
                "_key",
            ),
            "guarantees": _unique_index(
                guarantees.assign(
                    _key=_source_keys(
                        guarantees, ("guarantor_id", "borrower_id", "account_id", "valid_from")
                    )
                ),
                "_key",
            ),
        }
        referred_by = pd.Series(
            referrals["referrer_id"].astype("str").to_numpy(),
            index=referrals["referee_id"].astype("str").to_numpy(),
        )
        referred_by = referred_by[~referred_by.index.duplicated()]

        snap = cls(
            taken_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            source=raw.source,
            read_seconds=raw.read_seconds,
            frames=f,
            results=res,
            run=run,
            options=options,
            customers=_unique_index(customers, "customer_id"),
            accounts=_unique_index(accounts, "account_id"),
            account_exposure=pd.Series(
                exposure["exposure"].to_numpy(), index=exposure["account_id"].astype("str")
            ),
            single_names=pd.Series(
                singles["single_name_exposure"].to_numpy(),
                index=singles["customer_id"].astype("str"),
            ),
            holdings=_ByKey(holdings, "customer_id"),
            memberships=_ByKey(households, "customer_id"),
            household_rows=_ByKey(households, "household_id"),
            household_summary=_unique_index(hh_summary, "household_id"),
            referred_by=referred_by,
            reach=_unique_index(reach, "customer_id"),
            suspected=_unique_index(suspected, "suspected_link_id"),
            suspected_by_customer=_ByKey(long, "customer_id"),
            metrics=metrics_ix,
            groups=_unique_index(groups, "group_id") if len(groups) else groups,
            group_members=_ByKey(members, "group_id"),
            group_links=_ByKey(links, "group_id"),
            circles=_unique_index(circles, "circle_id") if len(circles) else circles,
            circle_members=_ByKey(circle_members, "circle_id"),
            circle_cycles=_ByKey(cycles, "circle_id"),
            community_sizes=community_sizes,
            source_rows=source_rows,
            graph=_Graph.build(f),
            notes=tuple(notes),
        )
        return snap

    # -- lookups ---------------------------------------------------------------------
    def customer_row(self, customer_id: str) -> pd.Series:
        try:
            return self.customers.loc[str(customer_id)]
        except KeyError:
            raise NotFound(f"customer {customer_id} not found") from None

    def metric(self, customer_id: str, column: str) -> Any:
        if column not in self.metrics.columns or customer_id not in self.metrics.index:
            return None
        return _clean(self.metrics.at[customer_id, column])

    def require_analysis(self) -> dict[str, Any]:
        if self.run is None:
            raise NotAnalyzed(NOT_ANALYZED_MESSAGE)
        return self.run

    # -- request-time indexes (built on first use, then kept with the snapshot) -------
    @property
    def group_index(self) -> _GroupIndex:
        return _per_snapshot(self, "_group_index", _GroupIndex)

    @property
    def influencer_index(self) -> _InfluencerIndex:
        return _per_snapshot(self, "_influencer_index", _InfluencerIndex)

    def prepare(self) -> Snapshot:
        """Build the request-time indexes now rather than on the first request (what a
        server does before it swaps a new snapshot in)."""
        if self.run is not None:
            _ = self.group_index, self.influencer_index
        return self

    @property
    def prepared(self) -> bool:
        return self.run is None or all(
            name in self.__dict__ for name in ("_group_index", "_influencer_index")
        )


# ====================================================================================
# store access
# ====================================================================================
class _EmbeddedAccess:
    """The embedded store: opened per unit of work, released at once."""

    kind = "embedded"

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.description = f"embedded DuckDB store at {self.path}"

    def _require_file(self) -> None:
        if self.path != ":memory:" and not Path(self.path).expanduser().exists():
            raise StoreUnavailable(
                f"the {self.description} does not exist yet: load a folder first (guanxi load DIR)"
            )

    @contextlib.contextmanager
    def reading(self) -> Iterator[GraphStore]:
        from guanxi.graph.duckdb_store import DuckDBStore

        self._require_file()
        store = DuckDBStore(self.path, read_only=True)
        try:
            yield store
        finally:
            store.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[GraphStore]:
        from guanxi.graph.duckdb_store import DuckDBStore

        self._require_file()
        store = DuckDBStore(self.path)
        try:
            yield store
        finally:
            store.close()

    def ping(self) -> None:
        with self.reading() as store:
            store.ping()

    def close(self) -> None:
        pass


class _HeldAccess:
    """A store kept open for the service's life (Neo4j: one driver per process)."""

    def __init__(self, store: GraphStore, *, close_store: bool, kind: str = "neo4j"):
        self.store = store
        self.close_store = close_store
        self.kind = kind
        self.description = store.description

    @contextlib.contextmanager
    def reading(self) -> Iterator[GraphStore]:
        yield self.store

    writing = reading

    def ping(self) -> None:
        self.store.ping()

    def close(self) -> None:
        if self.close_store:
            self.store.close()


# ====================================================================================
# the service
# ====================================================================================
class _SnapshotAccess:
    """No store: a service built on a snapshot it was given."""

    kind = "snapshot"

    def __init__(self, description: str):
        self.description = description

    @contextlib.contextmanager
    def reading(self) -> Iterator[GraphStore]:
        raise StoreUnavailable(
            f"this service answers from a fixed snapshot of the {self.description}"
        )
        yield  # pragma: no cover

    writing = reading

    def ping(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class _Job:
    state: str = "idle"  # idle, running, succeeded, failed
    step: str = ""
    done: int = 0
    total: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    run_id: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "run_id": self.run_id,
            "error": self.error,
            "warnings": list(self.warnings),
        }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _release_unused_memory() -> None:
    """Give back to the system what Arrow's allocator keeps of the memory freed while a
    snapshot was built (about 250 MB at a million customers)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _bounded(value: int, low: int, high: int, what: str) -> int:
    from guanxi.errors import ConfigError

    v = int(value)
    if not low <= v <= high:
        raise ConfigError(f"{what} must be between {low} and {high}, got {value}")
    return v


class GraphService:
    """The read model: a snapshot of the store, answers per role, views.

    Build one with :meth:`from_settings` (what ``guanxi serve`` does),
    :meth:`from_path` (an embedded store file) or :meth:`from_store` (a store you
    keep, e.g. a Neo4j store on a shared driver; it is not closed unless asked).

    Every read method takes the caller's ``role`` (keyword, default admin for local
    use by the CLI and the views) and returns plain JSON-ready dicts, or a
    :class:`NetworkView`, already masked for that role. Unknown ids raise
    :class:`~guanxi.errors.NotFound`; reads a role may not make raise
    :class:`~guanxi.errors.Forbidden` before anything is looked up; results that need
    an analysis raise :class:`~guanxi.errors.NotAnalyzed` until one has run; a store
    that cannot be read raises :class:`~guanxi.errors.StoreUnavailable`.
    """

    #: seconds between two attempts to read a store that failed
    RETRY_SECONDS = 2.0

    def __init__(self, access: _EmbeddedAccess | _HeldAccess, *, settings=None):
        from guanxi.settings import get_settings

        self._access = access
        self.settings = settings or get_settings()
        self._snapshot: Snapshot | None = None
        self._refresh_lock = threading.Lock()
        self._analysis_lock = threading.Lock()
        self._job = _Job()
        self._last_error: GuanxiError | None = None
        self._last_attempt = 0.0
        #: set by a server (``guanxi serve``): a new snapshot's request-time indexes are
        #: built before it is swapped in, so no request waits for them; and the objects
        #: that live as long as the snapshot (it, the modules) are then frozen out of the
        #: garbage collector's full passes (:func:`gc.freeze`; about 60 ms each, every
        #: few thousand requests otherwise). A one-shot reader leaves it off.
        self.serving = False

    # -- construction ----------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings=None) -> GraphService:
        from guanxi.graph.store import open_store
        from guanxi.settings import get_settings

        settings = settings or get_settings()
        if settings.store_is_bolt():
            return cls(
                _HeldAccess(open_store(settings.store, settings=settings), close_store=True),
                settings=settings,
            )
        return cls(_EmbeddedAccess(settings.embedded_path()), settings=settings)

    @classmethod
    def from_path(cls, path: str | Path, *, settings=None) -> GraphService:
        return cls(_EmbeddedAccess(path), settings=settings)

    @classmethod
    def from_store(
        cls, store: GraphStore, *, close_store: bool = False, settings=None
    ) -> GraphService:
        kind = "embedded" if type(store).__name__ == "DuckDBStore" else "neo4j"
        return cls(_HeldAccess(store, close_store=close_store, kind=kind), settings=settings)

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, *, settings=None) -> GraphService:
        """A service that answers from ``snapshot`` alone and never reads a store (the
        analyze report's views); :meth:`refresh` raises
        :class:`~guanxi.errors.StoreUnavailable`."""
        service = cls(_SnapshotAccess(snapshot.source), settings=settings)
        service._snapshot = snapshot
        return service

    def close(self) -> None:
        """Release the store if the service holds one. The snapshot stays readable."""
        if self.serving:
            gc.unfreeze()  # let the interpreter collect everything at exit
        self._access.close()

    def __enter__(self) -> GraphService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the snapshot ----------------------------------------------------------------
    @property
    def store_kind(self) -> str:
        return self._access.kind

    @property
    def description(self) -> str:
        return self._access.description

    def refresh(self) -> Snapshot:
        """Read the store again and swap the snapshot in one step.

        Reads are served from the previous snapshot until the new one is complete;
        on failure the previous snapshot stays and the error is raised."""
        with self._refresh_lock:
            self._last_attempt = time.monotonic()
            try:
                with self._access.reading() as store:
                    raw = _read_store(store)
            except StoreError as exc:
                self._last_error = exc
                raise
            snap = Snapshot.build(raw)
            if self.serving:
                snap.prepare()
                gc.unfreeze()  # what the old snapshot leaves behind must be collectable
            self._snapshot = snap
            if self.serving:
                gc.collect()
                gc.freeze()
                _release_unused_memory()
            self._last_error = None
            log.info(
                "snapshot of the %s taken: %d customers, analysis %s",
                snap.source,
                len(snap.customers),
                (snap.run or {}).get("run_id", "none"),
            )
            return snap

    def try_refresh(self) -> bool:
        """:meth:`refresh`, logging instead of raising a store error."""
        try:
            self.refresh()
            return True
        except StoreError as exc:
            log.warning("cannot read the %s: %s", self.description, exc)
            return False

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot; one is read on first use (and retried, at most every
        :attr:`RETRY_SECONDS`, while the store cannot be read)."""
        snap = self._snapshot
        if snap is not None:
            return snap
        if (
            self._last_error is not None
            and time.monotonic() - self._last_attempt < self.RETRY_SECONDS
        ):
            raise StoreUnavailable(f"the graph store cannot be read: {self._last_error}")
        try:
            return self.refresh()
        except StoreUnavailable:
            raise
        except StoreError as exc:
            raise StoreUnavailable(f"the graph store cannot be read: {exc}") from exc

    @property
    def has_snapshot(self) -> bool:
        return self._snapshot is not None

    @property
    def ready(self) -> bool:
        """A snapshot is in memory with its request-time indexes: a group or an
        influencer answer is then a matter of microseconds, with no store to read and
        nothing to build."""
        snap = self._snapshot
        return snap is not None and snap.prepared

    def health(self) -> dict[str, Any]:
        """Whether the store answers now, and what the service is serving.

        Raises :class:`~guanxi.errors.StoreUnavailable` when the store does not answer
        (while this service runs an analysis, the store counts as busy, not down)."""
        if self._analysis_lock.locked():
            state = "busy"
        else:
            self._access.ping()
            state = "reachable"
        snap = self.snapshot
        return {
            "status": "ok",
            "store": state,
            "store_kind": self.store_kind,
            "snapshot_taken_at": snap.taken_at,
            "analysis_run_id": (snap.run or {}).get("run_id"),
        }

    # -- customers -------------------------------------------------------------------
    def _person(self, snap: Snapshot, customer_id: str, role: Role) -> dict[str, Any]:
        """The short, masked form of a customer named in another answer."""
        cid = str(customer_id)
        customers = snap.customers
        i = _position(customers.index, cid)
        if i < 0:
            return _Masking(role).person(cid, None, None)
        return _Masking(role).person(
            cid, _clean(customers["name"].iat[i]), _clean(customers["kind"].iat[i])
        )

    def customer(self, customer_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """One customer's profile, accounts, households and, by role, credit (single-name
        exposure, group, circle) and referral / influence metrics."""
        role = Role(role)
        snap = self.snapshot
        cid = str(customer_id)
        row = snap.customer_row(cid)
        contract = SPECS[Entity.CUSTOMERS].column_names
        profile = mask_record({c: _clean(row[c]) for c in contract}, role)
        extras = [c for c in snap.customers.columns if c not in contract]
        if can(role, Capability.ADMIN) and extras:
            # columns a bank added: their meaning is unknown, so only admins see them
            profile["extra"] = {c: _clean(row[c]) for c in extras}
        answer: dict[str, Any] = {
            "customer": profile,
            "accounts": self._accounts_of(snap, cid, role),
            "households": [
                {"household_id": _clean(h), "role": _clean(r)}
                for h, r in zip(
                    snap.memberships.rows(cid)["household_id"],
                    snap.memberships.rows(cid)["role"],
                    strict=True,
                )
            ],
            "as_of": snap.as_of,
            "analysis_run_id": (snap.run or {}).get("run_id"),
        }
        if can(role, Capability.CREDIT):
            group_id = snap.metric(cid, "group_id")
            group = None
            if group_id is not None and group_id in snap.groups.index:
                g = snap.groups.loc[group_id]
                group = {
                    "group_id": group_id,
                    "size": _clean(g.get("size")),
                    "exposure": _clean(g.get("exposure")),
                    "pct_tier1": _clean(g.get("pct_tier1")),
                    "status": _clean(g.get("status")),
                }
            answer["credit"] = {
                "single_name_exposure": _clean(snap.single_names.get(cid, 0.0)),
                "group": group,
                "circle_id": snap.metric(cid, "circle_id"),
            }
        if can(role, Capability.MARKETING):
            reach = snap.reach.loc[cid] if cid in snap.reach.index else None
            community = snap.metric(cid, "community_id")
            answer["referrals"] = {
                "referred_by": _clean(snap.referred_by.get(cid)),
                "direct": int(reach["direct"]) if reach is not None else 0,
                "cascade": int(reach["cascade"]) if reach is not None else 0,
                "depth": int(reach["depth"]) if reach is not None else 0,
                "downstream_aum": float(reach["downstream_aum"]) if reach is not None else 0.0,
                "influence_rank": snap.metric(cid, "influence_rank"),
                "influence_score": snap.metric(cid, "influence_score"),
                "community_id": community,
                "community_size": _clean(snap.community_sizes.get(community))
                if community
                else None,
            }
        return answer

    def _accounts_of(self, snap: Snapshot, cid: str, role: Role) -> list[dict[str, Any]]:
        held = snap.holdings.rows(cid)
        out = []
        for account_id, hold_role in zip(held["account_id"], held["role"], strict=True):
            aid = str(account_id)
            if aid not in snap.accounts.index:
                continue
            a = snap.accounts.loc[aid]
            rec = {
                "account_id": aid,
                "product": _clean(a["product"]),
                "holder_role": _clean(hold_role),
                "status": _clean(a["status"]),
                "currency": _clean(a["currency"]),
                "opened_on": _clean(a["opened_on"]),
                "balance": _clean(a["balance"]),
                "credit_limit": _clean(a["credit_limit"]),
                "outstanding": _clean(a["outstanding"]),
                "ccf": _clean(a["ccf"]),
                "exposure": _clean(snap.account_exposure.get(aid))
                if a["product"] in CREDIT_PRODUCTS
                else None,
            }
            out.append(mask_record(rec, role))
        return out

    def suspected_links(self, customer_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """Contact details (phone, email, address, id number) the customer shares with
        others: leads for review, never a group link by default."""
        role = Role(role)
        require(role, Capability.CREDIT, "read suspected links")
        snap = self.snapshot
        cid = str(customer_id)
        snap.customer_row(cid)
        link_ids = snap.suspected_by_customer.rows(cid)["suspected_link_id"].tolist()
        data = []
        for link_id in link_ids:
            s = snap.suspected.loc[str(link_id)]
            field_name = str(s["field"])
            value = _clean(s["value"])
            if not can(role, Capability.PII):
                value = mask_value(field_name, value)
            ids = str(s["customer_ids"]).split(";")
            data.append(
                {
                    "suspected_link_id": str(link_id),
                    "field": field_name,
                    "value": value,
                    "size": int(s["size"]),
                    "customers": [self._person(snap, i, role) for i in ids[:MAX_PAGE_SIZE]],
                }
            )
        return {"customer_id": cid, "data": data, "count": len(data)}

    def household(self, household_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """A household: members with their roles, combined deposits and (by role) exposure."""
        role = Role(role)
        snap = self.snapshot
        hid = str(household_id)
        if hid not in snap.household_summary.index:
            raise NotFound(f"household {hid} not found")
        h = snap.household_summary.loc[hid]
        rows = snap.household_rows.rows(hid)
        members = []
        for cid, member_role in zip(rows["customer_id"], rows["role"], strict=True):
            rec = self._person(snap, str(cid), role)
            rec["role"] = _clean(member_role)
            members.append(rec)
        members.sort(key=lambda r: r["customer_id"])
        answer = {
            "household_id": hid,
            "size": int(h["size"]),
            "head": _clean(h["head"]),
            "deposits": _clean(h["deposits"]),
            "exposure": _clean(h["exposure"]),
            "members": members,
        }
        return mask_record(answer, role)

    # -- exposure groups -------------------------------------------------------------
    def _group_summary(self, snap: Snapshot, group_id: str) -> dict[str, Any]:
        index = snap.group_index
        i = _position(index.index, group_id)
        if i < 0:
            raise KeyError(group_id)
        return index.summary_of(i)

    def groups(
        self,
        *,
        status: str | None = None,
        min_exposure: float | None = None,
        sort: GroupSort | str = GroupSort.EXPOSURE,
        page: int = 1,
        page_size: int = 50,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """Exposure groups, filtered and paged (largest first by default)."""
        role = Role(role)
        require(role, Capability.CREDIT, "read exposure groups")
        page = _bounded(page, 1, 10**9, "page")
        page_size = _bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        snap = self.snapshot
        snap.require_analysis()
        g = snap.groups
        if len(g):
            if status is not None:
                g = g[g["status"].astype("str") == str(status)]
            if min_exposure is not None:
                g = g[pd.to_numeric(g["exposure"], errors="coerce") >= float(min_exposure)]
            sort = GroupSort(sort)
            if sort == GroupSort.GROUP_ID:
                g = g.sort_values("group_id", kind="stable")
            else:
                g = g.sort_values(
                    [sort.value, "group_id"],
                    ascending=[False, True],
                    kind="stable",
                    na_position="last",
                )
        count = len(g)
        start = (page - 1) * page_size
        ids = g["group_id"].iloc[start : start + page_size].astype("str").tolist() if count else []
        return {
            "data": [self._group_summary(snap, i) for i in ids],
            "count": count,
            "page": page,
            "page_size": page_size,
            "tier1_capital": _clean(snap.options.get("tier1_capital")),
            "preset": snap.options.get("preset"),
            "as_of": snap.as_of,
        }

    def group(
        self, group_id: str, *, limit: int = MAX_NODES, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """One exposure group: its total, every member's single-name exposure and every
        link with its reason and the source row it comes from."""
        role = Role(role)
        require(role, Capability.CREDIT, "read exposure groups")
        limit = _bounded(limit, 1, MAX_NODES, "limit")
        snap = self.snapshot
        snap.require_analysis()
        gid = str(group_id)
        index = snap.group_index
        i = _position(index.index, gid)
        if i < 0:
            raise NotFound(f"exposure group {gid} not found")
        return self._group_answer(snap, index, i, limit, role)

    def _group_answer(
        self, snap: Snapshot, index: _GroupIndex, i: int, limit: int, role: Role
    ) -> dict[str, Any]:
        """The answer of :meth:`group` for the group in row ``i`` of ``snap.groups``."""
        masking = _Masking(role)
        lo, hi = int(index.member_lo[i]), int(index.member_hi[i])
        top = min(hi, lo + limit)
        member_rows = []
        for cid, name, kind, single in zip(
            index.member_id[lo:top].tolist(),
            index.member_name[lo:top].tolist(),
            index.member_kind[lo:top].tolist(),
            index.member_single[lo:top].tolist(),
            strict=True,
        ):
            rec = masking.person(cid, name, kind)
            rec["single_name_exposure"] = single
            member_rows.append(rec)
        link_lo, link_hi = int(index.link_lo[i]), int(index.link_hi[i])
        link_stop = min(link_hi, link_lo + limit)
        columns = index.links.columns
        link_rows = []
        for row, source_columns, source_values in zip(
            index.links.rows[link_lo:link_stop],
            index.source_columns[link_lo:link_stop],
            index.source_values[link_lo:link_stop],
            strict=True,
        ):
            rec = dict(zip(columns, row, strict=True))
            rec["source_row"] = (
                dict(zip(source_columns, source_values, strict=True))
                if source_columns is not None
                else None
            )
            link_rows.append(rec)
        members_total, links_total = hi - lo, link_hi - link_lo
        return {
            "group": index.summary_of(i),
            "members": member_rows,
            "links": link_rows,
            "members_total": members_total,
            "links_total": links_total,
            "truncated": members_total > limit or links_total > limit,
            "tier1_capital": _clean(snap.options.get("tier1_capital")),
            "preset": snap.options.get("preset"),
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    def group_of(
        self, customer_id: str, *, limit: int = MAX_NODES, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """The exposure group a customer belongs to (see :meth:`group`)."""
        role = Role(role)
        require(role, Capability.CREDIT, "read exposure groups")
        snap = self.snapshot
        cid = str(customer_id)
        row = _position(snap.customers.index, cid)
        if row < 0:
            raise NotFound(f"customer {cid} not found")
        snap.require_analysis()
        index = snap.group_index
        i = int(index.customer_group[row])
        if i < 0:
            raise NotFound(f"customer {cid} is in no exposure group (a single name)")
        limit = _bounded(limit, 1, MAX_NODES, "limit")
        return self._group_answer(snap, index, i, limit, role)

    # -- guarantee circles -----------------------------------------------------------
    def _circle_summary(self, snap: Snapshot, circle_id: str) -> dict[str, Any]:
        c = snap.circles.loc[circle_id]
        cols = (
            "circle_id",
            "size",
            "guarantees",
            "guaranteed_amount",
            "exposure",
            "cycles_found",
            "cycles_truncated",
        )
        return {k: _clean(c.get(k)) for k in cols}

    def circles(
        self, *, page: int = 1, page_size: int = 50, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """Guarantee circles, largest first."""
        role = Role(role)
        require(role, Capability.CREDIT, "read guarantee circles")
        page = _bounded(page, 1, 10**9, "page")
        page_size = _bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        snap = self.snapshot
        snap.require_analysis()
        c = snap.circles
        if len(c):
            c = c.sort_values(["size", "circle_id"], ascending=[False, True], kind="stable")
        start = (page - 1) * page_size
        ids = (
            c["circle_id"].iloc[start : start + page_size].astype("str").tolist() if len(c) else []
        )
        return {
            "data": [self._circle_summary(snap, i) for i in ids],
            "count": len(c),
            "page": page,
            "page_size": page_size,
            "as_of": snap.as_of,
        }

    def _circle_parts(self, snap: Snapshot, cid: str):
        if not len(snap.circles) or cid not in snap.circles.index:
            raise NotFound(f"guarantee circle {cid} not found")
        from guanxi.algorithms.groups import valid_guarantees

        members = snap.circle_members.rows(cid)["customer_id"].astype("str").tolist()
        inside = set(members)
        g = valid_guarantees(snap.frames[Entity.GUARANTEES], as_of=snap.options.get("as_of"))
        g = g[g["guarantor_id"].isin(inside) & g["borrower_id"].isin(inside)]
        cycles = [str(p).split(">") for p in snap.circle_cycles.rows(cid)["path"]]
        return members, g.reset_index(drop=True), cycles

    def circle(self, circle_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """One guarantee circle: members, the guarantees inside it, its cycles."""
        role = Role(role)
        require(role, Capability.CREDIT, "read guarantee circles")
        snap = self.snapshot
        snap.require_analysis()
        cid = str(circle_id)
        members, g, cycles = self._circle_parts(snap, cid)
        member_rows = []
        for m in members[:MAX_NODES]:
            rec = self._person(snap, m, role)
            rec["single_name_exposure"] = _clean(snap.single_names.get(m, 0.0))
            member_rows.append(rec)
        cols = SPECS[Entity.GUARANTEES].column_names
        return {
            "circle": self._circle_summary(snap, cid),
            "members": member_rows,
            "guarantees": [_row(g, i, cols) for i in range(min(len(g), MAX_NODES))],
            "cycles": cycles,
            "as_of": snap.as_of,
        }

    # -- referrals and influence -----------------------------------------------------
    def cascade(
        self,
        customer_id: str,
        *,
        max_depth: int | None = None,
        max_nodes: int = 500,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """A customer's referral cascade as a tree (bounded), with the whole cascade's
        per-generation counts and downstream AUM."""
        from guanxi.algorithms.referrals import cascade_tree

        role = Role(role)
        require(role, Capability.MARKETING, "read referral cascades")
        max_nodes = _bounded(max_nodes, 1, MAX_NODES, "max_nodes")
        if max_depth is not None:
            max_depth = _bounded(max_depth, 1, MAX_CASCADE_DEPTH, "max_depth")
        snap = self.snapshot
        cid = str(customer_id)
        snap.customer_row(cid)
        tree = cascade_tree(
            snap.frames[Entity.REFERRALS],
            snap.frames[Entity.CUSTOMERS],
            cid,
            max_depth=max_depth if max_depth is not None else MAX_CASCADE_DEPTH,
            max_nodes=max_nodes,
        )
        reach = snap.reach.loc[cid] if cid in snap.reach.index else None
        full = (
            [int(x) for x in str(reach["generations"]).split(";") if x] if reach is not None else []
        )
        nodes = tree.nodes
        shown = (
            nodes[nodes["generation"] > 0]
            .groupby("generation")
            .agg(shown=("customer_id", "size"), aum=("aum", "sum"))
        )
        depth = int(reach["depth"]) if reach is not None else 0
        generations = []
        for gen in range(1, max(depth, int(nodes["generation"].max())) + 1):
            generations.append(
                {
                    "generation": gen,
                    "customers": full[gen - 1] if gen - 1 < len(full) else None,
                    "shown": int(shown["shown"].get(gen, 0)),
                    "aum_shown": float(shown["aum"].get(gen, 0.0)),
                }
            )
        tree_rows = []
        for i in range(len(nodes)):
            rec = self._person(snap, str(nodes["customer_id"].iat[i]), role)
            rec["parent"] = _clean(nodes["parent"].iat[i])
            rec["generation"] = int(nodes["generation"].iat[i])
            rec["aum"] = _clean(nodes["aum"].iat[i])
            tree_rows.append(rec)
        return {
            "customer_id": cid,
            "referred_by": _clean(snap.referred_by.get(cid)),
            "direct": int(reach["direct"]) if reach is not None else 0,
            "cascade": int(reach["cascade"]) if reach is not None else 0,
            "depth": depth,
            "downstream_aum": float(reach["downstream_aum"]) if reach is not None else 0.0,
            "generations": generations,
            "nodes": tree_rows,
            "truncated": bool(tree.truncated),
            "as_of": snap.as_of,
        }

    def influencers(
        self,
        *,
        limit: int = 50,
        segment: str | None = None,
        region: str | None = None,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """The referral influencers of the latest analysis, best first, optionally of one
        segment or region."""
        role = Role(role)
        require(role, Capability.MARKETING, "read influencers")
        limit = _bounded(limit, 1, MAX_PAGE_SIZE, "limit")
        snap = self.snapshot
        snap.require_analysis()
        index = snap.influencer_index
        rows = index.select(segment, region)
        if rows is None:
            count = index.size
            columns = [v[:limit].tolist() for v in index.columns]
        else:
            count = len(rows)
            columns = [v[rows[:limit]].tolist() for v in index.columns]
        masking = _Masking(role)
        data = []
        for cid, name, kind, rank, score, seg, reg, direct, cascade, depth, aum, community in zip(
            *columns, strict=True
        ):
            rec = masking.person(cid, name, kind)
            rec.update(
                {
                    "rank": rank,
                    "score": score,
                    "segment": seg,
                    "region": reg,
                    "direct": direct,
                    "cascade": cascade,
                    "depth": depth,
                    "downstream_aum": aum,
                    "community_id": community,
                }
            )
            data.append(rec)
        return {"data": data, "count": count, "limit": limit, "as_of": snap.as_of}

    def seeds(
        self,
        *,
        k: int = 10,
        budget: float | None = None,
        exclude: Iterable[str] | None = None,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """Campaign seeds by influence maximization (independent cascade, CELF), with the
        expected reach and its 95% interval."""
        from guanxi.algorithms.seeds import campaign_seeds
        from guanxi.errors import ConfigError

        role = Role(role)
        require(role, Capability.MARKETING, "pick campaign seeds")
        k = _bounded(k, 1, MAX_SEEDS, "k")
        excluded = [str(x) for x in (exclude or [])]
        if len(excluded) > MAX_EXCLUDE:
            raise ConfigError(f"exclude may name at most {MAX_EXCLUDE} customers")
        if budget is not None and not (math.isfinite(budget) and budget >= 0):
            raise ConfigError("budget must be a finite amount >= 0")
        snap = self.snapshot
        simulations = int(self.settings.api_seed_simulations)
        picked = campaign_seeds(
            snap.frames[Entity.CUSTOMERS],
            snap.frames[Entity.REFERRALS],
            k=k,
            simulations=simulations,
            seed=0,
            exclude=excluded or None,
            budget=budget,
            as_of=snap.as_of,
        )
        data = []
        for i in range(len(picked)):
            rec = self._person(snap, str(picked["customer_id"].iat[i]), role)
            rec.update(
                _row(
                    picked,
                    i,
                    (
                        "rank",
                        "marginal_gain",
                        "expected_reach",
                        "ci_low",
                        "ci_high",
                        "p_refer",
                        "direct",
                        "cascade",
                        "cost",
                    ),
                )
            )
            data.append(rec)
        return {
            "data": data,
            "k": k,
            "budget": budget,
            "simulations": simulations,
            "expected_reach": data[-1]["expected_reach"] if data else 0.0,
            "as_of": snap.as_of,
        }

    # -- analyses --------------------------------------------------------------------
    def latest_analysis(self) -> dict[str, Any]:
        """When the results were computed, with which options, from which data (the
        snapshot's counts), and the state of an analysis started here."""
        snap = self.snapshot
        run = snap.run
        answer: dict[str, Any] = {
            "analyzed": run is not None,
            "run": None,
            "snapshot": {
                "taken_at": snap.taken_at,
                "source": snap.source,
                "read_seconds": round(snap.read_seconds, 3),
                "counts": {e.value: len(snap.frames[e]) for e in LOAD_ORDER},
                "notes": list(snap.notes),
            },
            "job": self._job.as_dict(),
        }
        if run is not None:
            summary = run.get("summary") or {}
            answer["run"] = {
                "run_id": run.get("run_id"),
                "computed_at": summary.get("computed_at", run.get("run_id")),
                "as_of": run.get("as_of"),
                "preset": run.get("preset"),
                "tier1_capital": run.get("tier1_capital"),
                "groups": run.get("groups"),
                "circles": run.get("circles"),
                "referrers": run.get("referrers"),
                "large_groups": summary.get("large_groups"),
                "breach_groups": summary.get("breach_groups"),
                "communities": summary.get("communities"),
                "households": summary.get("households"),
                "suspected_links": summary.get("suspected_links"),
                "pagerank_converged": summary.get("pagerank_converged"),
                "timings_seconds": summary.get("timings_seconds") or {},
                "warnings": summary.get("warnings") or [],
            }
        return answer

    def analyze(self, options=None, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """Run every analysis on the store, write the results back, then refresh.

        One at a time: a second call while one runs raises
        :class:`~guanxi.errors.Conflict`. Progress is visible in
        :meth:`latest_analysis` meanwhile."""
        from guanxi.analysis import AnalysisOptions, run_analysis

        require(role, Capability.ADMIN, "run analyses")
        options = options or AnalysisOptions(tier1_capital=self.settings.tier1_capital)
        if self._snapshot is None:
            # serve reads from a snapshot while the analysis holds the store
            self.try_refresh()
        if not self._analysis_lock.acquire(blocking=False):
            raise Conflict(f"an analysis is already running (started {self._job.started_at})")
        try:
            self._job = _Job(state="running", started_at=_now())

            def progress(step: str, done: int, total: int) -> None:
                self._job.step, self._job.done, self._job.total = step, done, total

            try:
                with self._access.writing() as store:
                    run = run_analysis(store, None, options, progress=progress, write_back=True)
            except (StoreError, Conflict, Forbidden, NotFound) as exc:
                self._job.state, self._job.error, self._job.finished_at = "failed", str(exc), _now()
                raise
            except GuanxiError as exc:
                self._job.state, self._job.error, self._job.finished_at = "failed", str(exc), _now()
                # e.g. "the store holds no customers": a state problem, not a server fault
                raise Conflict(str(exc)) from exc
            self._job.run_id = run.run_id
            self._job.warnings = list(run.warnings)
            self.refresh()
            self._job.state, self._job.finished_at = "succeeded", _now()
            return self.latest_analysis()
        finally:
            self._analysis_lock.release()

    def default_options(self, **given: Any):
        """Analysis options for a re-run: what is given, else the latest run's preset,
        Tier 1 capital and seed settings, else the settings; ``as_of`` defaults to today."""
        from guanxi.analysis import AnalysisOptions

        snap = self._snapshot
        previous = snap.options if snap is not None else {}
        summary_options = ((snap.run or {}).get("summary") or {}).get("options", {}) if snap else {}
        opts: dict[str, Any] = {}
        if given.get("as_of") is not None:
            opts["as_of"] = str(given["as_of"])
        opts["tier1_capital"] = (
            given.get("tier1_capital")
            if given.get("tier1_capital") is not None
            else previous.get("tier1_capital") or self.settings.tier1_capital
        )
        opts["preset"] = given.get("preset") or previous.get("preset") or "basel"
        for key in ("seeds_k", "seed"):
            if given.get(key) is not None:
                opts[key] = int(given[key])
            elif summary_options.get(key) is not None:
                opts[key] = int(summary_options[key])
        for key in ("ccf_default", "include_suspected_links", "max_cycles"):
            if summary_options.get(key) is not None:
                opts[key] = summary_options[key]
        return AnalysisOptions(**opts)

    # -- views -----------------------------------------------------------------------
    def _customer_node(self, snap: Snapshot, cid: str, role: Role, **extra: Any) -> dict[str, Any]:
        row = snap.customers.loc[cid]
        rec: dict[str, Any] = {
            "customer_id": cid,
            "name": _clean(row["name"]),
            "kind": _clean(row["kind"]),
            "segment": _clean(row["segment"]),
            "region": _clean(row["region"]),
            "risk_rating": _clean(row["risk_rating"]),
            "aum": _clean(row["aum"]),
            "single_name_exposure": _clean(snap.single_names.get(cid)),
            "group_id": snap.metric(cid, "group_id"),
            "circle_id": snap.metric(cid, "circle_id"),
            "influence_rank": snap.metric(cid, "influence_rank"),
            "community_id": snap.metric(cid, "community_id"),
        }
        rec = mask_record(rec, role)
        kind = rec.get("kind") if rec.get("kind") in ("person", "company") else "person"
        return {
            "id": "c:" + cid,
            "kind": kind,
            "label": rec.get("name") or cid,
            "title": _title(rec),
            "value": rec.get("aum"),
            **extra,
        }

    def _account_node(self, snap: Snapshot, aid: str, role: Role, **extra: Any) -> dict[str, Any]:
        a = snap.accounts.loc[aid]
        credit = a["product"] in CREDIT_PRODUCTS
        rec = {
            "account_id": aid,
            "product": _clean(a["product"]),
            "status": _clean(a["status"]),
            "currency": _clean(a["currency"]),
            "opened_on": _clean(a["opened_on"]),
            "balance": _clean(a["balance"]),
            "credit_limit": _clean(a["credit_limit"]),
            "outstanding": _clean(a["outstanding"]),
            "exposure": _clean(snap.account_exposure.get(aid)) if credit else None,
        }
        rec = mask_record(rec, role)
        value = rec.get("exposure") if credit else rec.get("balance")
        return {
            "id": "a:" + aid,
            "kind": "account",
            "label": f"{rec.get('product') or 'account'} {aid}",
            "title": _title(rec),
            "value": value,
            **extra,
        }

    def _household_node(self, snap: Snapshot, hid: str, role: Role, **extra: Any) -> dict[str, Any]:
        rec: dict[str, Any] = {"household_id": hid}
        if hid in snap.household_summary.index:
            h = snap.household_summary.loc[hid]
            rec.update(
                size=_clean(h["size"]),
                head=_clean(h["head"]),
                deposits=_clean(h["deposits"]),
                exposure=_clean(h["exposure"]),
            )
        rec = mask_record(rec, role)
        return {
            "id": "h:" + hid,
            "kind": "household",
            "label": hid,
            "title": _title(rec),
            "value": rec.get("size"),
            **extra,
        }

    def _node(self, snap: Snapshot, node_id: str, role: Role, **extra: Any) -> dict[str, Any]:
        prefix, key = node_id[:2], node_id[2:]
        if prefix == "c:":
            return self._customer_node(snap, key, role, **extra)
        if prefix == "a:":
            return self._account_node(snap, key, role, **extra)
        return self._household_node(snap, key, role, **extra)

    def _edge(self, snap: Snapshot, eid: int, role: Role) -> dict[str, Any]:
        graph = snap.graph
        e = graph.edges
        rel = str(e["type"].iat[eid])
        entity = Entity(str(e["entity"].iat[eid]))
        frame = snap.frames[entity]
        i = int(e["row"].iat[eid])
        source, target = str(graph.ids[e["src"].iat[eid]]), str(graph.ids[e["dst"].iat[eid]])
        label = ""
        if entity == Entity.ACCOUNTS:
            rec: dict[str, Any] = {
                "holder": source[2:],
                "account_id": target[2:],
                "role": "primary",
            }
            label = "primary"
        else:
            rec = _row(frame, i, SPECS[entity].column_names)
            if rel == RelType.GUARANTEES.value:
                label = _fmt(rec["amount"]) if _present(rec.get("amount")) else ""
            elif rel == RelType.OWNS.value:
                share = rec.get("share")
                label = f"{share:.0%}" if _present(share) else str(rec.get("role") or "")
            elif rel in (RelType.HOLDS.value, RelType.MEMBER_OF.value):
                label = str(rec.get("role") or "")
        rec = mask_record(rec, role)
        if rel == RelType.GUARANTEES.value and not can(role, Capability.CREDIT):
            label = ""
        return {
            "source": source,
            "target": target,
            "type": rel,
            "label": label,
            "title": _title({"type": rel, **rec}),
            "directed": _EDGE_DIRECTED[rel],
        }

    def network(
        self,
        customer_id: str,
        *,
        hops: int = 1,
        types: Iterable[str] | None = None,
        limit: int = DEFAULT_NODES,
        role: Role = Role.ADMIN,
    ) -> NetworkView:
        """A customer's neighbourhood: customers, accounts and households up to ``hops``
        steps away along the relationship ``types``, at most ``limit`` nodes."""
        from guanxi.errors import ConfigError

        role = Role(role)
        hops = _bounded(hops, 1, MAX_HOPS, "hops")
        limit = _bounded(limit, 1, MAX_NODES, "limit")
        wanted = list(EDGE_TYPES) if types is None else [str(getattr(t, "value", t)) for t in types]
        unknown = sorted(set(wanted) - set(EDGE_TYPES))
        if unknown:
            raise ConfigError(
                f"unknown relationship type(s) {', '.join(unknown)}; use {', '.join(EDGE_TYPES)}"
            )
        snap = self.snapshot
        cid = str(customer_id)
        snap.customer_row(cid)
        graph = snap.graph
        start = int(graph.ids.get_loc("c:" + cid))
        edge_ok = graph.type_mask(wanted)
        nodes, levels, truncated, omitted = graph.neighbourhood(
            start, hops=hops, edge_ok=edge_ok, limit=limit
        )
        eids = graph.induced_edges(nodes, edge_ok)
        node_rows = [
            self._node(snap, str(graph.ids[n]), role, level=int(lv), highlight=bool(n == start))
            for n, lv in zip(nodes, levels, strict=True)
        ]
        edge_rows = [self._edge(snap, int(e), role) for e in eids]
        notes = []
        if truncated:
            notes.append(
                f"limited to {limit} nodes: at least {omitted} more within {hops} hop(s) "
                "were left out (ask for fewer hops or relationship types, or a larger limit)"
            )
        if set(wanted) != set(EDGE_TYPES):
            notes.append("relationship types shown: " + ", ".join(wanted))
        if not can(role, Capability.CREDIT):
            notes.append(f"credit amounts are not shown to the {role.value} role")
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Customer {cid}: {hops}-hop network",
            subtitle=f"{len(node_rows)} nodes, {len(edge_rows)} relationships",
            as_of=snap.as_of,
            source=snap.source,
            truncated=truncated,
            omitted_nodes=omitted,
            notes=notes,
        )
        return mask_view(view, role)

    def group_view(
        self, group_id: str, *, limit: int = MAX_NODES, role: Role = Role.ADMIN
    ) -> NetworkView:
        """An exposure group: its members, linked by reason (control, guarantee,
        joint_credit); the largest member highlighted."""
        role = Role(role)
        detail = self.group(group_id, limit=limit, role=role)
        snap = self.snapshot
        g = detail["group"]
        shown = {m["customer_id"] for m in detail["members"]}
        node_rows = []
        for m in detail["members"]:
            node = self._customer_node(
                snap, m["customer_id"], role, highlight=m["customer_id"] == g.get("largest_member")
            )
            node["value"] = m.get("single_name_exposure")
            node_rows.append(node)
        edge_rows = []
        for link in detail["links"]:
            if link["a"] not in shown or link["b"] not in shown:
                continue
            src = link.get("source_row") or {}
            label = ""
            if link["reason"] == "guarantee" and _present(src.get("amount")):
                label = _fmt(src["amount"])
            elif link["reason"] == "control":
                share = src.get("share")
                label = f"{share:.0%}" if _present(share) else str(src.get("role") or "control")
            elif link["reason"] == "joint_credit":
                label = str(link.get("source_key") or "")
            rec = {
                "reason": link["reason"],
                "source": f"{link['source_entity']} {link['source_key']}",
                **src,
            }
            edge_rows.append(
                {
                    "source": "c:" + link["a"],
                    "target": "c:" + link["b"],
                    "type": link["reason"],
                    "label": label,
                    "title": _title(mask_record(rec, role)),
                    "directed": link["reason"] != "joint_credit",
                }
            )
        notes = list(detail["notes"])
        if detail["truncated"]:
            notes.append(
                f"showing {len(detail['members'])} of {detail['members_total']} members and "
                f"{len(edge_rows)} of {detail['links_total']} links (limit {limit})"
            )
        status = g.get("status") or "not assessed"
        pct = f", {g['pct_tier1']:.1f}% of Tier 1" if _present(g.get("pct_tier1")) else ""
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Exposure group {g['group_id']}",
            subtitle=f"{g['size']} members, exposure {_fmt(g.get('exposure') or 0.0)}{pct}, status {status}",
            as_of=snap.as_of,
            source=snap.source,
            truncated=bool(detail["truncated"]),
            omitted_nodes=max(0, int(detail["members_total"]) - len(node_rows)),
            notes=notes,
        )
        return mask_view(view, role)

    def circle_view(self, circle_id: str, *, role: Role = Role.ADMIN) -> NetworkView:
        """A guarantee circle: members and the guarantees between them; the guarantees on
        a listed cycle (and their customers) highlighted."""
        role = Role(role)
        require(role, Capability.CREDIT, "read guarantee circles")
        snap = self.snapshot
        snap.require_analysis()
        cid = str(circle_id)
        members, g, cycles = self._circle_parts(snap, cid)
        on_cycle_edges = {(c[i], c[i + 1]) for c in cycles for i in range(len(c) - 1)}
        on_cycle_nodes = {x for c in cycles for x in c}
        members = members[:MAX_NODES]
        node_rows = [
            self._customer_node(snap, m, role, highlight=m in on_cycle_nodes) for m in members
        ]
        for node in node_rows:
            node["value"] = _clean(snap.single_names.get(node["id"][2:], 0.0))
        edge_rows = []
        cols = SPECS[Entity.GUARANTEES].column_names
        for i in range(len(g)):
            rec = _row(g, i, cols)
            pair = (rec["guarantor_id"], rec["borrower_id"])
            edge_rows.append(
                {
                    "source": "c:" + pair[0],
                    "target": "c:" + pair[1],
                    "type": RelType.GUARANTEES.value,
                    "label": _fmt(rec["amount"]) if _present(rec.get("amount")) else "",
                    "title": _title(mask_record({"type": RelType.GUARANTEES.value, **rec}, role)),
                    "directed": True,
                    "highlight": pair in on_cycle_edges,
                }
            )
        summary = self._circle_summary(snap, cid)
        notes = []
        if summary.get("cycles_truncated"):
            notes.append(
                f"only the first {summary.get('cycles_found')} cycles are listed and highlighted"
            )
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Guarantee circle {cid}",
            subtitle=(
                f"{summary.get('size')} members, {summary.get('guarantees')} guarantees, "
                f"{len(cycles)} cycle(s) highlighted"
            ),
            as_of=snap.as_of,
            source=snap.source,
            notes=notes,
        )
        return mask_view(view, role)

    def cascade_view(
        self,
        customer_id: str,
        *,
        max_depth: int | None = None,
        max_nodes: int = 500,
        role: Role = Role.ADMIN,
    ) -> NetworkView:
        """A referral cascade as a tree: levels are generations, the root highlighted."""
        role = Role(role)
        tree = self.cascade(customer_id, max_depth=max_depth, max_nodes=max_nodes, role=role)
        snap = self.snapshot
        root = tree["customer_id"]
        node_rows = [
            self._customer_node(
                snap,
                n["customer_id"],
                role,
                level=n["generation"],
                highlight=n["customer_id"] == root,
            )
            for n in tree["nodes"]
        ]
        edge_rows = [
            {
                "source": "c:" + n["parent"],
                "target": "c:" + n["customer_id"],
                "type": RelType.REFERRED.value,
                "title": _title(
                    {
                        "type": RelType.REFERRED.value,
                        "referrer_id": n["parent"],
                        "referee_id": n["customer_id"],
                        "generation": n["generation"],
                    }
                ),
                "directed": True,
            }
            for n in tree["nodes"]
            if n["parent"] is not None
        ]
        notes = []
        omitted = max(0, int(tree["cascade"]) + 1 - len(node_rows))
        if tree["truncated"]:
            notes.append(
                f"showing {len(node_rows)} of {tree['cascade'] + 1} customers (limits: {max_nodes} nodes)"
            )
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Referral cascade of {root}",
            subtitle=(
                f"{tree['direct']} direct referrals, {tree['cascade']} in all, "
                f"{tree['depth']} generation(s), downstream AUM {_fmt(tree['downstream_aum'])}"
            ),
            as_of=snap.as_of,
            source=snap.source,
            truncated=bool(tree["truncated"]),
            omitted_nodes=omitted if tree["truncated"] else 0,
            notes=notes,
        )
        return mask_view(view, role)

    def customer_view(self, customer_id: str, **kwargs: Any) -> NetworkView:
        """Alias of :meth:`network` (the view of a customer is its neighbourhood)."""
        return self.network(customer_id, **kwargs)

    def overview_view(self, *, limit: int = 100, role: Role = Role.ADMIN) -> NetworkView:
        """The top referral influencers and the referrals between them, with notes on the
        largest communities and on what was left out."""
        role = Role(role)
        require(role, Capability.MARKETING, "read influencers")
        limit = _bounded(limit, 1, MAX_NODES, "limit")
        top = self.influencers(limit=min(limit, MAX_PAGE_SIZE), role=role)
        snap = self.snapshot
        ids = [r["customer_id"] for r in top["data"]]
        node_rows = []
        for r in top["data"]:
            node = self._customer_node(
                snap, r["customer_id"], role, level=None, highlight=r["rank"] <= 10
            )
            node["value"] = r.get("score")
            node_rows.append(node)
        graph = snap.graph
        idx = graph.ids.get_indexer(["c:" + i for i in ids])
        eids = graph.induced_edges(idx[idx >= 0], graph.type_mask([RelType.REFERRED.value]))
        edge_rows = [self._edge(snap, int(e), role) for e in eids]
        notes = []
        if top["count"] > len(ids):
            notes.append(f"showing the top {len(ids)} of {top['count']} influencers")
        sizes = snap.community_sizes.head(5)
        if len(sizes):
            notes.append(
                f"{len(snap.community_sizes)} communities; the largest: "
                + ", ".join(f"{c} ({int(n)} customers)" for c, n in sizes.items())
            )
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title="Referral influencers",
            subtitle=f"top {len(ids)} by influence score, and the referrals between them",
            as_of=snap.as_of,
            source=snap.source,
            truncated=top["count"] > len(ids),
            omitted_nodes=max(0, top["count"] - len(ids)),
            notes=notes,
        )
        return mask_view(view, role)
