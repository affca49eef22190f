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
- ``pct_tier1`` is a percentage (``12.5000`` means 12.5 % of Tier 1), an exact decimal
  rounded half up to 4 places. The status is decided on the integers
  ``exposure * 100 * 10**k`` against ``threshold * 10**k * tier1_capital``, so a value at
  exactly a threshold is never moved across it (10 % is ``large``, 25 % is not
  ``breach``).

Money (:mod:`guanxi.money`)
---------------------------
Amounts are exact decimals. An account's exposure is computed exactly in its own
currency (``outstanding``, ``credit_limit`` in ten-thousandths, ``ccf`` in 10**-10),
converted by its ``currency``'s rate (exactly 1 for the reporting currency or a missing
currency) and rounded half up, once, to the reporting currency's minor unit
(:class:`guanxi.money.Reporting`). Every sum of exposures is an exact integer sum of
those rounded amounts. An account in a currency with no rate is an error, never
summed as if it were in the reporting currency.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from guanxi.errors import ConfigError
from guanxi.graph.schema import CREDIT_PRODUCTS, DEPOSIT_PRODUCTS, Entity
from guanxi.money import (
    AMOUNT_UNIT,
    FRACTION_UNIT,
    RATE_UNIT,
    Reporting,
    above_pct,
    at_least_pct,
    money_series,
    percent_of,
    round_half_up,
    units,
)
from guanxi.presets import PRESETS, LimitPreset, get_preset

from .frames import contract_frame, is_open, labels, match_rows, text_ids

__all__ = [
    "STATUS_OK",
    "STATUS_LARGE",
    "STATUS_BREACH",
    "MIN_TIER1_CAPITAL",
    "PCT_DECIMALS",
    "check_ccf",
    "credit_holdings_of",
    "credit_holdings_and_codes",
    "holders_and_codes",
    "exposure_minor",
    "minor_of",
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
MIN_TIER1_CAPITAL = Decimal(1)
#: decimal places of ``pct_tier1``
PCT_DECIMALS = 4


# --------------------------------------------------------------------------- limits


def classify(
    exposure,
    tier1_capital,
    preset="basel",
    *,
    is_group: bool,
    counterparty: str = "non_bank",
    bank_is_gsib: bool = True,
) -> pd.DataFrame:
    """Exposure as a percentage of Tier 1 capital, and its limit status, exactly.

    Parameters
    ----------
    exposure : pandas.Series of decimals, or array-like
        Exposures (>= 0, in the reporting currency): an exact decimal Series (as the
        analyses produce), or values readable as decimals (ints, Decimals, text).
        Missing values stay missing.
    tier1_capital : Decimal, int, str or None
        The bank's Tier 1 capital, in the same currency. ``None`` means unknown:
        every ``pct_tier1`` and ``status`` is missing, never guessed.
    preset : str or LimitPreset, default "basel"
        Which thresholds apply (see :data:`PRESETS`).
    is_group : bool
        Use the preset's group thresholds (True) or its single-name thresholds.
    counterparty : str, default ``non_bank``
        The counterparty class of every row (:class:`guanxi.presets.Counterparty`):
        ``bank`` and ``gsib`` take the preset's interbank thresholds
        (:meth:`LimitPreset.thresholds`; per-row classes:
        :func:`guanxi.algorithms.limits.limit_check`).
    bank_is_gsib : bool, default True
        Whether the reporting bank is a G-SIB (the G-SIB line applies between G-SIBs).

    Returns
    -------
    pandas.DataFrame
        ``pct_tier1`` (exact decimal, percent, :data:`PCT_DECIMALS` places, rounded
        half up) and ``status`` (str: ``ok``, ``large`` or ``breach``, decided on the
        exact values), one row per exposure, with the index of ``exposure`` when it
        is a Series.

    Raises
    ------
    ConfigError
        If the preset is unknown or ``tier1_capital`` is not an amount of at least 1.
    ValueError
        If an exposure is negative.

    Examples
    --------
    >>> out = classify(["5", "10", "25", "25.5"], 100, "basel", is_group=True)
    >>> out["status"].tolist()
    ['ok', 'large', 'large', 'breach']
    >>> [str(p) for p in out["pct_tier1"]]
    ['5.0000', '10.0000', '25.0000', '25.5000']
    """
    p = get_preset(preset)
    ints, present, scale, index = _exact_exposures(exposure)
    n = len(ints)
    if np.any(ints[present] < 0):
        raise ValueError("exposures must be >= 0")
    if tier1_capital is None:
        return pd.DataFrame(
            {
                "pct_tier1": money_series(
                    np.zeros(n, np.int64), PCT_DECIMALS, mask=np.zeros(n, bool)
                ),
                "status": pd.Series([pd.NA] * n, dtype="str"),
            }
        ).set_axis(index)
    capital, places = _capital_units(tier1_capital, scale)
    if places > scale:  # a capital with more decimals than the exposures: scale them up
        ints = _scaled_up(ints, 10 ** (places - scale))
    large, breach = p.thresholds(
        is_group=is_group, counterparty=counterparty, bank_is_gsib=bank_is_gsib
    )
    level = np.zeros(n, dtype=np.int64)
    level[at_least_pct(ints, capital, large)] = 1
    level[above_pct(ints, capital, breach)] = 2
    pct = percent_of(ints, capital, decimals=PCT_DECIMALS)
    pct = money_series(_units_of(pct), PCT_DECIMALS, mask=present)
    status = labels(level, (STATUS_OK, STATUS_LARGE, STATUS_BREACH), missing=~present)
    return pd.DataFrame({"pct_tier1": pct, "status": status}).set_axis(index)


def _units_of(series: pd.Series) -> np.ndarray:
    return units(series)[0]


def _exact_exposures(exposure) -> tuple[np.ndarray, np.ndarray, int, pd.Index]:
    """Integers, presence mask, decimal places and index of ``exposure``."""
    if isinstance(exposure, pd.Series) and isinstance(exposure.dtype, pd.ArrowDtype):
        ints, present = units(exposure)
        return ints, present, exposure.dtype.pyarrow_dtype.scale, exposure.index
    index = exposure.index if isinstance(exposure, pd.Series) else None
    values = list(exposure.tolist() if hasattr(exposure, "tolist") else exposure)
    exact: list[Decimal | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
            exact.append(None)
        elif isinstance(v, float | np.floating):
            exact.append(Decimal(repr(float(v))))  # its shortest decimal text
        else:
            exact.append(Decimal(str(v)))
    scale = max([-e.as_tuple().exponent for e in exact if e is not None] + [0])  # type: ignore[operator]
    ints = np.array([0 if e is None else int(e.scaleb(scale)) for e in exact], dtype=np.int64)
    present = np.array([e is not None for e in exact], dtype=bool)
    return ints, present, scale, pd.RangeIndex(len(ints)) if index is None else index


def _scaled_up(ints: np.ndarray, factor: int) -> np.ndarray:
    if ints.size and int(np.abs(ints).max()) > np.iinfo(np.int64).max // factor:
        raise ConfigError("tier1_capital has more decimal places than the exposures can carry")
    return ints * factor


def _capital_units(tier1_capital, scale: int) -> tuple[int, int]:
    """The capital as an integer at ``scale`` decimal places, or at its own when it has
    more (``80000000.50`` against whole-unit exposures), and those places."""
    try:
        text = (
            repr(float(tier1_capital)) if isinstance(tier1_capital, float) else str(tier1_capital)
        )
        capital = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"tier1_capital must be an amount, got {tier1_capital!r}") from None
    if not capital.is_finite() or capital < MIN_TIER1_CAPITAL:
        raise ConfigError(
            f"tier1_capital must be an amount of at least {MIN_TIER1_CAPITAL}, "
            f"got {tier1_capital!r}"
        )
    places = scale
    while capital.scaleb(places) != capital.scaleb(places).to_integral_value():
        places += 1
    return int(capital.scaleb(places)), places


# --------------------------------------------------------------------------- accounts


def check_ccf(ccf_default) -> int:
    """``ccf_default`` (0..1, at most 10 decimals) in units of 10**-10.

    Raises
    ------
    ConfigError
    """
    if isinstance(ccf_default, float) and ccf_default != ccf_default:
        raise ConfigError(f"ccf_default must be a number in 0..1, got {ccf_default!r}")
    try:
        c = Decimal(str(ccf_default))
    except InvalidOperation:
        raise ConfigError(f"ccf_default must be a number in 0..1, got {ccf_default!r}") from None
    if not c.is_finite() or not Decimal(0) <= c <= Decimal(1):
        raise ConfigError(f"ccf_default must be in 0..1, got {ccf_default!r}")
    scaled = c.scaleb(10)
    if scaled != scaled.to_integral_value():
        raise ConfigError(f"ccf_default may have at most 10 decimal places, got {ccf_default!r}")
    return int(scaled)


def exposure_minor(
    outstanding: np.ndarray,
    credit_limit: np.ndarray,
    ccf: np.ndarray,
    rate: np.ndarray,
    digits: int,
) -> np.ndarray:
    """``outstanding + ccf * max(credit_limit - outstanding, 0)``, converted by ``rate``
    and rounded half up once to minor units of ``digits`` decimals, exactly.

    ``outstanding`` and ``credit_limit`` are in ten-thousandths, ``ccf`` and ``rate``
    in 10**-10 (int64 arrays). Rows with ``ccf == 1`` and ``rate == 1`` (the common
    case) are computed in int64; the others in Python integers, whatever their size.

    Examples
    --------
    >>> exposure_minor(np.array([400000]), np.array([1000000]), np.array([5 * 10**9]),
    ...                np.array([10**10]), 2)
    array([7000])
    """
    undrawn = np.maximum(credit_limit - outstanding, 0)
    out = np.empty(len(outstanding), dtype=np.int64)
    simple = (ccf == FRACTION_UNIT) & (rate == RATE_UNIT)
    out[simple] = round_half_up(outstanding[simple] + undrawn[simple], AMOUNT_UNIT // 10**digits)
    other = ~simple
    if other.any():
        o = outstanding[other].astype(object)
        exact = (
            o * FRACTION_UNIT + ccf[other].astype(object) * undrawn[other].astype(object)
        ) * rate[other].astype(object)
        den = AMOUNT_UNIT * FRACTION_UNIT * RATE_UNIT // 10**digits
        rounded = round_half_up(exact, den)
        if int(rounded.max()) >= 2**63:
            raise ConfigError(
                f"an exposure converted to the reporting currency comes to {rounded.max()} "
                f"minor units, more than guanxi can hold exactly (2**63); check the amounts "
                "and the rates (a misplaced decimal point?)"
            )
        out[other] = np.asarray(rounded, dtype=np.int64)
    # every total of these amounts (a group, a household, a cascade) is at most their
    # sum: refuse them when it could wrap around 64-bit integers (a float sum is
    # precise enough to see the magnitude)
    if out.size and float(out.sum(dtype=np.float64)) >= 2.0**62:
        raise ConfigError(
            "the amounts converted to the reporting currency add up to more than guanxi "
            "can sum exactly (2**62 minor units); check the amounts and the rates (a "
            "misplaced decimal point?)"
        )
    return out


def minor_of(
    amounts: pd.Series, digits: int, rates: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """An amount column (exact decimals) in minor units of the reporting currency,
    converted by ``rates`` (10**-10; None: already in the reporting currency) and
    rounded half up once; and the mask of present values (missing counts 0)."""
    ints, present = units(amounts)
    if rates is None:
        rates = np.full(len(ints), RATE_UNIT, dtype=np.int64)
    ones = np.full(len(ints), FRACTION_UNIT, dtype=np.int64)
    return exposure_minor(ints, ints, ones, rates, digits), present


def _rates(reporting: Reporting, currency: pd.Series, account_ids: pd.Series) -> np.ndarray:
    rate, missing = reporting.rate_units(currency)
    if missing.any():
        codes = sorted(set(currency[missing].astype(str)))
        raise ConfigError(
            f"{int(missing.sum())} open account(s) are in {', '.join(codes)}, which have no "
            f"rate to {reporting.currency} in fx_rates (e.g. account "
            f"{account_ids[missing].iloc[0]}): load fx_rates with those currencies, or the "
            "amounts would be summed as if they were in the reporting currency"
        )
    return rate


def account_exposure(
    accounts: pd.DataFrame | None,
    *,
    ccf_default="1",
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """Credit exposure of every open credit account, exactly, in the reporting currency.

    Parameters
    ----------
    accounts : pandas.DataFrame or None
        Canonical ``accounts`` frame.
    ccf_default : Decimal, int or str, default "1"
        Credit conversion factor for accounts whose ``ccf`` is missing (0..1).
    reporting : Reporting, optional
        The reporting currency and rates (default: CNY, no other currency).

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``customer_id`` (primary holder), ``product``,
        ``currency`` (the account's; missing = reporting), ``rate`` (to the reporting
        currency, exact), ``exposure`` (exact decimal, reporting currency minor unit)
        and ``exposure_minor`` (the same as int64 minor units); one row per open
        credit-side account, in input order. Deposit-side and closed accounts are left
        out; a missing status is open.

    Raises
    ------
    ConfigError
        If ``ccf_default`` is outside 0..1, or an account's currency has no rate.

    Examples
    --------
    >>> from guanxi.graph.schema import canonical_frame
    >>> acc = canonical_frame(Entity.ACCOUNTS, pd.DataFrame(
    ...     {"account_id": ["L1"], "customer_id": ["C1"], "product": ["credit_line"],
    ...      "credit_limit": ["100"], "outstanding": ["40"], "ccf": ["0.5"]}))
    >>> [str(x) for x in account_exposure(acc)["exposure"]]
    ['70.00']
    """
    default = check_ccf(ccf_default)
    reporting = reporting or Reporting()
    a = contract_frame(Entity.ACCOUNTS, accounts)
    mask = a["product"].isin(CREDIT_PRODUCTS).to_numpy(dtype=bool) & is_open(a)
    rows = np.flatnonzero(mask)  # only the columns needed are taken, not the frame
    out, _ = units(a["outstanding"].take(rows))
    limit, _ = units(a["credit_limit"].take(rows))
    ccf, has_ccf = units(a["ccf"].take(rows))
    ccf = np.where(has_ccf, ccf, default)
    account_ids = text_ids(a["account_id"].take(rows))
    currency = text_ids(a["currency"].take(rows))
    rate = _rates(reporting, currency, account_ids)
    minor = exposure_minor(out, limit, ccf, rate, reporting.digits)
    return pd.DataFrame(
        {
            "account_id": account_ids,
            "customer_id": text_ids(a["customer_id"].take(rows)),
            "product": text_ids(a["product"].take(rows)),
            "currency": currency.fillna(reporting.currency),
            "rate": money_series(rate, 10),
            "exposure": money_series(minor, reporting.digits),
            "exposure_minor": minor,
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
    a = contract_frame(Entity.ACCOUNTS, accounts)
    primary = pd.DataFrame(
        {"account_id": text_ids(a["account_id"]), "customer_id": text_ids(a["customer_id"])}
    )
    return holders_and_codes(primary, account_holders, orphans=True)[0]


def holders_and_codes(
    primary: pd.DataFrame, account_holders: pd.DataFrame | None, *, orphans: bool
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """``primary`` rows (``account_id``, ``customer_id``, any value columns) with role
    ``primary``, plus one row per further holder of those accounts carrying the same
    values, and a code per row numbering its ``account_id`` (equal ids, equal codes;
    None when the rows were merged on strings).

    A further-holder row naming the primary holder, or repeating a row, is dropped.
    With ``orphans``, holder rows of accounts absent from ``primary`` are kept (their
    value columns missing)."""
    h = contract_frame(Entity.ACCOUNT_HOLDERS, account_holders)
    ok = (primary["account_id"].notna() & primary["customer_id"].notna()).to_numpy(dtype=bool)
    primary = primary.loc[ok].reset_index(drop=True)
    further = pd.DataFrame(
        {
            "account_id": text_ids(h["account_id"]),
            "customer_id": text_ids(h["customer_id"]),
            "role": text_ids(h["role"]),
        }
    )
    ok = (further["account_id"].notna() & further["customer_id"].notna()).to_numpy(dtype=bool)
    further = further.loc[ok].reset_index(drop=True)
    values = [c for c in primary.columns if c not in ("account_id", "customer_id")]
    match = match_rows(further["account_id"], primary["account_id"])
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
    ccf_default="1",
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """Who holds which open credit account, with the account's exposure.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``customer_id``, ``role``, ``exposure_minor`` (int64
        minor units of the reporting currency): one row per (open credit account,
        holder). The exposure is the account's, repeated on each holder's row; count
        each ``account_id`` once when adding across customers.
    """
    return credit_holdings_and_codes(
        accounts, account_holders, ccf_default=ccf_default, reporting=reporting
    )[0]


def credit_holdings_of(
    customers: pd.Series, accounts, account_holders, *, ccf_default="1", reporting=None
) -> pd.DataFrame:
    """The rows of :func:`credit_holdings` for the accounts that any of ``customers``
    holds (all their holders), in the same order, without building the whole bank's."""
    a = contract_frame(Entity.ACCOUNTS, accounts)
    h = contract_frame(Entity.ACCOUNT_HOLDERS, account_holders)
    theirs = h["account_id"][h["customer_id"].isin(customers).to_numpy(dtype=bool)]
    keep = (a["customer_id"].isin(customers) | a["account_id"].isin(theirs)).to_numpy(dtype=bool)
    a = a.loc[keep]
    h = h.loc[h["account_id"].isin(a["account_id"]).to_numpy(dtype=bool)]
    return credit_holdings(a, h, ccf_default=ccf_default, reporting=reporting)


def credit_holdings_and_codes(
    accounts, account_holders, *, ccf_default="1", reporting: Reporting | None = None
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """:func:`credit_holdings` and a code per row numbering its ``account_id`` (see
    :func:`holders_and_codes`)."""
    exp = account_exposure(accounts, ccf_default=ccf_default, reporting=reporting)
    primary = exp[["account_id", "customer_id", "exposure_minor"]]
    return holders_and_codes(primary, account_holders, orphans=False)


def deposit_holdings(
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None,
    *,
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """Who holds which open deposit account, with its balance converted to the
    reporting currency (missing balance = 0).

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``customer_id``, ``role``, ``balance_minor`` (int64
        minor units, rounded half up once per account).

    Raises
    ------
    ConfigError
        An account's currency has no rate.
    """
    reporting = reporting or Reporting()
    a = contract_frame(Entity.ACCOUNTS, accounts)
    mask = a["product"].isin(DEPOSIT_PRODUCTS).to_numpy(dtype=bool) & is_open(a)
    rows = np.flatnonzero(mask)
    account_ids = text_ids(a["account_id"].take(rows))
    rate = _rates(reporting, text_ids(a["currency"].take(rows)), account_ids)
    balance, _ = minor_of(a["balance"].take(rows), reporting.digits, rate)
    dep = pd.DataFrame(
        {
            "account_id": account_ids,
            "customer_id": text_ids(a["customer_id"].take(rows)),
            "balance_minor": balance,
        }
    )
    return holders_and_codes(dep, account_holders, orphans=False)[0]


def single_name_exposure(
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None = None,
    *,
    ccf_default="1",
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """Single-name exposure of every customer holding at least one open credit account.

    Parameters
    ----------
    accounts, account_holders : pandas.DataFrame or None
        Canonical frames.
    ccf_default : Decimal, int or str, default "1"
        Credit conversion factor where an account's ``ccf`` is missing.
    reporting : Reporting, optional
        The reporting currency and rates.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``single_name_exposure`` (exact decimal),
        ``credit_accounts`` (int64, open credit accounts held), sorted by
        ``customer_id``. Customers without open credit are not listed (their
        single-name exposure is 0).

    Examples
    --------
    >>> from guanxi.graph.schema import canonical_frame
    >>> acc = canonical_frame(Entity.ACCOUNTS, pd.DataFrame({"account_id": ["M1"],
    ...     "customer_id": ["A"], "product": ["mortgage"], "outstanding": ["80"]}))
    >>> joint = pd.DataFrame({"account_id": ["M1"], "customer_id": ["B"], "role": ["joint"]})
    >>> out = single_name_exposure(acc, joint)
    >>> [(c, str(e)) for c, e in zip(out["customer_id"], out["single_name_exposure"])]
    [('A', '80.00'), ('B', '80.00')]
    """
    reporting = reporting or Reporting()
    holdings = credit_holdings(
        accounts, account_holders, ccf_default=ccf_default, reporting=reporting
    )
    out = (
        holdings.groupby("customer_id", sort=True)
        .agg(minor=("exposure_minor", "sum"), credit_accounts=("account_id", "size"))
        .reset_index()
    )
    return pd.DataFrame(
        {
            "customer_id": out["customer_id"].astype("str"),
            "single_name_exposure": money_series(
                out["minor"].to_numpy(dtype=np.int64), reporting.digits
            ),
            "credit_accounts": out["credit_accounts"].astype("int64"),
        }
    )
