"""Credit exposure of accounts and customers, and the large-exposure limit check.

Definitions (``shared/data-contract.md``):

- **Credit exposure of an account** (credit-side products only, status ``open``):
  ``outstanding + ccf * max(credit_limit - outstanding, 0)``; ``ccf`` comes from the
  account row and defaults to ``ccf_default`` (1.0), so exposure is
  ``max(outstanding, credit_limit)`` unless told otherwise.
- **Single-name exposure of a customer**: the sum over the open credit accounts the
  customer holds, as primary holder (``accounts.customer_id``) or through
  ``account_holders`` (role ``joint`` or ``authorized``). A joint account therefore
  counts in full in the single-name exposure of each of its holders; group and
  circle exposures count it once (see :mod:`guanxi.algorithms.groups`).
- **Limits** are relative to Tier 1 capital and kept as data (:data:`PRESETS`), never
  as code.

Choices where the contract is silent
------------------------------------
- An account whose ``status`` is missing counts as open (the column is optional and
  most extracts list live accounts only); ``closed`` accounts never count.
- A missing ``outstanding`` or ``credit_limit`` counts as 0; a missing ``ccf`` takes
  ``ccf_default``.
- ``pct_tier1`` is a percentage (``12.5`` means 12.5 % of Tier 1). The status is
  decided on ``exposure * 100`` against ``threshold * tier1_capital``, so that a value
  at exactly a threshold is not moved across it by division rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.errors import ConfigError
from guanxi.graph.schema import (
    CREDIT_PRODUCTS,
    DEPOSIT_PRODUCTS,
    SPECS,
    Entity,
    empty_frame,
)

from .sparse import id_codes

__all__ = [
    "STATUS_OK",
    "STATUS_LARGE",
    "STATUS_BREACH",
    "MIN_TIER1_CAPITAL",
    "LimitPreset",
    "PRESETS",
    "get_preset",
    "classify",
    "account_exposure",
    "account_holders_of",
    "credit_holdings",
    "deposit_holdings",
    "single_name_exposure",
]

STATUS_OK = "ok"
STATUS_LARGE = "large"
STATUS_BREACH = "breach"
#: the smallest Tier 1 capital accepted: one unit of the reporting currency
MIN_TIER1_CAPITAL = 1.0


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class LimitPreset:
    """Large-exposure thresholds, in percent of Tier 1 capital.

    A value *at or above* ``large_pct`` is ``large``; a value *strictly above*
    ``breach_pct`` is ``breach``; anything below ``large_pct`` is ``ok``. Single
    names (a customer in no group) use the ``single_*`` pair, exposure groups the
    ``group_*`` pair.

    Parameters
    ----------
    name : str
        Short name used in configuration (``basel``, ``eu``, ``china``).
    single_large_pct, single_breach_pct : float
        Thresholds for a single name.
    group_large_pct, group_breach_pct : float
        Thresholds for a group of connected clients.
    description : str
        Where the numbers come from.

    Raises
    ------
    ValueError
        If a threshold is not a positive finite number or a ``large`` threshold
        exceeds its ``breach`` threshold.
    """

    name: str
    single_large_pct: float
    single_breach_pct: float
    group_large_pct: float
    group_breach_pct: float
    description: str = ""

    def __post_init__(self) -> None:
        for kind in ("single", "group"):
            large = getattr(self, f"{kind}_large_pct")
            breach = getattr(self, f"{kind}_breach_pct")
            for v in (large, breach):
                if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                    raise ValueError(f"preset {self.name!r}: thresholds must be > 0, got {v!r}")
            if large > breach:
                raise ValueError(
                    f"preset {self.name!r}: {kind} large threshold {large}% is above "
                    f"the breach threshold {breach}%"
                )

    def thresholds(self, *, is_group: bool) -> tuple[float, float]:
        """``(large_pct, breach_pct)`` for a group or a single name."""
        if is_group:
            return self.group_large_pct, self.group_breach_pct
        return self.single_large_pct, self.single_breach_pct


#: The built-in presets. ``basel`` is the default.
#:
#: - ``basel``: Basel large-exposures standard (LEX 20/30, 2014/2019): an exposure at or
#:   above 10 % of Tier 1 is large, the limit is 25 %. Same numbers for single names
#:   and for groups of connected clients.
#: - ``eu``: EU CRR (Articles 392 and 395, as amended by CRR2): large at 10 %, limit
#:   25 % of Tier 1, for single names and groups alike. (The CRR's G-SII-to-G-SII 15 %
#:   limit and the EUR 150m floor for bank counterparties are not modelled.)
#: - ``china``: CBIRC 2018 rules on large exposures (商业银行大额风险暴露管理办法):
#:   large (reported) at 2.5 % of Tier 1 for single names and groups; limit 15 % for a
#:   single non-bank customer and 20 % for a group of connected non-bank customers.
#:   (The 25 % interbank limit is not modelled.)
PRESETS: Mapping[str, LimitPreset] = {
    "basel": LimitPreset(
        "basel",
        10.0,
        25.0,
        10.0,
        25.0,
        "Basel large exposures standard: large >= 10%, breach > 25% of Tier 1",
    ),
    "eu": LimitPreset(
        "eu",
        10.0,
        25.0,
        10.0,
        25.0,
        "EU CRR Art. 392/395: large >= 10%, breach > 25% of Tier 1",
    ),
    "china": LimitPreset(
        "china",
        2.5,
        15.0,
        2.5,
        20.0,
        "CBIRC 2018: large >= 2.5%; breach > 15% (single name) or > 20% (group) of Tier 1",
    ),
}


def get_preset(preset: str | LimitPreset) -> LimitPreset:
    """The :class:`LimitPreset` named ``preset`` (case-insensitive), or ``preset`` itself.

    Raises
    ------
    ConfigError
        If no preset has that name.
    """
    if isinstance(preset, LimitPreset):
        return preset
    key = str(preset).strip().casefold()
    if key not in PRESETS:
        raise ConfigError(
            f"unknown limit preset {preset!r}; choose one of {', '.join(sorted(PRESETS))}"
        )
    return PRESETS[key]


def classify(exposure, tier1_capital, preset="basel", *, is_group: bool) -> pd.DataFrame:
    """Exposure as a percentage of Tier 1 capital, and its limit status.

    Parameters
    ----------
    exposure : array-like of float or pandas.Series
        Exposures (>= 0, in the reporting currency). Missing values stay missing.
    tier1_capital : float or None
        The bank's Tier 1 capital. ``None`` means unknown: every ``pct_tier1`` is NaN
        and every ``status`` is missing, never guessed.
    preset : str or LimitPreset, default "basel"
        Which thresholds apply (see :data:`PRESETS`).
    is_group : bool
        Use the preset's group thresholds (True) or its single-name thresholds.

    Returns
    -------
    pandas.DataFrame
        Columns ``pct_tier1`` (float64, percent) and ``status`` (str: ``ok``,
        ``large`` or ``breach``), one row per exposure, with the index of
        ``exposure`` when it is a Series.

    Raises
    ------
    ConfigError
        If the preset is unknown or ``tier1_capital`` is not a positive finite number.
    ValueError
        If an exposure is negative.

    Examples
    --------
    >>> classify([5.0, 10.0, 25.0, 25.5], 100.0, "basel", is_group=True)
       pct_tier1  status
    0        5.0      ok
    1       10.0   large
    2       25.0   large
    3       25.5  breach
    """
    p = get_preset(preset)
    if isinstance(exposure, pd.Series):
        index = exposure.index
        values = _money(exposure)
    else:
        values = np.atleast_1d(np.asarray(exposure, dtype=np.float64)).ravel()
        index = pd.RangeIndex(values.size)
    if np.any(values < 0):
        raise ValueError("exposures must be >= 0")
    if tier1_capital is None:
        return pd.DataFrame(
            {
                "pct_tier1": np.full(values.size, np.nan),
                "status": pd.Series([pd.NA] * values.size, dtype="str", index=index),
            },
            index=index,
        )
    try:
        t1 = float(tier1_capital)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"tier1_capital must be a number, got {tier1_capital!r}") from exc
    if not (math.isfinite(t1) and t1 >= MIN_TIER1_CAPITAL):
        # below one unit of currency a capital is a typo, and exposure / capital overflows
        raise ConfigError(
            f"tier1_capital must be an amount of at least {MIN_TIER1_CAPITAL:g}, "
            f"got {tier1_capital!r}"
        )
    large, breach = p.thresholds(is_group=is_group)
    scaled = values * 100.0
    level = np.where(scaled > breach * t1, 2, np.where(scaled >= large * t1, 1, 0))
    status = _labels(level, (STATUS_OK, STATUS_LARGE, STATUS_BREACH), missing=np.isnan(values))
    return pd.DataFrame(
        {"pct_tier1": scaled / t1, "status": status.set_axis(index)},
        index=index,
    )


def _labels(codes: np.ndarray, labels, *, missing: np.ndarray | None = None) -> pd.Series:
    """``labels[codes]`` as a ``str`` Series (missing where ``missing``), built by Arrow
    from the codes: a million Python strings would take a tenth of a second."""
    indices = pa.array(np.asarray(codes, dtype=np.int64), mask=missing)
    text = pa.DictionaryArray.from_arrays(indices, pa.array(list(labels), pa.large_string()))
    return pd.Series(text.cast(pa.large_string()), dtype="str")


# --------------------------------------------------------------------------- frames


@cache
def _empty_frame(entity: Entity) -> pd.DataFrame:
    return empty_frame(entity)  # cached: building one costs ~20 ms; callers copy it


def _frame(entity: Entity, frame: pd.DataFrame | None) -> pd.DataFrame:
    """``frame``, or an empty canonical frame for ``None``; absent contract columns added."""
    if frame is None:
        return _empty_frame(entity).copy()
    spec = SPECS[entity]
    missing = [c for c in spec.column_names if c not in frame.columns]
    required = [c for c in spec.required if c in missing]
    if required:
        raise ValueError(f"{entity.value} frame lacks required column(s) {', '.join(required)}")
    if missing:
        frame = frame.copy()
        empty = _empty_frame(entity)
        for c in missing:
            frame[c] = pd.Series([None] * len(frame), index=frame.index, dtype=object).astype(
                empty[c].dtype
            )
    return frame


def _ids(s: pd.Series) -> pd.Series:
    """``s`` as ``str`` dtype on a fresh 0..n-1 index (no copy when already ``str``)."""
    s = s.reset_index(drop=True)
    return s if s.dtype == "str" else s.astype("str")


def _join_runs(keys: pd.Series, values: pd.Series, sep: str = ";") -> pd.Series:
    """``values`` joined with ``sep`` per run of equal ``keys`` (sort by key first).

    Vectorized with pyarrow's ``binary_join``: a Python ``";".join`` per group costs
    seconds on a whole bank.

    Returns
    -------
    pandas.Series of str
        Indexed by the distinct keys, in order of first appearance.
    """
    codes, uniques = pd.factorize(keys.reset_index(drop=True), sort=False)
    if len(codes) and np.any(np.diff(codes) < 0):
        raise ValueError("keys must come in runs (sort by key first)")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(uniques)))])
    vals = pa.array(_ids(values).fillna(""))
    if isinstance(vals, pa.ChunkedArray):
        vals = vals.combine_chunks()
    vals = vals.cast(pa.large_string())
    lists = pa.LargeListArray.from_arrays(pa.array(offsets.astype(np.int64), pa.int64()), vals)
    joined = pc.binary_join(lists, pa.scalar(sep, pa.large_string()))
    return pd.Series(pd.array(joined, dtype="str"), index=pd.Index(uniques, dtype="str"))


def _is_open(accounts: pd.DataFrame) -> np.ndarray:
    """True for status ``open`` (any case, spaces ignored) or missing."""
    status = accounts["status"].astype("str")
    result = (status == "open").to_numpy(dtype=bool) | status.isna().to_numpy(dtype=bool)
    other = np.flatnonzero(~result)  # spelled otherwise, or not open: look at each spelling
    if other.size:
        codes, uniques = pd.factorize(status.iloc[other])
        open_values = np.array([str(u).strip().casefold() == "open" for u in uniques], dtype=bool)
        result[other] = open_values[codes]
    return result


def _match_rows(left: pd.Series, right: pd.Series):
    """For each row of ``left``, the row of ``right`` with the same id (-1 for none).

    What an inner or left merge of ``left`` on ``right`` pairs up, in the merge's
    order, through integer codes instead of a merge on strings. Returns ``(rows,
    left codes, right codes)``, the codes numbering the ids of both sides; None when
    an id of ``right`` repeats or an id is missing on either side (merge then).
    """
    count, (lc, rc) = id_codes(left, right)
    if (lc < 0).any() or (rc < 0).any():
        return None
    if rc.size and np.bincount(rc, minlength=count).max() > 1:
        return None
    row = np.full(count, -1, dtype=np.int64)
    row[rc] = np.arange(rc.size)
    return row[lc], lc, rc


def _money(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _check_ccf(ccf_default: float) -> float:
    try:
        c = float(ccf_default)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"ccf_default must be a number in 0..1, got {ccf_default!r}") from exc
    if not 0.0 <= c <= 1.0:
        raise ConfigError(f"ccf_default must be in 0..1, got {ccf_default!r}")
    return c


def account_exposure(accounts: pd.DataFrame | None, *, ccf_default: float = 1.0) -> pd.DataFrame:
    """Credit exposure of every open credit account.

    Parameters
    ----------
    accounts : pandas.DataFrame or None
        Canonical ``accounts`` frame.
    ccf_default : float, default 1.0
        Credit conversion factor for accounts whose ``ccf`` is missing.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``customer_id`` (primary holder), ``product``,
        ``exposure`` (float64); one row per open credit-side account, in input order.
        Deposit-side and closed accounts are left out; a missing status is open.

    Raises
    ------
    ConfigError
        If ``ccf_default`` is outside 0..1.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["L1"], "customer_id": ["C1"],
    ...                     "product": ["credit_line"], "credit_limit": [100.0],
    ...                     "outstanding": [40.0], "ccf": [0.5]})
    >>> account_exposure(acc)["exposure"].tolist()
    [70.0]
    """
    ccf_default = _check_ccf(ccf_default)
    a = _frame(Entity.ACCOUNTS, accounts)
    mask = a["product"].isin(CREDIT_PRODUCTS).to_numpy(dtype=bool) & _is_open(a)
    rows = np.flatnonzero(mask)  # only the columns needed are taken, not the frame
    out = np.nan_to_num(_money(a["outstanding"].take(rows)), nan=0.0)
    limit = np.nan_to_num(_money(a["credit_limit"].take(rows)), nan=0.0)
    ccf = _money(a["ccf"].take(rows))
    ccf = np.where(np.isnan(ccf), ccf_default, ccf)
    exposure = out + ccf * np.maximum(limit - out, 0.0)
    return pd.DataFrame(
        {
            "account_id": _ids(a["account_id"].take(rows)),
            "customer_id": _ids(a["customer_id"].take(rows)),
            "product": _ids(a["product"].take(rows)),
            "exposure": exposure.astype(np.float64),
        }
    )


def account_holders_of(
    accounts: pd.DataFrame | None, account_holders: pd.DataFrame | None
) -> pd.DataFrame:
    """Every holder of every account: the primary holder and the ``account_holders`` rows.

    Parameters
    ----------
    accounts, account_holders : pandas.DataFrame or None
        Canonical frames.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``customer_id``, ``role`` (``primary`` for
        ``accounts.customer_id``, else the ``account_holders`` role as given). A
        customer listed twice for one account appears once, as ``primary`` when
        they are the primary holder. Holder rows whose account is not in
        ``accounts`` are kept (the account may live in the store already).
    """
    a = _frame(Entity.ACCOUNTS, accounts)
    primary = pd.DataFrame(
        {"account_id": _ids(a["account_id"]), "customer_id": _ids(a["customer_id"])}
    )
    return _with_further_holders(primary, account_holders, orphans=True)


def _with_further_holders(
    primary: pd.DataFrame, account_holders: pd.DataFrame | None, *, orphans: bool
) -> pd.DataFrame:
    """``primary`` rows (``account_id``, ``customer_id``, any value columns) with role
    ``primary``, plus one row per further holder of those accounts carrying the same
    values. A further-holder row naming the primary holder, or repeating a row, is
    dropped. With ``orphans``, holder rows of accounts absent from ``primary`` are kept
    (their value columns missing)."""
    return _holders_and_codes(primary, account_holders, orphans=orphans)[0]


def _holders_and_codes(
    primary: pd.DataFrame, account_holders: pd.DataFrame | None, *, orphans: bool
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """:func:`_with_further_holders`, and a code per row numbering its ``account_id``
    (equal ids, equal codes; None when the rows were merged on strings)."""
    h = _frame(Entity.ACCOUNT_HOLDERS, account_holders)
    ok = (primary["account_id"].notna() & primary["customer_id"].notna()).to_numpy(dtype=bool)
    primary = primary.loc[ok].reset_index(drop=True)
    further = pd.DataFrame(
        {
            "account_id": _ids(h["account_id"]),
            "customer_id": _ids(h["customer_id"]),
            "role": _ids(h["role"]),
        }
    )
    ok = (further["account_id"].notna() & further["customer_id"].notna()).to_numpy(dtype=bool)
    further = further.loc[ok].reset_index(drop=True)
    values = [c for c in primary.columns if c not in ("account_id", "customer_id")]
    match = _match_rows(further["account_id"], primary["account_id"])
    codes = None
    if match is not None and not (orphans and values):
        row, further_codes, primary_codes = match
        further = further.assign(_code=further_codes)
        if not orphans:
            further, row = further.loc[row >= 0].reset_index(drop=True), row[row >= 0]
        for c in values:
            further[c] = primary[c].take(row).reset_index(drop=True)
        main = pd.Series(primary["customer_id"].array.take(row, allow_fill=True))
        repeat = (further["customer_id"] == main).fillna(False).to_numpy(dtype=bool)
        further = further.loc[~repeat].drop_duplicates(["account_id", "customer_id"])
        codes = np.concatenate([primary_codes, further["_code"].to_numpy()])
    else:
        further = further.merge(
            primary.rename(columns={"customer_id": "_primary"}),
            on="account_id",
            how="left" if orphans else "inner",
        )
        repeat = (further["customer_id"] == further["_primary"]).fillna(False).to_numpy(dtype=bool)
        further = further.loc[~repeat].drop(columns="_primary")
        further = further.drop_duplicates(["account_id", "customer_id"])
    primary.insert(2, "role", pd.Series("primary", index=primary.index, dtype="str"))
    both = pd.concat([primary, further[primary.columns]], ignore_index=True)
    return both.astype({"account_id": "str", "customer_id": "str", "role": "str"}), codes


def credit_holdings(
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None,
    *,
    ccf_default: float = 1.0,
) -> pd.DataFrame:
    """Who holds which open credit account, with the account's exposure.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``customer_id``, ``role``, ``exposure``: one row per
        (open credit account, holder). The exposure is the account's, repeated on
        each holder's row; count each ``account_id`` once when adding across
        customers.
    """
    return _credit_holdings_and_codes(accounts, account_holders, ccf_default=ccf_default)[0]


def _credit_holdings_of(
    customers: pd.Series, accounts, account_holders, *, ccf_default: float
) -> pd.DataFrame:
    """The rows of :func:`credit_holdings` for the accounts that any of ``customers``
    holds (all their holders), in the same order, without building the whole bank's."""
    a = _frame(Entity.ACCOUNTS, accounts)
    h = _frame(Entity.ACCOUNT_HOLDERS, account_holders)
    theirs = h["account_id"][h["customer_id"].isin(customers).to_numpy(dtype=bool)]
    keep = (a["customer_id"].isin(customers) | a["account_id"].isin(theirs)).to_numpy(dtype=bool)
    a = a.loc[keep]
    h = h.loc[h["account_id"].isin(a["account_id"]).to_numpy(dtype=bool)]
    return credit_holdings(a, h, ccf_default=ccf_default)


def _credit_holdings_and_codes(
    accounts, account_holders, *, ccf_default: float
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """:func:`credit_holdings` and a code per row numbering its ``account_id`` (see
    :func:`_holders_and_codes`)."""
    exp = account_exposure(accounts, ccf_default=ccf_default)
    primary = exp[["account_id", "customer_id", "exposure"]]
    return _holders_and_codes(primary, account_holders, orphans=False)


def deposit_holdings(
    accounts: pd.DataFrame | None, account_holders: pd.DataFrame | None
) -> pd.DataFrame:
    """Who holds which open deposit account, with its balance (missing balance = 0).

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``customer_id``, ``role``, ``balance``.
    """
    a = _frame(Entity.ACCOUNTS, accounts)
    mask = a["product"].isin(DEPOSIT_PRODUCTS).to_numpy(dtype=bool) & _is_open(a)
    dep = pd.DataFrame(
        {
            "account_id": _ids(a.loc[mask, "account_id"]),
            "customer_id": _ids(a.loc[mask, "customer_id"]),
            "balance": np.nan_to_num(_money(a.loc[mask, "balance"]), nan=0.0),
        }
    )
    return _with_further_holders(dep, account_holders, orphans=False)


def single_name_exposure(
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None = None,
    *,
    ccf_default: float = 1.0,
) -> pd.DataFrame:
    """Single-name exposure of every customer holding at least one open credit account.

    Parameters
    ----------
    accounts, account_holders : pandas.DataFrame or None
        Canonical frames.
    ccf_default : float, default 1.0
        Credit conversion factor where an account's ``ccf`` is missing.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``single_name_exposure`` (float64), ``credit_accounts``
        (int64, open credit accounts held), sorted by ``customer_id``. Customers
        without open credit are not listed (their single-name exposure is 0).

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["M1"], "customer_id": ["A"],
    ...                     "product": ["mortgage"], "outstanding": [80.0]})
    >>> joint = pd.DataFrame({"account_id": ["M1"], "customer_id": ["B"], "role": ["joint"]})
    >>> single_name_exposure(acc, joint)
      customer_id  single_name_exposure  credit_accounts
    0           A                  80.0                1
    1           B                  80.0                1
    """
    return _single_from_holdings(
        credit_holdings(accounts, account_holders, ccf_default=ccf_default)
    )


def _single_from_holdings(holdings: pd.DataFrame) -> pd.DataFrame:
    out = (
        holdings.groupby("customer_id", sort=True)
        .agg(single_name_exposure=("exposure", "sum"), credit_accounts=("account_id", "size"))
        .reset_index()
    )
    return out.astype(
        {"customer_id": "str", "single_name_exposure": "float64", "credit_accounts": "int64"}
    )
