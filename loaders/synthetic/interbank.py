"""Interbank counterparties: customers of kind ``bank``, some of them G-SIBs, with large loans.

Two to four banks are added as new customers (see
:mod:`~guanxi.loaders.synthetic.newcomers`), each with a current account and one
interbank loan or fully drawn credit line in the reporting currency, sized against the
demo's Tier 1 capital (:mod:`~guanxi.loaders.synthetic.capital`):

========================  =====  ==========================================
bank                      G-SIB  exposure, % of Tier 1
========================  =====  ==========================================
the first                 no     about 35: above China's 25 % interbank line
the second                yes    about 18: above Basel's 15 % line between
                                 G-SIBs, below 25 %
the third (1,000+ cust.)  yes    about 6: below every line
the fourth (1,000+)       no     about 4: below every line
========================  =====  ==========================================

No other row names a bank (no ownership, guarantee, referral, household or
dependency), so each is a single name of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.capital import SizedLoan, pct_text
from guanxi.loaders.synthetic.newcomers import Ledger
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import BANKS

__all__ = [
    "BASEL_GSIB_PCT",
    "bank_count",
    "CHINA_INTERBANK_PCT",
    "INTERBANK_SALT",
    "Interbank",
    "interbank_manifest",
    "plant_interbank",
]

#: the salt of this step's random stream (see ``BankContext.substream``)
INTERBANK_SALT = 1601
#: (index into BANKS, product, % of Tier 1) of each planted bank, in order
_PLAN = (
    (1, "loan", 35),
    (0, "credit_line", 18),
    (2, "loan", 6),
    (3, "credit_line", 4),
)
#: the lines the planted banks are placed around, in % of Tier 1
CHINA_INTERBANK_PCT = 25
BASEL_GSIB_PCT = 15


@dataclass(eq=False)
class Interbank:
    """A planted interbank counterparty.

    Attributes
    ----------
    customer_id : str
    gsib : bool
    loan : SizedLoan
        Its interbank loan (sized with the other planted loans).
    """

    customer_id: str
    gsib: bool
    loan: SizedLoan


def bank_count(size: int) -> int:
    """How many banks a bank of ``size`` customers plants.

    Examples
    --------
    >>> bank_count(500), bank_count(2000)
    (2, 4)
    """
    return 2 if size < 1000 else len(_PLAN)


def plant_interbank(ctx: BankContext, ledger: Ledger, *, size: int) -> list[Interbank]:
    """Add the interbank counterparties and their accounts to ``ledger``.

    Parameters
    ----------
    ctx : BankContext
        For the extract date and the seed (this step draws from its own stream,
        ``ctx.substream(INTERBANK_SALT)``).
    ledger : Ledger
        Receives the customers and accounts.
    size : int
        The bank's number of customers (how many banks: :func:`bank_count`).

    Returns
    -------
    list of Interbank
        The loans still have no amount (see :func:`~.capital.size_loans`).
    """
    rng = ctx.substream(INTERBANK_SALT)
    banks = []
    for index, product, pct in _PLAN[: bank_count(size)]:
        name, handle, gsib = BANKS[index]
        joined = ctx.as_of - int(rng.integers(2 * 365, 15 * 365))
        cid = ledger.bank(rng, name=name, handle=handle, gsib=gsib, joined=joined)
        balance = float(np.round(np.exp(np.log(50e6) + 0.5 * rng.normal()), 2))
        ledger.account(rng, cid, "current", opened=joined, balance=balance)
        opened = ctx.as_of - int(rng.integers(30, min(700, ctx.as_of - joined)))
        ledger.account(rng, cid, product, opened=opened)
        row = ledger.latest(Entity.ACCOUNTS)
        banks.append(Interbank(cid, gsib, SizedLoan(row, Fraction(pct, 100))))
    return banks


def interbank_manifest(banks: list[Interbank], tier1: int) -> list[dict]:
    """The manifest's ``interbank`` entries, once the loans are sized.

    Each has ``customer_id``, ``gsib``, ``exposure`` (decimal text, the reporting
    currency), ``pct_tier1`` (two decimals) and ``crosses``: whether the exposure is
    above China's interbank line (25 % of Tier 1, any bank) and Basel's line between
    G-SIBs (15 %, G-SIBs only).
    """
    out = []
    for bank in banks:
        cents = int(round(bank.loan.row["outstanding"] * 100))
        out.append(
            {
                "customer_id": bank.customer_id,
                "gsib": bank.gsib,
                "exposure": f"{cents // 100}.{cents % 100:02d}",
                "pct_tier1": pct_text(cents, tier1),
                "crosses": {
                    "china_interbank_25": cents > CHINA_INTERBANK_PCT * tier1,
                    "basel_gsib_15": bank.gsib and cents > BASEL_GSIB_PCT * tier1,
                },
            }
        )
    return out
