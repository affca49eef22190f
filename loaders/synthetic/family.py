"""Family control: households whose members each control a company of their own.

Under the China preset (the 2010 group-client guideline's close-family criterion),
companies controlled by members of one household (spouse, parent, child) form one
group; under the other presets each member and its companies are a group apart.

Planted, all as new customers (see :mod:`~guanxi.loaders.synthetic.newcomers`) linked
to nothing else: 2 households (below 1,000 customers) or 3, each of a head, a spouse
and an adult child or a parent of the head, each member controlling a company of its
own (by a majority share; the spouse as ``controller``; the head of the second
household two companies); the first household also has a minor child who controls
nothing, and so is in no group. Below 200 customers, one household of a head and a
spouse (each with a company) and a minor child. Each controller is its companies'
legal representative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from guanxi.loaders.synthetic.newcomers import Ledger
from guanxi.loaders.synthetic.state import BankContext

__all__ = ["FAMILY_SALT", "FamilyControl", "customer_count", "plant_family_control"]

#: the salt of this step's random stream (see ``BankContext.substream``)
FAMILY_SALT = 1603
_YEAR = 365.25


@dataclass(eq=False)
class FamilyControl:
    """A planted household of controllers.

    Attributes
    ----------
    household_id : str
    controllers : list of dict
        ``customer_id``, ``role`` (in the household) and ``companies`` (ids) of each
        member who controls companies.
    bystanders : list of str
        Members who control nothing (in no group).
    """

    household_id: str
    controllers: list[dict]
    bystanders: list[str]

    def manifest(self) -> dict:
        """The entry of the manifest's ``family_control``: the fields above and
        ``group``, the sorted ids of the group the China preset forms."""
        members = {c["customer_id"] for c in self.controllers}
        members |= {co for c in self.controllers for co in c["companies"]}
        return {
            "household_id": self.household_id,
            "controllers": self.controllers,
            "bystanders": self.bystanders,
            "group": sorted(members),
        }


#: the planted households: (role in the household, companies it controls) per member;
#: a member controlling no company is a minor child, in no group
_HOUSEHOLDS = (
    (("head", 1), ("spouse", 1), ("child", 1), ("child", 0)),
    (("head", 2), ("spouse", 1), ("parent", 1)),
    (("head", 1), ("spouse", 1), ("child", 1)),
)
#: below 200 customers, one smaller household
_SMALL = ((("head", 1), ("spouse", 1), ("child", 0)),)


def _households(size: int) -> tuple[tuple[tuple[str, int], ...], ...]:
    return _SMALL if size < 200 else _HOUSEHOLDS[: 2 if size < 1000 else 3]


def customer_count(size: int) -> int:
    """How many customers (members and companies) family control plants in a bank of
    ``size`` customers.

    Examples
    --------
    >>> customer_count(100), customer_count(500), customer_count(2000)
    (5, 14, 20)
    """
    return sum(len(h) + sum(k for _, k in h) for h in _households(size))


def plant_family_control(ctx: BankContext, ledger: Ledger, *, size: int) -> list[FamilyControl]:
    """Add the planted households, their companies and the control rows to ``ledger``.

    Parameters
    ----------
    ctx : BankContext
        For the extract date and the seed (this step draws from
        ``ctx.substream(FAMILY_SALT)``).
    ledger : Ledger
        Receives the persons, the households, the companies and their rows.
    size : int
        The bank's number of customers (how many households: :func:`customer_count`).

    Returns
    -------
    list of FamilyControl
    """
    rng = ctx.substream(FAMILY_SALT)
    as_of = ctx.as_of
    planted = []
    for plan in _households(size):
        head_age = float(rng.uniform(48, 62))
        ages = {
            "head": head_age,
            "spouse": head_age + float(rng.normal(0, 3)),
            "child": head_age - float(rng.uniform(24, 28)),
            "parent": head_age + float(rng.uniform(24, 30)),
        }
        members = []
        for role, companies in plan:
            age = ages[role] if companies else float(rng.uniform(8, 15))
            born = as_of - int(age * _YEAR)
            earliest = max(born + int(18 * _YEAR), as_of - 20 * 365) if age >= 18 else born + 30
            joined = int(rng.integers(earliest, as_of - 200))
            cid = ledger.person(rng, joined=joined, born=born, segment="affluent")
            balance = float(np.round(np.exp(np.log(200e3) + rng.normal()), 2))
            ledger.account(rng, cid, "current", opened=joined, balance=balance)
            members.append((cid, role, companies))
        hid = ledger.household(rng, [(cid, role) for cid, role, _ in members])
        controllers, bystanders = [], []
        for cid, role, count in members:
            if not count:
                bystanders.append(cid)
                continue
            owned = []
            for _ in range(count):
                joined = as_of - int(rng.integers(400, 15 * 365))
                company, _ = ledger.firm(rng, joined=joined, as_of=as_of, representative=cid)
                if role == "spouse":  # the actual controller, with no majority share
                    ledger.own(cid, company, None, "controller")
                else:
                    share = float(np.round(rng.uniform(0.51, 0.9), 4))
                    ledger.own(cid, company, share, "shareholder")
                owned.append(company)
            controllers.append({"customer_id": cid, "role": role, "companies": owned})
        planted.append(FamilyControl(hid, controllers, bystanders))
    return planted
