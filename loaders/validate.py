"""Check every row of every file against the data contract before anything is written.

The rules are the contract's "What makes a row invalid", applied to all rows at once
(vectorized, so a 1M-customer extract validates in seconds) and reported in full: file,
line, column, value and reason for every problem of every bad row, not the first.

The files arrive as Arrow-backed ``str`` columns (:mod:`guanxi.loaders.read`); the
checks run on them with pyarrow compute functions and never make a Python object per
value, except where the result must be bit-for-bit what pandas gives (amounts are
parsed by :func:`pandas.to_numeric`, as the canonical frames always were).

References may point to rows of this load or to entities already in the store; the
store is only read here (ids that exist, the stored referral forest).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from guanxi import defaults
from guanxi.graph.schema import (
    DECIMAL_KINDS,
    KEY_SEPARATOR,
    LOAD_ORDER,
    SPECS,
    ColumnKind,
    Entity,
    NodeMapping,
    canonical_frame,
)
from guanxi.graph.store import GraphStore
from guanxi.loaders.read import SourceFile
from guanxi.money import parse_decimals

_DECIMAL_AS = {ColumnKind.MONEY: "amount", ColumnKind.FRACTION: "fraction", ColumnKind.RATE: "rate"}

__all__ = ["ValidationResult", "validate", "PROBLEM_COLUMNS"]

PROBLEM_COLUMNS = ["file", "line", "column", "value", "reason"]
_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class ValidationResult:
    """Valid rows as canonical frames, and every problem found."""

    sources: dict[Entity, SourceFile]
    #: canonical frames of the valid rows, per entity
    frames: dict[Entity, pd.DataFrame] = field(default_factory=dict)
    #: one row per problem: file, line, column, value, reason
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    #: 0-based record positions of the rejected rows, per entity
    rejected: dict[Entity, np.ndarray] = field(default_factory=dict)

    @property
    def file_level(self) -> bool:
        """True when a whole file is unusable (then nothing may load, even with
        ``--skip-invalid``)."""
        return any(src.problems for src in self.sources.values())

    #: problems of stored rows (a full load would leave them pointing at nothing):
    #: like an unusable file, --skip-invalid cannot set them aside
    store_level: bool = False

    @property
    def blocking(self) -> bool:
        """True when nothing may load, even with ``--skip-invalid``."""
        return self.file_level or self.store_level

    @property
    def ok(self) -> bool:
        return self.problems.empty

    @property
    def rows_read(self) -> dict[Entity, int]:
        return {e: len(s.frame) for e, s in self.sources.items()}

    @property
    def rows_rejected(self) -> dict[Entity, int]:
        return {e: len(r) for e, r in self.rejected.items()}


class _Rows:
    """The problems found in one file, collected as arrays."""

    def __init__(self, src: SourceFile):
        self.src = src
        self.df = src.frame
        #: the columns the file carries (the others keep their stored values)
        self.carried = set(src.frame.columns)
        self.n = len(self.df)
        self.bad = np.zeros(self.n, dtype=bool)
        self._found: list[tuple[np.ndarray, str, np.ndarray, np.ndarray]] = []
        #: exact decimals parsed by :func:`_check_values`, per column (all rows)
        self.numbers: dict[str, pa.Array] = {}

    def flag(self, mask, column: str, reason) -> None:
        mask = np.asarray(mask, dtype=bool)
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        values = (
            self.df[column].iloc[rows].to_numpy(dtype=object)
            if column in self.df.columns
            else np.full(len(rows), "", dtype=object)
        )
        if isinstance(reason, str):
            reasons = np.full(len(rows), reason, dtype=object)
        else:
            reasons = np.asarray(reason, dtype=object)[rows]
        self._found.append((rows, column, values, reasons))
        self.bad[rows] = True

    def problems(self) -> pd.DataFrame:
        if not self._found:
            return pd.DataFrame(columns=PROBLEM_COLUMNS)
        parts = []
        for rows, column, values, reasons in self._found:
            parts.append(
                pd.DataFrame(
                    {
                        "file": self.src.name,
                        "line": self.src.lines(rows),
                        "column": column,
                        "value": values,
                        "reason": reasons,
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)


def validate(
    sources: Mapping[Entity, SourceFile],
    *,
    store: GraphStore | None = None,
    replaced: frozenset[Entity] | set[Entity] = frozenset(),
    reporting_currency: str = defaults.REPORTING_CURRENCY,
) -> ValidationResult:
    """Validate every file of one load against the contract.

    Parameters
    ----------
    sources : mapping of Entity to SourceFile
        The files of the folder, as read by :func:`guanxi.loaders.read.read_file`.
    store : GraphStore, optional
        Where earlier loads live: references may point to ids stored there, and the
        referral rules (one referrer, no cycle) look at the stored referrals too.
    replaced : set of Entity
        Entities this load replaces whole (a ``full`` load of their files): their
        stored rows do not count for references, and a stored row of an entity this
        load does not carry may not refer to one of them that the load removes.
    reporting_currency : str
        Amounts in this currency need no rate; an account in any other currency needs
        one in ``fx_rates`` (of this load, or stored).

    Returns
    -------
    ValidationResult
    """
    result = ValidationResult(sources=dict(sources))
    replaced = frozenset(replaced)
    problem_frames = [
        pd.DataFrame([p.__dict__ for p in src.problems], columns=PROBLEM_COLUMNS)
        for src in sources.values()
        if src.problems
    ]
    #: ids of valid rows per node entity, and ids that appear only on invalid rows
    valid_ids: dict[Entity, pa.Array] = {}
    invalid_ids: dict[Entity, pa.Array] = {}
    for entity in LOAD_ORDER:
        src = sources.get(entity)
        if src is None or src.problems:
            continue
        rows = _Rows(src)
        _normalize(rows)
        _check_short_rows(rows)
        _check_values(rows)
        _check_duplicates(rows)
        _check_references(rows, valid_ids, invalid_ids, store, replaced)
        if entity == Entity.ACCOUNTS:
            _check_currencies(rows, sources, valid_ids, store, replaced, reporting_currency)
        elif entity == Entity.REFERRALS:
            _check_referrals(rows, store)
        elif entity == Entity.DEPENDENCIES:
            _check_self(
                rows, "from_id", "to_id", "self-dependency: a customer cannot depend on itself"
            )
        elif entity == Entity.GUARANTEES:
            _check_guarantees(rows)
        spec = SPECS[entity]
        if isinstance(spec.graph, NodeMapping):
            # a repeated id is bad on every row, so the valid ids are distinct already
            ids = _arrow(rows.df[spec.graph.key])
            valid_ids[entity] = ids.filter(pa.array(~rows.bad)).combine_chunks()
            bad_ids = pc.unique(ids.filter(pa.array(rows.bad)))
            if len(bad_ids):
                bad_ids = bad_ids.filter(pc.invert(pc.is_in(bad_ids, value_set=valid_ids[entity])))
            invalid_ids[entity] = bad_ids
        result.frames[entity] = _canonical(rows)
        result.rejected[entity] = np.flatnonzero(rows.bad)
        problem_frames.append(rows.problems())
    if store is not None and replaced:
        dangling = _stored_references(sources, valid_ids, store, replaced)
        result.store_level = not dangling.empty
        problem_frames.append(dangling)
    problem_frames = [p for p in problem_frames if not p.empty]
    if problem_frames:
        problems = pd.concat(problem_frames, ignore_index=True)
        order = {e.value: i for i, e in enumerate(LOAD_ORDER)}
        problems["_file_order"] = problems["file"].map(
            lambda f: order.get(f.split(".")[0].removeprefix("stored "), 99)
        )
        problems = problems.sort_values(["_file_order", "line", "column"], kind="stable")
        result.problems = problems.drop(columns="_file_order").reset_index(drop=True)
    return result


def _canonical(rows: _Rows) -> pd.DataFrame:
    """The canonical frame of the valid rows: ``""`` becomes missing, amounts are
    the exact decimals :func:`_check_values` parsed (no Python object per text value)."""
    entity = rows.src.entity
    spec = SPECS[entity]
    all_good = not rows.bad.any()
    good = rows.df if all_good else rows.df[~rows.bad]
    keep = None if all_good else pa.array(~rows.bad)
    columns: dict[str, pd.Series] = {}
    for name in good.columns:
        values = good[name]
        if name in rows.numbers:
            parsed = rows.numbers[name] if keep is None else rows.numbers[name].filter(keep)
            kind = spec.column(name).kind
            columns[name] = pd.Series(
                parsed, index=good.index, dtype=pd.ArrowDtype(DECIMAL_KINDS[kind])
            )
        else:
            columns[name] = values.where(values != "")
    carried = [c for c in good.columns if c in rows.carried]
    frame = pd.DataFrame({c: columns[c] for c in carried}, index=good.index)
    return canonical_frame(entity, frame, complete=False)


_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _arrow(values: pd.Series) -> pa.ChunkedArray:
    """The Arrow data behind a ``str`` column (no copy)."""
    arr = values.array.__arrow_array__(pa.large_string())
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _str_series(arr: pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """A ``str`` column over Arrow data (no copy)."""
    return pd.Series(pd.arrays.ArrowStringArray(arr, dtype=_STR), index=index)


def _isin(values: pd.Series, choices) -> np.ndarray:
    """``values.isin(choices)`` as a hash lookup in Arrow (``choices``: an Arrow array or
    a list of str)."""
    if isinstance(choices, pa.ChunkedArray):
        choices = choices.combine_chunks()
    elif not isinstance(choices, pa.Array):
        choices = pa.array(list(choices), type=pa.large_string())
    arr = _arrow(values)
    if 2 * len(arr) < len(choices):
        # hashing the many choices costs more than looking them up: keep only those
        # among this column's values, then hash those few
        choices = choices.filter(pc.is_in(choices, value_set=pc.unique(arr)))
    return pc.is_in(arr, value_set=choices).to_numpy().astype(bool, copy=False)


# -- column rules ------------------------------------------------------------------
def _normalize(rows: _Rows) -> None:
    spec = SPECS[rows.src.entity]
    df = rows.df.copy(deep=False)
    for col in spec.columns:
        if col.name in df.columns and col.kind == ColumnKind.CURRENCY:
            # "usd " is understood as USD; anything else is checked by _check_values
            upper = pc.utf8_upper(pc.utf8_trim_whitespace(_arrow(df[col.name])))
            df[col.name] = _str_series(upper, df.index)
        elif col.name in df.columns and col.kind in (ColumnKind.ID, ColumnKind.ENUM):
            # Arrow's utf8_trim_whitespace strips exactly the characters str.strip does
            # (Unicode White_Space plus the separators \x1c-\x1f; checked on every code
            # point in the tests)
            df[col.name] = _str_series(pc.utf8_trim_whitespace(_arrow(df[col.name])), df.index)
    for col in spec.column_names:
        if col not in df.columns:
            df[col] = pd.Series("", index=df.index, dtype="str")
    rows.df = df


def _check_values(rows: _Rows) -> None:
    spec = SPECS[rows.src.entity]
    df = rows.df
    for col in spec.columns:
        values = df[col.name]
        present = (values != "").to_numpy()
        if col.required:
            rows.flag(~present, col.name, "missing required value")
        if col.kind == ColumnKind.ID:
            control = present & pc.match_substring_regex(
                _arrow(values), r"[\x00-\x1f\x7f]"
            ).to_numpy(zero_copy_only=False).astype(bool)
            rows.flag(
                control,
                col.name,
                "an id may not contain control characters (tab, newline, \\x1f...)",
            )
        if col.kind == ColumnKind.ENUM:
            unknown = present & ~_isin(values, col.choices)
            rows.flag(
                unknown,
                col.name,
                f"unknown {col.name} (expected one of: {', '.join(col.choices)})",
            )
        elif col.kind in DECIMAL_KINDS:
            parsed = parse_decimals(_arrow(values), _DECIMAL_AS[col.kind])
            rows.numbers[col.name] = parsed.values
            refused = np.asarray([r is not None for r in parsed.reasons], dtype=bool)
            if refused.any():
                rows.flag(refused, col.name, parsed.reasons)
        elif col.kind == ColumnKind.CURRENCY:
            bad = present & ~pc.match_substring_regex(_arrow(values), r"^[A-Z]{3}$").to_numpy(
                zero_copy_only=False
            ).astype(bool)
            rows.flag(
                bad,
                col.name,
                "not a currency code: ISO 4217, three capital letters (CNY, USD, HKD)",
            )
        elif col.kind == ColumnKind.DATE:
            rows.flag(present & ~_is_iso_date(values), col.name, "not a date (YYYY-MM-DD)")


def _is_iso_date(values: pd.Series) -> np.ndarray:
    # few distinct dates even in a large file: check each distinct value once
    distinct = pc.unique(_arrow(values)).to_pylist()
    return _isin(values, [u for u in distinct if _iso_date_ok(u)])


def _iso_date_ok(value: object) -> bool:
    if not isinstance(value, str) or not _DATE_PATTERN.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _key_text(rows: _Rows) -> pd.Series:
    """Each row's key as one string: the id, or the relationship's natural key as
    :func:`~guanxi.graph.schema.relationship_keys` spells it (a missing part is "")."""
    spec = SPECS[rows.src.entity]
    if isinstance(spec.graph, NodeMapping):
        return rows.df[spec.graph.key]
    parts = [_arrow(rows.df[c]) for c in spec.key]
    sep = pa.scalar(KEY_SEPARATOR, type=pa.large_string())
    return _str_series(pc.binary_join_element_wise(*parts, sep), rows.df.index)


def _check_duplicates(rows: _Rows) -> None:
    spec = SPECS[rows.src.entity]
    key = _key_text(rows)
    if pc.count_distinct(_arrow(key)).as_py() == rows.n:
        return  # every key differs: no duplicate
    present = np.ones(rows.n, dtype=bool)
    for col in spec.required:
        present &= (rows.df[col] != "").to_numpy()
    dup = key.duplicated(keep=False).to_numpy() & present
    if not dup.any():
        return
    positions = np.flatnonzero(dup)
    lines = rows.src.lines(positions)
    groups = pd.Series(lines, index=key.iloc[positions].to_numpy()).groupby(level=0)
    line_lists = groups.agg(lambda s: ", ".join(str(x) for x in sorted(s)[:10]))
    label = " + ".join(spec.key) if len(spec.key) > 1 else spec.key[0]
    reasons = np.empty(rows.n, dtype=object)
    reasons[positions] = [
        f"duplicate {label}: the same key is on lines {line_lists[k]}"
        for k in key.iloc[positions].to_numpy()
    ]
    rows.flag(dup, spec.key[0], reasons)


def _check_references(
    rows: _Rows,
    valid_ids: Mapping[Entity, pa.Array],
    invalid_ids: Mapping[Entity, pa.Array],
    store: GraphStore | None,
    replaced: frozenset[Entity],
) -> None:
    spec = SPECS[rows.src.entity]
    for col in spec.columns:
        if col.references is None:
            continue
        target = col.references
        values = rows.df[col.name]
        present = (values != "").to_numpy()
        known = valid_ids.get(target, [])
        missing = present & ~_isin(values, known)
        if not missing.any():
            continue
        candidates = pd.unique(values[missing].to_numpy(dtype=object))
        # the stored rows of an entity this load replaces whole do not count
        look = store is not None and target not in replaced
        stored = store.existing_ids(target, candidates) if look else set()
        unknown = missing & ~_isin(values, sorted(stored))
        bad_ids = invalid_ids.get(target, [])
        on_bad_row = unknown & _isin(values, bad_ids)
        rows.flag(
            on_bad_row,
            col.name,
            f"refers to a {target.value[:-1].replace('_', ' ')} whose own row is invalid "
            f"(see {target.value})",
        )
        where = (
            f"not in {target.value} of this load, which replaces the stored ones"
            if target in replaced
            else f"not in {target.value} of this load nor in the store"
        )
        rows.flag(unknown & ~on_bad_row, col.name, f"unknown {SPECS[target].graph.key}: {where}")


def _check_short_rows(rows: _Rows) -> None:
    if rows.src.short_rows:
        bad = np.zeros(rows.n, dtype=bool)
        reasons = np.empty(rows.n, dtype=object)
        for position, reason in rows.src.short_rows.items():
            if position < rows.n:
                bad[position] = True
                reasons[position] = reason
        rows.flag(bad, "", reasons)


def _stored_references(
    sources: Mapping[Entity, SourceFile],
    valid_ids: Mapping[Entity, pa.Array],
    store: GraphStore,
    replaced: frozenset[Entity],
) -> pd.DataFrame:
    """Problems of stored rows that a full load would leave pointing at nothing: a row
    of an entity this load does not carry, referring to a customer or account that
    the load removes (absent from its replacing file)."""
    found = []
    for entity in LOAD_ORDER:
        if entity in sources:
            continue  # replaced too, or upserted: its rows were checked above
        for col in SPECS[entity].columns:
            target = col.references
            if target is None or target not in replaced:
                continue
            stored = store.fetch(entity)
            if stored.empty:
                break
            values = stored[col.name]
            present = values.notna().to_numpy()
            keep = valid_ids.get(target, pa.array([], type=pa.large_string()))
            dangling = present & ~_isin(values.fillna(""), keep)
            if not dangling.any():
                continue
            spec = SPECS[entity]
            key = (
                stored[list(spec.key)].astype("object").fillna("").astype(str).agg("|".join, axis=1)
            )
            target_file = sources[target].name
            for k, v in zip(key[dangling], values[dangling], strict=True):
                found.append(
                    {
                        "file": f"stored {entity.value}",
                        "line": 0,
                        "column": col.name,
                        "value": v,
                        "reason": (
                            f"the stored {entity.value[:-1].replace('_', ' ')} {k} refers to "
                            f"{SPECS[target].graph.key} {v}, which is absent from "
                            f"{target_file}, so this full load would remove it: include "
                            f"{entity.value} in the load (it is then replaced too) or load "
                            "with --mode delta"
                        ),
                    }
                )
    return pd.DataFrame(found, columns=PROBLEM_COLUMNS)


# -- entity rules --------------------------------------------------------------------
def _check_currencies(
    rows: _Rows,
    sources: Mapping[Entity, SourceFile],
    valid_ids: Mapping[Entity, pa.Array],
    store: GraphStore | None,
    replaced: frozenset[Entity],
    reporting: str,
) -> None:
    """An account in a currency other than the reporting one needs a rate."""
    codes = rows.df["currency"]
    present = ((codes != "") & (codes != reporting)).to_numpy()
    if not present.any():
        return
    known = set(valid_ids.get(Entity.FX_RATES, pa.array([], pa.large_string())).to_pylist())
    if store is not None and Entity.FX_RATES not in replaced:
        wanted = set(codes[present].unique()) - known
        known |= store.existing_ids(Entity.FX_RATES, wanted) if wanted else set()
    missing = present & ~codes.isin(sorted(known)).to_numpy()
    if missing.any():
        reasons = np.empty(rows.n, dtype=object)
        for i in np.flatnonzero(missing):
            code = codes.iloc[i]
            reasons[i] = (
                f"no exchange rate for {code}: amounts are converted to the reporting "
                f"currency {reporting} before they are summed; add {code} to fx_rates"
            )
        rows.flag(missing, "currency", reasons)


def _check_self(rows: _Rows, a: str, b: str, reason: str) -> None:
    df = rows.df
    rows.flag(((df[a] == df[b]) & (df[a] != "")).to_numpy(), b, reason)


def _check_guarantees(rows: _Rows) -> None:
    df = rows.df
    rows.flag(
        ((df["guarantor_id"] == df["borrower_id"]) & (df["guarantor_id"] != "")).to_numpy(),
        "borrower_id",
        "self-guarantee: guarantor and borrower are the same customer",
    )
    both = ((df["valid_from"] != "") & (df["valid_to"] != "")).to_numpy()
    # ISO dates compare correctly as text; unparseable dates were flagged already
    before = both & (df["valid_to"] < df["valid_from"]).to_numpy()
    rows.flag(before, "valid_to", "valid_to is before valid_from")


def _check_referrals(rows: _Rows, store: GraphStore | None) -> None:
    df = rows.df
    self_ref = ((df["referrer_id"] == df["referee_id"]) & (df["referee_id"] != "")).to_numpy()
    rows.flag(self_ref, "referee_id", "self-referral: referrer and referee are the same customer")

    # a referee has at most one referrer, counting the referrals already stored
    live = ~rows.bad
    new = pd.DataFrame(
        {
            "referrer_id": df["referrer_id"].to_numpy(dtype=object),
            "referee_id": df["referee_id"].to_numpy(dtype=object),
            "line": rows.src.lines(np.arange(rows.n)),
        }
    )
    stored = (
        store.fetch(Entity.REFERRALS)[["referrer_id", "referee_id"]].astype(object)
        if store is not None
        else pd.DataFrame(columns=["referrer_id", "referee_id"])
    )
    stored["line"] = -1
    combined = pd.concat([new[live], stored], ignore_index=True).drop_duplicates(
        ["referrer_id", "referee_id"]
    )
    referrers = combined.groupby("referee_id")["referrer_id"].nunique()
    contested = referrers[referrers > 1].index
    second = live & new["referee_id"].isin(contested).to_numpy()
    if second.any():
        others = combined[combined["referee_id"].isin(contested)]
        described = others.groupby("referee_id").apply(
            lambda g: "; ".join(
                f"{r} ({'stored' if ln < 0 else f'line {ln}'})"
                for r, ln in zip(g["referrer_id"], g["line"], strict=True)
            ),
            include_groups=False,
        )
        reasons = np.empty(rows.n, dtype=object)
        idx = np.flatnonzero(second)
        reasons[idx] = [
            f"referee has more than one referrer: {described[e]}"
            for e in new["referee_id"].to_numpy()[idx]
        ]
        rows.flag(second, "referee_id", reasons)

    # no cycles: in the forest of stored + still valid rows, a strongly connected set
    # of two or more customers is a cycle
    live = ~rows.bad
    edges = pd.concat([new[live], stored], ignore_index=True).drop_duplicates(
        ["referrer_id", "referee_id"]
    )
    if edges.empty:
        return
    ids, codes = np.unique(
        np.concatenate([edges["referrer_id"].to_numpy(), edges["referee_id"].to_numpy()]).astype(
            str
        ),
        return_inverse=True,
    )
    m = len(edges)
    graph = coo_array((np.ones(m), (codes[:m], codes[m:])), shape=(len(ids), len(ids))).tocsr()
    _, labels = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(labels)
    on_cycle = sizes[labels] >= 2
    if not on_cycle.any():
        return
    label_of = pd.Series(labels, index=ids)
    cyc = pd.Series(on_cycle, index=ids)
    a = new["referrer_id"].astype(str)
    b = new["referee_id"].astype(str)
    inside = (
        live
        & a.map(cyc).fillna(False).to_numpy(dtype=bool)
        & b.map(cyc).fillna(False).to_numpy(dtype=bool)
        & (a.map(label_of).to_numpy() == b.map(label_of).to_numpy())
    )
    # each referee has one referrer by now, so every cycle is simple and dropping one
    # of its rows breaks it: the row that closes it is its last new row in file order
    candidates = np.flatnonzero(inside)
    cycle_of = a.map(label_of).to_numpy()[candidates]
    last = pd.Series(candidates).groupby(cycle_of).max().to_numpy()
    closes = np.zeros(rows.n, dtype=bool)
    closes[last] = True
    members = (
        pd.Series(ids[on_cycle])
        .groupby(labels[on_cycle])
        .agg(lambda s: ", ".join(sorted(s)[:10]) + (" …" if len(s) > 10 else ""))
    )
    reasons = np.empty(rows.n, dtype=object)
    idx = np.flatnonzero(closes)
    reasons[idx] = [
        f"closes a referral cycle among customers {members[label_of[x]]}" for x in a.to_numpy()[idx]
    ]
    rows.flag(closes, "referee_id", reasons)
