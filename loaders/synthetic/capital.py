"""Exact credit exposure of the synthetic bank, its demo Tier 1 capital, and loans sized to it.

Some planted structures are defined against the Tier 1 capital: an interbank
counterparty above 25 % of it, a group that grows across 10 % between two month-ends.
The capital is the demo's rule (``demo_tier1_capital`` of the CLI): 10 % of the bank's
total credit exposure, rounded to a million, at least a million. Since the planted
loans are part of that exposure, :func:`size_loans` solves for the capital and the
loans together.

Exposure is computed exactly as the data contract defines it, in integers, from the
amounts *as written* (two decimals for money, four for ``ccf``: the writer rounds the
same way, see :mod:`~guanxi.loaders.synthetic.writing`): per open credit account,
``outstanding + ccf * max(credit_limit - outstanding, 0)`` (``ccf`` 1 when missing),
converted to the reporting currency at the rates of
:data:`~guanxi.loaders.synthetic.vocabulary.FX_RATES` and rounded once to the cent,
half up (``guanxi.money``'s rule); totals are exact sums of those cents.

Examples
--------
>>> import pandas as pd
>>> accounts = pd.DataFrame({
...     "product": ["loan", "credit_line", "current", "loan"],
...     "credit_limit": [100.0, 200.0, float("nan"), 10.0],
...     "outstanding": [40.0, 50.0, float("nan"), 10.0],
...     "ccf": [float("nan"), 0.5, float("nan"), float("nan")],
...     "currency": ["CNY", "USD", "CNY", "CNY"],
...     "status": ["open", "open", "open", "closed"],
... })
>>> account_exposure_cents(accounts).tolist()  # 100.00; 125 USD = 890.44 CNY
[10000, 89044, 0, 0]
>>> demo_tier1(123_456_789_00), demo_tier1(0)
(12000000, 1000000)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.graph.schema import CREDIT_PRODUCTS
from guanxi.loaders.synthetic.vocabulary import FX_RATES, REPORTING_CURRENCY

__all__ = [
    "SizedLoan",
    "account_exposure_cents",
    "demo_tier1",
    "exposure_of",
    "pct_text",
    "rate_units",
    "size_loans",
]

#: rates are held in ten-thousandths of the reporting currency
RATE_SCALE = 10**4
_CENTS = 100
_CCF_SCALE = 10**4
#: an exposure before conversion is in millionths (cents times ccf's ten-thousandths)
_SPLIT = 10**8


def rate_units(currency: pd.Series) -> np.ndarray:
    """The rate of each currency in ten-thousandths of the reporting currency.

    A missing currency is the reporting currency (rate 1).

    Raises
    ------
    KeyError
        For a currency with no rate (a bug in the generator, never a user error).

    Examples
    --------
    >>> import pandas as pd
    >>> rate_units(pd.Series(["CNY", "USD", None])).tolist()
    [10000, 71235, 10000]
    """
    table = {REPORTING_CURRENCY: RATE_SCALE}
    table.update({c: int(Decimal(r) * RATE_SCALE) for c, r in FX_RATES.items()})
    codes = pc.cast(pa.array(currency, from_pandas=True), pa.string())
    codes = pc.fill_null(codes, REPORTING_CURRENCY)
    index = pc.index_in(codes, value_set=pa.array(list(table), pa.string()))
    if index.null_count:
        unknown = codes.filter(pc.is_null(index)).unique().to_pylist()
        raise KeyError(f"no rate for {', '.join(unknown)}")
    return np.array(list(table.values()), dtype=np.int64)[index.to_numpy(zero_copy_only=False)]


def _units(values: pd.Series, scale: int, missing: int) -> np.ndarray:
    v = values.to_numpy(dtype=np.float64)
    absent = np.isnan(v)
    return np.where(absent, missing, np.round(np.where(absent, 0.0, v) * scale)).astype(np.int64)


def account_exposure_cents(accounts: pd.DataFrame) -> np.ndarray:
    """The credit exposure of every account, in cents of the reporting currency.

    Parameters
    ----------
    accounts : pandas.DataFrame
        An accounts frame as the generator holds it (money as float64, text as str).

    Returns
    -------
    numpy.ndarray of int64
        One value per row; 0 for deposit-side and closed accounts.
    """
    status = accounts["status"]
    credit = accounts["product"].isin(CREDIT_PRODUCTS).to_numpy(dtype=bool) & (
        status.isna() | (status == "open")
    ).to_numpy(dtype=bool)
    out = _units(accounts["outstanding"], _CENTS, 0)
    limit = _units(accounts["credit_limit"], _CENTS, 0)
    ccf = _units(accounts["ccf"], _CCF_SCALE, _CCF_SCALE)
    exposure = out * _CCF_SCALE + ccf * np.maximum(limit - out, 0)
    rate = rate_units(accounts["currency"])
    high, low = np.divmod(exposure, _SPLIT)
    cents = high * rate + (low * rate + _SPLIT // 2) // _SPLIT
    return np.where(credit, cents, 0)


def exposure_of(
    accounts: pd.DataFrame, holders: pd.DataFrame, members: set[str] | frozenset[str]
) -> int:
    """The exposure of a set of customers, in cents: every account one of them holds,
    as primary holder or through ``account_holders``, counted once.

    Examples
    --------
    >>> import pandas as pd
    >>> accounts = pd.DataFrame({"account_id": ["A1", "A2"], "customer_id": ["1", "2"],
    ...     "product": ["loan", "loan"], "credit_limit": [5.0, 7.0],
    ...     "outstanding": [5.0, 7.0], "ccf": [float("nan")] * 2,
    ...     "currency": ["CNY", "CNY"], "status": ["open", "open"]})
    >>> holders = pd.DataFrame({"account_id": ["A2"], "customer_id": ["1"]})
    >>> exposure_of(accounts, holders, {"1"}), exposure_of(accounts, holders, {"2"})
    (1200, 700)
    """
    held = set(holders.loc[holders["customer_id"].isin(members), "account_id"])
    rows = accounts["customer_id"].isin(members) | accounts["account_id"].isin(held)
    return int(account_exposure_cents(accounts[rows]).sum())


def demo_tier1(total_cents: int) -> int:
    """The demo's Tier 1 capital for a total exposure: 10 % of it, rounded to a million
    (half to even, as Python's ``round``), at least a million; in whole units.

    Examples
    --------
    >>> demo_tier1(45_000_000_00), demo_tier1(55_000_000_00), demo_tier1(65_000_000_01)
    (4000000, 6000000, 7000000)
    """
    millions = round(Fraction(total_cents, _CENTS * 10 * 10**6))
    return max(int(millions) * 10**6, 10**6)


def pct_text(cents: int, tier1: int) -> str:
    """``cents`` as a percentage of ``tier1`` (whole units), two decimals, half up.

    Examples
    --------
    >>> pct_text(2_500_000_00, 10_000_000), pct_text(1, 3)
    ('25.00', '0.33')
    """
    pct = Decimal(cents) / Decimal(tier1)  # cents / units = percent
    return str(pct.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(eq=False)
class SizedLoan:
    """A planted loan whose amount is a fraction of the Tier 1 capital.

    Attributes
    ----------
    row : dict
        The account's row (a :class:`~guanxi.loaders.synthetic.newcomers.Ledger` row):
        its ``credit_limit`` and ``outstanding`` are set, fully drawn, so its exposure
        is the amount whatever the ``ccf``.
    fraction : Fraction
        The amount as a fraction of the capital, before rounding to a thousand.
    """

    row: dict
    fraction: Fraction

    def set_amount(self, tier1: int) -> int:
        """Set the loan to ``fraction * tier1`` rounded to a thousand; returns it."""
        amount = int(round(self.fraction * tier1 / 1000)) * 1000
        self.row["credit_limit"] = float(amount)
        self.row["outstanding"] = float(amount)
        return amount


def size_loans(fixed_cents: int, loans: list[SizedLoan]) -> int:
    """Size ``loans`` against the capital they are part of; returns that capital.

    The capital is the :func:`demo_tier1` of ``fixed_cents`` (every other exposure)
    plus the loans; the loans are fractions of the capital. The fixed point is found
    by iteration (each step moves the capital by a tenth of the loans' share, so it
    settles in a few steps); the capital returned is always the demo rule applied to
    the loans as set.

    Parameters
    ----------
    fixed_cents : int
        The exposure of everything but ``loans``.
    loans : list of SizedLoan
        Their rows are updated.

    Returns
    -------
    int
        The Tier 1 capital, in whole units.

    Examples
    --------
    >>> loans = [SizedLoan({}, Fraction(35, 100)), SizedLoan({}, Fraction(18, 100))]
    >>> tier1 = size_loans(900_000_000_00, loans)
    >>> tier1, [loan.row["outstanding"] for loan in loans]
    (95000000, [33250000.0, 17100000.0])
    """
    share = sum((loan.fraction for loan in loans), Fraction(0))
    guess = Fraction(fixed_cents, _CENTS) / 10 / (1 - share / 10)
    tier1 = demo_tier1(int(guess * _CENTS))
    for _ in range(50):
        total = fixed_cents + sum(loan.set_amount(tier1) for loan in loans) * _CENTS
        settled = demo_tier1(total)
        if settled == tier1:
            break
        tier1 = settled
    total = fixed_cents + sum(loan.set_amount(tier1) for loan in loans) * _CENTS
    return demo_tier1(total)
