"""Suspected links: customers who share a phone, email, address or id number.

Shared contact details never join customers into an exposure group by default
(``shared/data-contract.md``); they are reported here for review, and only join groups
when :func:`guanxi.algorithms.groups.exposure_groups` is called with
``include_links=True``.

Normalization (the contract is silent; chosen here)
---------------------------------------------------
Every value is stripped, case-folded (:meth:`str.casefold`) and has inner runs of
whitespace (Unicode spaces included, such as the ideographic space) collapsed to one space; a phone number keeps its digits only (``+86 138-0000`` -> ``861380000``). A value
that is empty after normalization is ignored, as is a missing one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.errors import ConfigError
from guanxi.graph.schema import Entity

from .frames import contract_frame as _frame
from .frames import join_runs as _join_runs
from .frames import text_ids as _ids

__all__ = [
    "FIELDS",
    "normalize_contact",
    "shared_contact_values",
    "suspected_links",
    "suspected_pairs",
]

#: the contact fields compared, in report order
FIELDS: tuple[str, ...] = ("phone", "email", "address", "id_number")

_LONG_COLUMNS = {"suspected_link_id": "str", "field": "str", "value": "str", "customer_id": "str"}


def _check_fields(fields) -> tuple[str, ...]:
    if isinstance(fields, str):
        fields = (fields,)
    fields = tuple(fields)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise ConfigError(
            f"unknown contact field(s) {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(FIELDS)}"
        )
    return tuple(dict.fromkeys(fields))


def normalize_contact(values: pd.Series, *, field: str) -> pd.Series:
    """Normalized contact values; empty ones become missing.

    Parameters
    ----------
    values : pandas.Series
        Raw values of one contact field.
    field : {"phone", "email", "address", "id_number"}
        Which field: phones keep digits only.

    Returns
    -------
    pandas.Series of str
        Same index; missing where the value is missing or empty after normalization.

    Raises
    ------
    ConfigError
        If ``field`` is not a contact field.

    Examples
    --------
    >>> normalize_contact(pd.Series([" +86 138-0000 ", "n/a", None]), field="phone").tolist()
    ['861380000', nan, nan]
    >>> normalize_contact(pd.Series(["  Main   St 1 ", "MAIN ST 1"]), field="address").tolist()
    ['main st 1', 'main st 1']
    """
    (field,) = _check_fields((field,))
    arr = pa.array(_ids(values))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if field == "phone":
        arr = pc.replace_substring_regex(arr, r"\D+", "")
    else:
        arr = pc.utf8_trim_whitespace(arr)
        arr = pc.replace_substring_regex(arr, r"[\s\p{Z}]+", " ")
        # str.casefold where it differs from lower-casing (ß -> ss, ...): non-ASCII only
        lower = pd.Series(pd.array(pc.utf8_lower(arr), dtype="str"), index=values.index)
        wide = ~pd.Series(pd.array(pc.string_is_ascii(arr)), index=values.index).fillna(
            True
        ).to_numpy(dtype=bool)
        if wide.any():
            lower[wide] = lower[wide].str.casefold()
        arr = pa.array(lower)
    out = pd.Series(pd.array(arr, dtype="str"), index=values.index)
    return out.where(out.str.len() > 0)


def shared_contact_values(customers: pd.DataFrame | None, *, fields=FIELDS) -> pd.DataFrame:
    """One row per customer per normalized contact value shared with another customer.

    Parameters
    ----------
    customers : pandas.DataFrame or None
        Canonical ``customers`` frame.
    fields : iterable of str, default :data:`FIELDS`
        Contact fields to compare.

    Returns
    -------
    pandas.DataFrame
        Columns ``suspected_link_id``, ``field``, ``value``, ``customer_id``, sorted by
        ``suspected_link_id`` then ``customer_id``. ``suspected_link_id`` is
        ``"<field>:<smallest customer_id sharing the value>"``: stable for the same
        input and unique, since a customer has one value per field.
    """
    fields = _check_fields(fields)
    c = _frame(Entity.CUSTOMERS, customers)
    ids = _ids(c["customer_id"])
    parts = []
    for field in fields:
        if field not in c.columns:
            continue
        v = normalize_contact(_ids(c[field]), field=field)
        # only values held by two or more rows can be shared: a cheap hash pass first
        keep = (v.notna() & ids.notna()).to_numpy(dtype=bool)
        keep = keep & v.duplicated(keep=False).to_numpy(dtype=bool)
        parts.append(pd.DataFrame({"field": field, "value": v[keep], "customer_id": ids[keep]}))
    if not parts:
        return pd.DataFrame({k: pd.Series([], dtype=t) for k, t in _LONG_COLUMNS.items()})
    long = pd.concat(parts, ignore_index=True).astype(
        {"field": "str", "value": "str", "customer_id": "str"}
    )
    long = long.drop_duplicates().sort_values(["field", "value", "customer_id"], kind="stable")
    key = ["field", "value"]
    size = long.groupby(key, sort=False)["customer_id"].transform("size")
    long = long.loc[size.to_numpy() >= 2]
    first = long.groupby(key, sort=False)["customer_id"].transform("first")
    long.insert(0, "suspected_link_id", long["field"] + ":" + first)
    long = long.sort_values(["suspected_link_id", "customer_id"], kind="stable")
    return long.astype(_LONG_COLUMNS).reset_index(drop=True)


def suspected_links(customers: pd.DataFrame | None, *, fields=FIELDS) -> pd.DataFrame:
    """Sets of two or more customers sharing one normalized contact value.

    Parameters
    ----------
    customers : pandas.DataFrame or None
        Canonical ``customers`` frame.
    fields : iterable of str, default :data:`FIELDS`
        Contact fields to compare.

    Returns
    -------
    pandas.DataFrame
        Columns ``suspected_link_id`` (``"<field>:<smallest customer_id>"``), ``field``,
        ``value`` (normalized), ``customer_ids`` (sorted, ``;``-separated), ``size``
        (int64); one row per (field, value) shared by at least two customers, sorted
        by ``suspected_link_id``.

    Raises
    ------
    ConfigError
        If a field is not a contact field.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["A", "B", "C"], "kind": "person",
    ...                   "phone": ["138 0000", "1380000", "999"]})
    >>> suspected_links(c)
      suspected_link_id  field    value customer_ids  size
    0           phone:A  phone  1380000          A;B     2
    """
    long = shared_contact_values(customers, fields=fields)
    if long.empty:
        out = pd.DataFrame(
            {
                "suspected_link_id": pd.Series([], dtype="str"),
                "field": pd.Series([], dtype="str"),
                "value": pd.Series([], dtype="str"),
                "customer_ids": pd.Series([], dtype="str"),
                "size": pd.Series([], dtype="int64"),
            }
        )
        return out
    # ``long`` is sorted by suspected_link_id, then customer_id
    first = ~long["suspected_link_id"].duplicated().to_numpy(dtype=bool)
    heads = long.loc[first]
    out = pd.DataFrame(
        {
            "suspected_link_id": heads["suspected_link_id"].to_numpy(),
            "field": heads["field"].to_numpy(),
            "value": heads["value"].to_numpy(),
            "customer_ids": _join_runs(long["suspected_link_id"], long["customer_id"]).to_numpy(),
            "size": long.groupby("suspected_link_id", sort=True).size().to_numpy(dtype=np.int64),
        }
    )
    return out.astype(
        {
            "suspected_link_id": "str",
            "field": "str",
            "value": "str",
            "customer_ids": "str",
            "size": "int64",
        }
    )


def suspected_pairs(
    customers: pd.DataFrame | None,
    *,
    fields=FIELDS,
    max_set_size: int = 10,
    max_pairs: int = 100_000,
) -> pd.DataFrame:
    """Pairs of customers sharing contact details, most shared fields first, for review.

    A set of ``k`` customers sharing one value gives ``k (k - 1) / 2`` pairs, so two caps
    keep the list reviewable:

    - values shared by more than ``max_set_size`` customers (a branch address, a
      placeholder phone) give no pairs; they still appear in :func:`suspected_links`;
    - at most ``max_pairs`` pairs are returned: the pairs sharing the most fields
      first, then by ``a``, ``b``.

    Parameters
    ----------
    customers : pandas.DataFrame or None
        Canonical ``customers`` frame.
    fields : iterable of str, default :data:`FIELDS`
        Contact fields to compare.
    max_set_size : int, default 10
        Largest set of customers sharing one value that still yields pairs (>= 2).
    max_pairs : int, default 100_000
        Most pairs returned (>= 0).

    Returns
    -------
    pandas.DataFrame
        Columns ``a``, ``b`` (customer ids, ``a < b``), ``fields`` (the shared fields
        among those counted, ``;``-separated in :data:`FIELDS` order), ``shared`` (int64,
        how many).

    Raises
    ------
    ConfigError
        If a field is unknown, ``max_set_size < 2`` or ``max_pairs < 0``.
    """
    fields = _check_fields(fields)
    if int(max_set_size) != max_set_size or max_set_size < 2:
        raise ConfigError(f"max_set_size must be an integer >= 2, got {max_set_size!r}")
    if int(max_pairs) != max_pairs or max_pairs < 0:
        raise ConfigError(f"max_pairs must be an integer >= 0, got {max_pairs!r}")
    long = shared_contact_values(customers, fields=fields)
    size = long.groupby("suspected_link_id")["customer_id"].transform("size")
    small = long.loc[size.to_numpy() <= max_set_size, ["suspected_link_id", "field", "customer_id"]]
    pairs = small.merge(small, on=["suspected_link_id", "field"], suffixes=("_a", "_b"))
    pairs = pairs.loc[(pairs["customer_id_a"] < pairs["customer_id_b"]).to_numpy(dtype=bool)]
    if pairs.empty:
        return pd.DataFrame(
            {
                "a": pd.Series([], dtype="str"),
                "b": pd.Series([], dtype="str"),
                "fields": pd.Series([], dtype="str"),
                "shared": pd.Series([], dtype="int64"),
            }
        )
    order = {f: i for i, f in enumerate(FIELDS)}
    pairs = pairs.assign(_o=pairs["field"].map(order).astype(np.int64)).sort_values(
        ["customer_id_a", "customer_id_b", "_o"], kind="stable"
    )
    pair_key = pairs["customer_id_a"] + "\x1f" + pairs["customer_id_b"]
    first = ~pair_key.duplicated().to_numpy(dtype=bool)
    out = pd.DataFrame(
        {
            "a": pairs.loc[first, "customer_id_a"].to_numpy(),
            "b": pairs.loc[first, "customer_id_b"].to_numpy(),
            "fields": _join_runs(pair_key, pairs["field"]).to_numpy(),
            "shared": pair_key.groupby(pair_key, sort=False).size().to_numpy(dtype=np.int64),
        }
    )
    out = out.sort_values(["shared", "a", "b"], ascending=[False, True, True], kind="stable")
    out = out.head(int(max_pairs)).reset_index(drop=True)
    return out.astype({"a": "str", "b": "str", "fields": "str", "shared": "int64"})
