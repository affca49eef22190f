"""Departures: customers who left the bank, clustered around referral hubs and households.

A customer who left has ``closed_on`` (a day in the six months before the extract
date), every account it holds as primary holder closed (deposits at 0, nothing
drawn) and no assets left with the bank (``aum`` 0). Nobody else has ``closed_on``:
the planted departures are all the departures of the bank.

Planted clusters (each when the bank has the customers for it):

- ``hub_referees``: three (five from 1,000 customers on; at least two) referees of
  the first referral hub that has enough of them who may leave, leave;
- ``hub_referrer``: the customer who referred another referral hub leaves (when no
  planted hub was referred by a customer who may leave: the referrer of the customer
  with the most referees, at least three, that was);
- ``household``: one member of a household of three or more leaves (and, from 1,000
  customers on, two members of another).

Who may leave: background customers outside every planted structure, not minors,
not referral hubs or cascade roots, linked to nobody for credit (no controlling
ownership, no guarantee) and holding no account of someone else's; ``closed_on`` is
after they joined, after their last account opened and after their last referee
joined.

The customers tied to someone who left (their referrer or referee, a member of their
household, a holder of an account with them) are the *at-risk neighbours* a churn
model should rank first; :func:`at_risk_neighbours` measures them on the rows
written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.graph.schema import CREDIT_PRODUCTS, Entity
from guanxi.loaders.synthetic.accounts import Accounts
from guanxi.loaders.synthetic.households import Households
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.state import BankContext, day_iso

__all__ = ["DEPARTURES_SALT", "Departures", "at_risk_neighbours", "plant_departures"]

#: the salt of this step's random stream (see ``BankContext.substream``)
DEPARTURES_SALT = 1604
#: the departures fall within this many days before the extract date
WINDOW_DAYS = 180


@dataclass(eq=False)
class Departures:
    """The planted departures.

    Attributes
    ----------
    departed : list of dict
        ``customer_id``, ``closed_on`` (ISO), ``cluster`` and ``anchor`` (the hub or
        household the cluster is around) of each customer who left.
    """

    departed: list[dict]

    @property
    def closed_on(self) -> dict[str, str]:
        """The departure date of each customer who left, by id."""
        return {d["customer_id"]: d["closed_on"] for d in self.departed}


class _Index:
    """Customer ids to customer indices: the ids are increasing numbers, all known."""

    def __init__(self, customers: Customers):
        self.numbers = np.asarray(pc.cast(customers.cid, pa.int64()))

    def __call__(self, ids: pd.Series) -> np.ndarray:
        numbers = np.asarray(pc.cast(pa.array(ids, from_pandas=True), pa.int64()))
        return np.searchsorted(self.numbers, numbers)


def plant_departures(
    ctx: BankContext,
    customers: Customers,
    households: Households,
    accounts: Accounts,
    planted: dict,
) -> Departures:
    """Choose who left, and close their accounts in ``ctx.frames``.

    Parameters
    ----------
    ctx : BankContext
        The frames built so far (accounts and customers are updated in place); this
        step draws from ``ctx.substream(DEPARTURES_SALT)``.
    customers : Customers
        The background customers.
    households : Households
        For the household clusters.
    accounts : Accounts
        For the opening days.
    planted : dict
        The manifest so far (for the referral hubs and the cascade roots).

    Returns
    -------
    Departures
    """
    rng = ctx.substream(DEPARTURES_SALT)
    n, as_of, frames = ctx.n, ctx.as_of, ctx.frames
    _indices = _Index(customers)
    ok = ~ctx.reserved & ~customers.minor
    own = frames[Entity.OWNERSHIP]
    control = ((own["share"] > 0.5) | (own["role"] == "controller")).to_numpy(dtype=bool)
    for column in ("owner_id", "company_id"):
        ok[_indices(own.loc[control, column])] = False
    guarantees = frames[Entity.GUARANTEES]
    for column in ("guarantor_id", "borrower_id"):
        ok[_indices(guarantees[column])] = False
    ok[_indices(frames[Entity.ACCOUNT_HOLDERS]["customer_id"])] = False
    hub_ids = [h["customer_id"] for h in planted["referral_hubs"]]
    roots = [c["customer_id"] for c in planted["deep_cascades"]]
    ok[_indices(pd.Series(hub_ids + roots, dtype="str"))] = False

    referrals = frames[Entity.REFERRALS]
    referrer = _indices(referrals["referrer_id"])
    referee = _indices(referrals["referee_id"])
    floor = customers.joined.copy()
    np.maximum.at(floor, accounts.owner, accounts.opened)
    np.maximum.at(floor, referrer, customers.joined[referee])
    floor += 1
    ok &= floor <= as_of - 15

    chosen: list[tuple[int, str, str]] = []
    taken = np.zeros(n, dtype=bool)

    def take(candidates: np.ndarray, k: int, cluster: str, anchor: str, least: int = 0) -> int:
        """Take ``k`` of ``candidates`` who may leave (or as many, at least ``least``)."""
        candidates = candidates[ok[candidates] & ~taken[candidates]]
        k = min(k, len(candidates)) if least else k
        if len(candidates) < max(k, least, 1):
            return 0
        for c in rng.choice(candidates, k, replace=False):
            taken[c] = True
            chosen.append((int(c), cluster, anchor))
        return k

    big = n >= 1000
    hub_index = _indices(pd.Series(hub_ids, dtype="str"))
    for hub in hub_index:  # the first hub with two referees or more who may leave
        anchor = customers.cid_list[int(hub)]
        if take(referee[referrer == hub], 5 if big else 3, "hub_referees", anchor, least=2):
            break
    # a hub's referrer: a planted hub's first, else the referrer of the customer with
    # the most referees (at least three) among those whose referrer may leave
    direct = np.bincount(referrer, minlength=n)
    others = np.flatnonzero(direct >= 3)
    others = others[np.argsort(-direct[others], kind="stable")]
    for hub in np.concatenate([hub_index[::-1], others]).astype(np.int64):
        above = referrer[referee == hub]
        if taken[hub] or not len(above):
            continue
        if take(above, 1, "hub_referrer", customers.cid_list[int(hub)]):
            ok[hub] = False  # the hub stays
            break
    hh, member = households.household, households.member
    sizes = np.bincount(hh, minlength=households.count)
    for want in (1, 2) if big else (1,):
        for h in rng.permutation(np.flatnonzero(sizes >= 3)):
            if taken[member[hh == h]].any():
                continue
            anchor = f"household:{int(h)}"
            if take(member[hh == h], want, "household", anchor):
                break

    departed_idx = np.array([c for c, _, _ in chosen], dtype=np.int64)
    lo = np.maximum(floor[departed_idx], as_of - WINDOW_DAYS)
    days = lo + np.floor(rng.random(len(lo)) * (as_of - lo)).astype(np.int64)
    hid = frames[Entity.HOUSEHOLDS]
    departed = []
    for (c, cluster, anchor), day in zip(chosen, days, strict=True):
        if anchor.startswith("household:"):
            anchor = hid["household_id"].iloc[int(np.flatnonzero(member == c)[0])]
        departed.append(
            {
                "customer_id": customers.cid_list[c],
                "closed_on": day_iso(int(day)),
                "cluster": cluster,
                "anchor": anchor,
            }
        )
    _close(frames, accounts, departed_idx)
    return Departures(departed)


def _close(frames: dict, accounts: Accounts, departed: np.ndarray) -> None:
    """Close every account of the ``departed`` customers and empty their assets."""
    acc = frames[Entity.ACCOUNTS]
    gone = np.zeros(len(frames[Entity.CUSTOMERS]), dtype=bool)
    gone[departed] = True
    rows = gone[accounts.owner]
    if not rows.any():
        return
    credit = acc["product"].isin(CREDIT_PRODUCTS).to_numpy(dtype=bool)
    acc.loc[rows, "status"] = "closed"
    acc.loc[rows & ~credit, "balance"] = 0.0
    acc.loc[rows & credit, "outstanding"] = 0.0
    cust = frames[Entity.CUSTOMERS]
    cust.loc[gone, "aum"] = 0.0


def at_risk_neighbours(frames: dict) -> list[dict]:
    """The active customers tied to a customer who left, most ties first.

    A tie is a referral either way (``referrer``: the customer's referrer left;
    ``referee``: one of its referees left), a shared household (``household``) or a
    shared account (``joint_holder``: the primary holder and a further holder).

    Parameters
    ----------
    frames : dict of Entity to pandas.DataFrame
        The bank's frames (customers with ``closed_on``).

    Returns
    -------
    list of dict
        ``customer_id``, ``ties`` (how many customers who left it is tied to) and
        ``via`` (the kinds of tie, sorted), sorted by ``ties`` (most first) then id.
    """
    cust = frames[Entity.CUSTOMERS]
    left = set(cust.loc[cust["closed_on"].notna(), "customer_id"])
    pairs: list[pd.DataFrame] = []

    def add(a: pd.Series, b: pd.Series, via_a: str) -> None:
        pairs.append(pd.DataFrame({"who": a.to_numpy(), "gone": b.to_numpy(), "via": via_a}))

    # only the rows that touch someone who left (a few, in a bank of millions)
    ref = frames[Entity.REFERRALS]
    ref = ref[ref["referrer_id"].isin(left) | ref["referee_id"].isin(left)]
    add(ref["referee_id"], ref["referrer_id"], "referrer")
    add(ref["referrer_id"], ref["referee_id"], "referee")
    hh = frames[Entity.HOUSEHOLDS]
    hh = hh[hh["household_id"].isin(hh.loc[hh["customer_id"].isin(left), "household_id"])]
    same = hh.merge(hh, on="household_id")
    same = same[same["customer_id_x"] != same["customer_id_y"]]
    add(same["customer_id_x"], same["customer_id_y"], "household")
    acc = frames[Entity.ACCOUNTS]
    holders = frames[Entity.ACCOUNT_HOLDERS]
    theirs = set(acc.loc[acc["customer_id"].isin(left), "account_id"])
    holders = holders[holders["customer_id"].isin(left) | holders["account_id"].isin(theirs)]
    holders = holders.merge(
        acc.loc[acc["account_id"].isin(set(holders["account_id"])), ["account_id", "customer_id"]],
        on="account_id",
        suffixes=("", "_primary"),
    )
    add(holders["customer_id"], holders["customer_id_primary"], "joint_holder")
    add(holders["customer_id_primary"], holders["customer_id"], "joint_holder")
    ties = pd.concat(pairs, ignore_index=True)
    ties = ties[ties["gone"].isin(left) & ~ties["who"].isin(left)]
    out = []
    for who, rows in ties.groupby("who", sort=True):
        out.append(
            {
                "customer_id": str(who),
                "ties": int(rows["gone"].nunique()),
                "via": sorted(set(rows["via"])),
            }
        )
    out.sort(key=lambda r: (-r["ties"], r["customer_id"]))
    return out
