"""Customer value: each customer's own value, the value of the customers they brought
in (referral value), A/B/C tiers and the own x referral quadrants.

Every amount is exact (:mod:`guanxi.money`): integers of the reporting currency's minor
unit, rounded by the rules stated below, printed as Arrow decimals.

Own value
---------
.. math:: own_u = aum_u + deposits_u + \\lfloor m \\cdot drawn_u \\rceil

- ``aum``: the customer's ``aum`` (assets held with the bank), rounded half up once to
  the minor unit, missing as 0;
- ``deposits``: the balances of the open deposit-side accounts (``current``,
  ``savings``, ``term_deposit``, ``wealth``) the customer holds as **primary** holder,
  each converted to the reporting currency and rounded half up once (an account with
  several holders counts once, for its primary holder, so the bank's own values add up
  to its balances);
- ``credit_revenue`` (the credit revenue proxy): the margin ``m``
  (:data:`guanxi.defaults.VALUE_CREDIT_MARGIN`, 3 %: a year's net interest margin) on
  the drawn credit (``outstanding`` of the open credit-side accounts the customer holds
  as primary holder, converted and rounded once per account), rounded half up once per
  customer.

A bank whose ``aum`` already includes deposits passes ``include_deposits=False``. A
customer who left (``departed``) brings nothing any more: own value 0.

Referral value
--------------
.. math:: R_u = \\sum_{c \\in children(u)} \\left( own_c + \\lfloor \\delta R_c \\rceil \\right)

with ``delta`` the discount per generation
(:data:`guanxi.defaults.REFERRAL_VALUE_DISCOUNT`, 0.5): a direct referee's own value
counts whole, a second-generation referee's ``delta``, a third's ``delta**2``. Each
customer's discounted referral value ``delta * R_c`` is rounded half up to the minor
unit once, as it is handed to its referrer (so ``R_u`` is within half a minor unit per
referee of the exact ``sum over the cascade of delta**(generation - 1) * own``).
Customers who left still pass on the value of the customers they brought.

Tiers
-----
On ``total = own + referral`` of the active customers (those not in ``departed``), by a
:class:`TierRule` (:data:`guanxi.defaults.VALUE_TIERS`):

- ``quantile:a,b`` (default ``0.10,0.30``): among the customers with a positive total
  (``m`` of them) ranked by total, A is every customer at or above the total of rank
  ``ceil(a * m)``, B every other at or above the total of rank ``ceil((a + b) * m)``,
  C the rest; ties at a boundary all take the higher tier, and a customer with no
  value is always C;
- ``value:a,b``: A from a total of ``a`` up, B from ``b`` up, C below (amounts in the
  reporting currency).

Quadrants
---------
After Kumar, Petersen and Leone [1]_, customer lifetime value (here own value) against
customer referral value:

==========  ========  =============
quadrant    own       referral
==========  ========  =============
champions   high      high
affluents   high      low
advocates   low       high
misers      low       low
==========  ========  =============

Split rule (``split``, :data:`guanxi.defaults.QUADRANT_SPLIT`, 0.5 = the median): of
``m`` values sorted ascending, the ``floor(split * m)`` smallest are low and so is any
value equal to the largest of them; the rest are high. Own value is split among the
active customers; referral value among the active customers with a positive referral
value (a customer whose referees brought nothing is low).

References
----------
.. [1] Kumar, V., Petersen, J. A., Leone, R. P. (2007). How valuable is word of mouth?
   Harvard Business Review 85(10), 139-146.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi import defaults
from guanxi.errors import ConfigError
from guanxi.graph.schema import (
    CREDIT_PRODUCTS,
    DEPOSIT_PRODUCTS,
    ColumnKind,
    Entity,
    decimal_column,
)
from guanxi.money import Reporting, money_series, round_half_up

from .churn import among
from .exposure import minor_of
from .frames import contract_frame, is_open, text_ids
from .referrals import referral_forest

__all__ = [
    "TierRule",
    "QUADRANTS",
    "VALUE_COLUMNS",
    "parse_tiers",
    "own_value",
    "referral_value",
    "value_tiers",
]

#: the quadrants, by (own high, referral high)
QUADRANTS = {
    (True, True): "champion",
    (True, False): "affluent",
    (False, True): "advocate",
    (False, False): "miser",
}

#: columns of :func:`value_tiers`
VALUE_COLUMNS = (
    "customer_id",
    "value_rank",
    "tier",
    "quadrant",
    "aum",
    "deposits",
    "credit_revenue",
    "own_value",
    "referral_value",
    "total_value",
    "own_pct",
    "referral_pct",
)


@dataclass(frozen=True)
class TierRule:
    """How customers are cut into A/B/C tiers (see the module docstring).

    Attributes
    ----------
    by : {"quantile", "value"}
    a, b : Decimal
        ``quantile``: the shares of the valued customers in A and in B (``a + b <= 1``);
        ``value``: the totals from which A and B start (``a >= b > 0``).
    """

    by: str
    a: Decimal
    b: Decimal

    def __post_init__(self) -> None:
        if self.by not in ("quantile", "value"):
            raise ConfigError(f"value tiers are by 'quantile' or 'value', not {self.by!r}")
        a, b = self.a, self.b
        if self.by == "quantile" and not (a >= 0 and b >= 0 and a + b <= 1):
            raise ConfigError(f"quantile tiers need shares a, b >= 0 with a + b <= 1, not {a}, {b}")
        if self.by == "value" and not (a >= b > 0):
            raise ConfigError(f"value tiers need amounts a >= b > 0, not {a}, {b}")

    def __str__(self) -> str:
        return f"{self.by}:{self.a},{self.b}"


def parse_tiers(spec: str | TierRule) -> TierRule:
    """A tier rule from its text, ``quantile:0.10,0.30`` or ``value:1000000,100000``.

    Raises
    ------
    guanxi.errors.ConfigError
        Text that is not such a rule.

    Examples
    --------
    >>> parse_tiers("quantile:0.1,0.3")
    TierRule(by='quantile', a=Decimal('0.1'), b=Decimal('0.3'))
    """
    if isinstance(spec, TierRule):
        return spec
    by, sep, rest = str(spec).strip().partition(":")
    parts = rest.split(",")
    if not sep or len(parts) != 2:
        raise ConfigError(
            f"value tiers are 'quantile:A,B' or 'value:A,B' (e.g. {defaults.VALUE_TIERS}), "
            f"not {spec!r}"
        )
    try:
        a, b = (Decimal(p.strip()) for p in parts)
    except InvalidOperation:
        raise ConfigError(f"value tiers: {rest!r} are not two numbers") from None
    if not (a.is_finite() and b.is_finite()):
        raise ConfigError(f"value tiers: {rest!r} are not two numbers")
    return TierRule(by.strip().lower(), a, b)


def _ratio(value, what: str, *, upper: Decimal | None = None) -> tuple[int, int]:
    """A non-negative decimal (text or number) as an integer ratio ``num / den``."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{what} must be a number, not {value!r}") from None
    if not d.is_finite() or d < 0 or (upper is not None and d > upper):
        bound = f" and at most {upper}" if upper is not None else ""
        raise ConfigError(f"{what} must be at least 0{bound}, not {value!r}")
    num, den = d.as_integer_ratio()
    return int(num), int(den)


def _scaled(minor: np.ndarray, num: int, den: int) -> np.ndarray:
    """``minor * num / den`` rounded half up, exactly (Python integers when the product
    could pass 63 bits)."""
    minor = np.asarray(minor, dtype=np.int64)
    if num == 0 or minor.size == 0:
        return np.zeros(minor.size, dtype=np.int64)
    if int(minor.max()) < (2**62) // max(num, 1):
        return round_half_up(minor * num, den).astype(np.int64)
    exact = round_half_up(minor.astype(object) * num, den)
    return np.asarray(exact, dtype=np.int64)


def _primary_minor(accounts: pd.DataFrame, products, column: str, reporting: Reporting):
    """``column`` of the open accounts of ``products``, converted and rounded once per
    account, summed per primary holder: (customer ids, minor units)."""
    a = contract_frame(Entity.ACCOUNTS, accounts)
    rows = np.flatnonzero(a["product"].isin(products).to_numpy(dtype=bool) & is_open(a))
    currency = text_ids(a["currency"].take(rows))
    rate, missing = reporting.rate_units(currency)
    if missing.any():
        codes = sorted(set(currency[missing].astype(str)))
        raise ConfigError(
            f"{int(missing.sum())} open account(s) are in {', '.join(codes)}, which have no "
            f"rate to {reporting.currency} in fx_rates: load fx_rates with those currencies"
        )
    minor, _ = minor_of(a[column].take(rows), reporting.digits, rate)
    holder = text_ids(a["customer_id"].take(rows))
    summed = pd.Series(minor, index=holder.to_numpy()).groupby(level=0).sum()
    return summed


def own_value(
    customers: pd.DataFrame,
    accounts: pd.DataFrame | None = None,
    *,
    credit_margin=defaults.VALUE_CREDIT_MARGIN,
    include_deposits: bool = True,
    departed: Iterable[str] = (),
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """Each customer's own value (see the module docstring), in minor units.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``aum``).
    accounts : pandas.DataFrame, optional
        Canonical accounts frame.
    credit_margin : Decimal or str, default :data:`guanxi.defaults.VALUE_CREDIT_MARGIN`
        The credit revenue proxy's margin on drawn credit (0..1).
    include_deposits : bool, default True
        Add deposits to ``aum`` (False when the bank's ``aum`` includes them).
    departed : iterable of str
        Customers who left: own value 0.
    reporting : Reporting, optional

    Returns
    -------
    pandas.DataFrame
        One row per customer, in the order of ``customers``: ``customer_id`` and the
        int64 minor units ``aum``, ``deposits``, ``credit_revenue``, ``own_value``.

    Raises
    ------
    guanxi.errors.ConfigError
        A margin outside 0..1, or an account currency without a rate.

    Examples
    --------
    >>> from guanxi.graph.schema import canonical_frame
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "aum": ["100", None]})
    >>> acc = canonical_frame(Entity.ACCOUNTS, pd.DataFrame({"account_id": ["S", "L"],
    ...     "customer_id": ["a", "b"], "product": ["savings", "loan"],
    ...     "balance": ["20", None], "outstanding": [None, "1000"]}))
    >>> own_value(cust, acc)["own_value"].tolist()
    [12000, 3000]
    """
    reporting = reporting or Reporting()
    num, den = _ratio(credit_margin, "the credit margin", upper=Decimal(1))
    ids = text_ids(customers["customer_id"])
    if "aum" in customers.columns:
        values = customers["aum"].reset_index(drop=True)
        dtype = values.dtype
        if not (isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)):
            values = decimal_column(values, ColumnKind.MONEY)  # a frame built by hand
        aum, _ = minor_of(values, reporting.digits)
    else:
        aum = np.zeros(len(ids), dtype=np.int64)
    index = pd.Index(ids)
    deposits = np.zeros(len(ids), dtype=np.int64)
    drawn = np.zeros(len(ids), dtype=np.int64)
    if accounts is not None and len(accounts):
        if include_deposits:
            dep = _primary_minor(accounts, DEPOSIT_PRODUCTS, "balance", reporting)
            pos = index.get_indexer(dep.index)
            deposits[pos[pos >= 0]] = dep.to_numpy(dtype=np.int64)[pos >= 0]
        out = _primary_minor(accounts, CREDIT_PRODUCTS, "outstanding", reporting)
        pos = index.get_indexer(out.index)
        drawn[pos[pos >= 0]] = out.to_numpy(dtype=np.int64)[pos >= 0]
    revenue = _scaled(drawn, num, den)
    gone = among(ids, {str(x) for x in departed})
    for column in (aum, deposits, revenue):
        column[gone] = 0
    return pd.DataFrame(
        {
            "customer_id": ids,
            "aum": aum,
            "deposits": deposits,
            "credit_revenue": revenue,
            "own_value": aum + deposits + revenue,
        }
    )


def referral_value(
    customers: pd.DataFrame,
    referrals: pd.DataFrame,
    own: pd.DataFrame,
    *,
    discount=defaults.REFERRAL_VALUE_DISCOUNT,
) -> pd.Series:
    """Each customer's referral value (see the module docstring), in minor units.

    Parameters
    ----------
    customers, referrals : pandas.DataFrame
        Canonical frames (the referrals must form a forest).
    own : pandas.DataFrame
        ``customer_id`` and ``own_value`` (int64 minor units), as :func:`own_value`.
    discount : Decimal or str, default :data:`guanxi.defaults.REFERRAL_VALUE_DISCOUNT`
        The weight of each further generation (0..1).

    Returns
    -------
    pandas.Series of int64
        By ``customer_id``, every customer and every id a referral names.

    Raises
    ------
    guanxi.errors.ConfigError
        A discount outside 0..1.
    guanxi.errors.InvalidInput
        Referrals that are not a forest.

    Examples
    --------
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c"]})
    >>> refs = pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["b", "c"]})
    >>> own = pd.DataFrame({"customer_id": ["a", "b", "c"], "own_value": [0, 100, 101]})
    >>> referral_value(cust, refs, own).tolist()  # a: 100 + round(0.5 * 101)
    [151, 101, 0]
    """
    num, den = _ratio(discount, "the referral value discount", upper=Decimal(1))
    forest = referral_forest(customers, referrals)
    n = forest.n
    value = np.zeros(n, dtype=np.int64)
    pos = forest.ids.get_indexer(text_ids(own["customer_id"]))
    ok = pos >= 0
    value[pos[ok]] = own["own_value"].to_numpy(dtype=np.int64)[ok]
    total = np.zeros(n, dtype=np.int64)
    if forest.referee.size:
        level, parent = forest.level, forest.parent
        order = np.argsort(level, kind="stable")
        top = int(level.max())
        bounds = np.searchsorted(level[order], np.arange(top + 2))
        for gen in range(top, 0, -1):
            child = order[bounds[gen] : bounds[gen + 1]]
            handed = value[child] + _scaled(total[child], num, den)
            np.add.at(total, parent[child], handed)
    return pd.Series(total, index=pd.Index(forest.ids, dtype="str"), name="referral_value")


def _low(values: np.ndarray, split_num: int, split_den: int) -> np.ndarray:
    """The low side of the split rule: the ``floor(split * m)`` smallest values and any
    value equal to the largest of them."""
    m = values.size
    k = (m * split_num) // split_den
    if k == 0:
        return np.zeros(m, dtype=bool)
    threshold = np.sort(values)[k - 1]
    return values <= threshold


def _percent_at_or_below(values: np.ndarray) -> np.ndarray:
    """For each value, the percentage of ``values`` at or below it (one decimal)."""
    if values.size == 0:
        return np.zeros(0)
    ranks = np.searchsorted(np.sort(values), values, side="right")
    return np.round(100.0 * ranks / values.size, 1)


def _tiers(total: np.ndarray, rule: TierRule, digits: int) -> np.ndarray:
    tier = np.full(total.size, "C", dtype=object)
    if rule.by == "value":
        a = int(rule.a.scaleb(digits).to_integral_value(rounding=ROUND_CEILING))
        b = int(rule.b.scaleb(digits).to_integral_value(rounding=ROUND_CEILING))
        tier[total >= b] = "B"
        tier[total >= a] = "A"
        tier[total <= 0] = "C"
        return tier
    valued = np.sort(total[total > 0])[::-1]
    m = valued.size
    if m == 0:
        return tier
    n_a = int((rule.a * m).to_integral_value(rounding=ROUND_CEILING))
    n_ab = int(((rule.a + rule.b) * m).to_integral_value(rounding=ROUND_CEILING))
    if n_ab > 0:
        tier[(total > 0) & (total >= valued[min(n_ab, m) - 1])] = "B"
    if n_a > 0:
        tier[(total > 0) & (total >= valued[min(n_a, m) - 1])] = "A"
    return tier


def value_tiers(
    customers: pd.DataFrame,
    accounts: pd.DataFrame | None,
    referrals: pd.DataFrame | None,
    *,
    departed: Iterable[str] = (),
    credit_margin=defaults.VALUE_CREDIT_MARGIN,
    include_deposits: bool = True,
    discount=defaults.REFERRAL_VALUE_DISCOUNT,
    tiers: str | TierRule = defaults.VALUE_TIERS,
    split=defaults.QUADRANT_SPLIT,
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """Own value, referral value, A/B/C tier and quadrant of every active customer.

    Parameters
    ----------
    customers, accounts, referrals : pandas.DataFrame
        Canonical frames (``accounts`` and ``referrals`` may be None: no rows).
    departed : iterable of str
        Customers who left (:func:`guanxi.algorithms.churn.departures`): no row, own
        value 0, their referees' value still passed up.
    credit_margin, include_deposits :
        As :func:`own_value`.
    discount :
        As :func:`referral_value`.
    tiers : str or TierRule, default :data:`guanxi.defaults.VALUE_TIERS`
        The A/B/C rule (:func:`parse_tiers`).
    split : Decimal or str, default :data:`guanxi.defaults.QUADRANT_SPLIT`
        The quadrants' split quantile (0..1).
    reporting : Reporting, optional

    Returns
    -------
    pandas.DataFrame
        One row per active customer, best first (``total_value`` descending, then
        ``customer_id``): ``customer_id``, ``value_rank`` (int64, from 1), ``tier``
        (``A``, ``B``, ``C``), ``quadrant`` (``champion``, ``affluent``, ``advocate``,
        ``miser``), the exact amounts ``aum``, ``deposits``, ``credit_revenue``,
        ``own_value``, ``referral_value``, ``total_value``, and ``own_pct`` /
        ``referral_pct`` (float64: the percentage of active customers whose value is at
        or below this one's). ``attrs`` holds the rule, discount, margin and split.

    Raises
    ------
    guanxi.errors.ConfigError
        A parameter out of range.
    guanxi.errors.InvalidInput
        Referrals that are not a forest.

    Examples
    --------
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                      "aum": ["0", "900", "50", "10"]})
    >>> refs = pd.DataFrame({"referrer_id": ["a"], "referee_id": ["b"]})
    >>> out = value_tiers(cust, None, refs, tiers="quantile:0.25,0.5")
    >>> out[["customer_id", "tier", "quadrant"]].values.tolist()
    [['a', 'A', 'advocate'], ['b', 'A', 'affluent'], ['c', 'B', 'affluent'], ['d', 'C', 'miser']]
    """
    reporting = reporting or Reporting()
    rule = parse_tiers(tiers)
    split_num, split_den = _ratio(split, "the quadrant split", upper=Decimal(1))
    gone = set(map(str, departed))
    own = own_value(
        customers,
        accounts,
        credit_margin=credit_margin,
        include_deposits=include_deposits,
        departed=gone,
        reporting=reporting,
    )
    own = own.drop_duplicates("customer_id").reset_index(drop=True)
    if referrals is None:
        referrals = pd.DataFrame(
            {"referrer_id": pd.Series([], dtype="str"), "referee_id": pd.Series([], dtype="str")}
        )
    referral = referral_value(customers, referrals, own, discount=discount)
    active = own[~among(own["customer_id"], gone)].reset_index(drop=True)
    ref = referral.reindex(pd.Index(active["customer_id"])).fillna(0).to_numpy(dtype=np.int64)
    own_minor = active["own_value"].to_numpy(dtype=np.int64)
    total = own_minor + ref
    own_high = ~_low(own_minor, split_num, split_den)
    ref_high = np.zeros(total.size, dtype=bool)
    positive = ref > 0
    ref_high[positive] = ~_low(ref[positive], split_num, split_den)
    names = np.array([QUADRANTS[(o, r)] for o in (False, True) for r in (False, True)])
    quadrant = names[own_high.astype(np.int64) * 2 + ref_high.astype(np.int64)]
    ids = active["customer_id"].to_numpy(dtype=object)
    order = np.lexsort((ids, -total)) if total.size else np.zeros(0, dtype=np.int64)
    d = reporting.digits

    def money(values: np.ndarray) -> pd.Series:
        return money_series(np.asarray(values, dtype=np.int64)[order], d)

    out = pd.DataFrame(
        {
            "customer_id": pd.Series(ids[order], dtype="str"),
            "value_rank": np.arange(1, total.size + 1, dtype=np.int64),
            "tier": pd.Series(_tiers(total, rule, d)[order], dtype="str"),
            "quadrant": pd.Series(quadrant[order], dtype="str"),
            "aum": money(active["aum"].to_numpy()),
            "deposits": money(active["deposits"].to_numpy()),
            "credit_revenue": money(active["credit_revenue"].to_numpy()),
            "own_value": money(own_minor),
            "referral_value": money(ref),
            "total_value": money(total),
            "own_pct": _percent_at_or_below(own_minor)[order],
            "referral_pct": _percent_at_or_below(ref)[order],
        }
    )
    out.attrs.update(
        tiers=str(rule),
        discount=str(discount),
        credit_margin=str(credit_margin),
        split=str(split),
    )
    return out
