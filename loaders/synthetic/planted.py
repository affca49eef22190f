"""The planted structures the analyses must find, and the ``planted.json`` manifest.

:func:`plant_structures` reserves the customers of the guarantee circles and control
groups and plans their rows (extra accounts, ownership, guarantees) before the
background rows are drawn; the account, ownership and guarantee steps then write the
planned rows after their own. The referral hubs and deep cascades are planted by
:mod:`guanxi.loaders.synthetic.referrals`, the shared contacts by
:mod:`guanxi.loaders.synthetic.contacts`. :func:`manifest` lists them all.

What is planted (and listed in ``planted.json``)
------------------------------------------------
- ``control_groups``: a person controlling company A (share > 0.5 or role
  ``controller``), A controlling B, B controlling C (3-4 companies), sometimes a second
  subsidiary of A, sometimes an outside company guaranteeing the last company's loan,
  the person guaranteeing A's loan, and the person's spouse jointly holding a mortgage
  with the person (the first group has all three). One group per 400 customers, at
  most 2,500. The guarantees run from 2020-01-01 to 2035-12-31 (widened when ``as_of``
  is outside 2025-2030), so the group holds on any analysis date in between.
- ``guarantee_circles``: triangles and 4-cycles (A -> B -> C -> A) and, from 1,000
  customers on, two larger circles (5-8 companies) with an inner chord; same validity
  window. They are exactly the strongly connected sets of the guarantee graph.
- ``referral_hubs``: early-joining adults with 30-200 direct referees (scaled down for
  small banks), each more than any other customer; ``direct`` is counted from the
  written referrals.
- ``deep_cascades``: referral chains of depth >= 8 with side branches; ``depth`` is
  measured on the written referrals.
- ``shared_contacts``: 2-4 otherwise unrelated customers (in no household and no other
  planted structure) sharing a phone, email, address or id number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from guanxi.loaders.synthetic.draws import ReservedPool
from guanxi.loaders.synthetic.households import Households
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import LINE, LOAN, MORTGAGE

__all__ = ["Plan", "manifest", "plant_structures"]


@dataclass
class Plan:
    """Rows of the planted structures, by customer index, before ids are assigned.

    Attributes
    ----------
    acc_owner, acc_product, acc_opened, acc_joint : list of int
        The planted accounts (written after the background accounts, always open):
        owner, product, opening day, and joint holder (-1 for none).
    own : list of tuple
        Ownership rows: (owner, company, share or NaN, role).
    guar : list of tuple
        Guarantees (guarantor, borrower, planted account number), valid over the
        context's whole ``window``.
    control_groups, circles : list of list of int
        The customers of each control group and guarantee circle.
    companies : set of int
        The companies whose ownership is planted (no background ownership is drawn
        for them).

    Examples
    --------
    >>> plan = Plan()
    >>> plan.account(7, 4, 19000), plan.account(8, 5, 19001, joint=9)
    (0, 1)
    >>> plan.acc_joint
    [-1, 9]
    """

    acc_owner: list[int] = field(default_factory=list)
    acc_product: list[int] = field(default_factory=list)
    acc_opened: list[int] = field(default_factory=list)
    acc_joint: list[int] = field(default_factory=list)
    own: list[tuple[int, int, float, str]] = field(default_factory=list)
    guar: list[tuple[int, int, int]] = field(default_factory=list)
    control_groups: list[list[int]] = field(default_factory=list)
    circles: list[list[int]] = field(default_factory=list)
    companies: set[int] = field(default_factory=set)

    def account(self, owner: int, product: int, opened: int, joint: int = -1) -> int:
        """Plan an account; returns its number among the planted accounts."""
        self.acc_owner.append(owner)
        self.acc_product.append(product)
        self.acc_opened.append(opened)
        self.acc_joint.append(joint)
        return len(self.acc_owner) - 1


def plant_structures(ctx: BankContext, customers: Customers, households: Households) -> Plan:
    """Reserve and plan the guarantee circles and control groups.

    Companies that joined at least 180 days before the planted guarantees start are
    taken first, so the planted credit can open before the window.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed and its ``reserved`` updated.
    customers : Customers
        Profiles drawn.
    households : Households
        For the spouses (joint mortgages).

    Returns
    -------
    Plan
    """
    rng, n = ctx.rng, ctx.n
    is_company, minor, joined = customers.is_company, customers.minor, customers.joined
    partner = households.partner
    plan = Plan()
    start, _ = ctx.window
    # companies that joined before the planted guarantees start come first
    early = is_company & (joined <= start - 180)
    late = is_company & ~early
    company_pool = ReservedPool(
        np.concatenate(
            [rng.permutation(np.flatnonzero(early)), rng.permutation(np.flatnonzero(late))]
        ),
        ctx.reserved,
        rng,
        shuffle=False,
    )
    adults = np.flatnonzero(~is_company & ~minor)
    couples = adults[(partner[adults] >= 0) & ~minor[np.maximum(partner[adults], 0)]]
    person_pool = ReservedPool(adults, ctx.reserved, rng)
    couple_pool = ReservedPool(couples, ctx.reserved, rng)

    def opened_before(c: int) -> int:
        lo = int(joined[c])
        hi = max(lo + 1, min(start - 30, ctx.as_of))
        return int(rng.integers(lo, hi))

    def credit_for(c: int) -> int:
        product = LINE if rng.random() < 0.3 else LOAN
        return plan.account(c, product, opened_before(c))

    # guarantee circles: a couple of large ones with an inner chord, then triangles
    n_circles = 1 if n < 200 else min(40, 2 + n // 1000)
    for k in range(n_circles):
        if k < 2 and n >= 1000:
            size = int(rng.integers(5, 9))
        elif n < 200:
            size = 3
        else:
            size = 3 if rng.random() < 0.7 else 4
        members = company_pool.take(size)
        if members is None:
            break
        edges = [(members[i], members[(i + 1) % size]) for i in range(size)]
        if size >= 5:
            edges.append((members[0], members[size // 2]))
        for g, b in edges:
            plan.guar.append((g, b, credit_for(b)))
        plan.circles.append(members)

    # control groups: person -> A -> B -> C (-> D), with extras (all in the first)
    n_groups = max(1, min(n // 400, 2500))
    for k in range(n_groups):
        with_spouse = k == 0 or rng.random() < 0.5
        got = (couple_pool if with_spouse else person_pool).take(1)
        if got is None:
            got = person_pool.take(1)
            with_spouse = False
        if got is None:
            break
        boss = got[0]
        depth = int(rng.integers(3, 5))
        chain = company_pool.take(depth) or company_pool.take(3)
        if chain is None:
            ctx.reserved[boss] = False
            break
        group = [boss, *chain]
        plan.companies.update(chain)
        if rng.random() < 0.3:
            plan.own.append((boss, chain[0], np.nan, "controller"))
            plan.own.append(
                (boss, chain[0], float(np.round(rng.uniform(0.1, 0.45), 4)), "shareholder")
            )
        else:
            plan.own.append(
                (boss, chain[0], float(np.round(rng.uniform(0.51, 1.0), 4)), "shareholder")
            )
        subsidiaries = list(zip(chain[:-1], chain[1:], strict=True))
        if rng.random() < 0.5:
            extra = company_pool.take(1)
            if extra is not None:
                subsidiaries.append((chain[0], extra[0]))
                plan.companies.add(extra[0])
                group.append(extra[0])
        for parent, child in subsidiaries:
            plan.own.append(
                (parent, child, float(np.round(rng.uniform(0.51, 1.0), 4)), "shareholder")
            )
        if k == 0 or rng.random() < 0.5:
            outside = company_pool.take(1)
            if outside is not None:
                plan.guar.append((outside[0], chain[-1], credit_for(chain[-1])))
                group.append(outside[0])
        if k == 0 or rng.random() < 0.5:
            plan.guar.append((boss, chain[0], credit_for(chain[0])))
        spouse = int(partner[boss])
        if with_spouse and spouse >= 0 and not ctx.reserved[spouse]:
            ctx.reserved[spouse] = True
            opened = int(rng.integers(max(joined[boss], joined[spouse]), ctx.as_of))
            plan.account(boss, MORTGAGE, opened, joint=spouse)
            group.append(spouse)
        plan.control_groups.append(group)

    # minority shareholders, directors and legal representatives of planted companies
    own_share: dict[int, float] = {}
    for _owner, company, share, _role in plan.own:
        if not np.isnan(share):
            own_share[company] = own_share.get(company, 0.0) + share
    planted_companies = sorted(plan.companies)
    for company in planted_companies:
        left = 1.0 - own_share.get(company, 0.0)
        if left > 0.06 and rng.random() < 0.7:
            holder = int(adults[rng.integers(0, len(adults))])
            share = float(np.floor(rng.uniform(0.05, min(0.49, left)) * 1e4) / 1e4)
            plan.own.append((holder, company, share, "shareholder"))
        rep = int(adults[rng.integers(0, len(adults))])
        plan.own.append((rep, company, np.nan, "legal_representative"))
        for d in rng.integers(0, len(adults), int(rng.integers(1, 4))):
            plan.own.append((int(adults[d]), company, np.nan, "director"))
    return plan


def manifest(
    ctx: BankContext,
    customers: Customers,
    plan: Plan,
    *,
    referral_hubs: list[dict],
    deep_cascades: list[dict],
    shared_contacts: list[dict],
) -> dict:
    """The ``planted.json`` manifest: the bank's header and every planted structure.

    Parameters
    ----------
    ctx : BankContext
        For the seed, size and extract date.
    customers : Customers
        For the customer ids.
    plan : Plan
        The control groups and guarantee circles.
    referral_hubs, deep_cascades, shared_contacts : list of dict
        As measured on the written rows by the referral and shared-contact steps.

    Returns
    -------
    dict
        Keys ``seed``, ``customers``, ``as_of``, ``control_groups``,
        ``guarantee_circles``, ``referral_hubs``, ``deep_cascades``,
        ``shared_contacts``, in this order; groups list sorted customer ids.
    """
    cid = customers.cid_list
    return {
        "seed": ctx.seed,
        "customers": ctx.n,
        "as_of": ctx.as_of_text,
        "control_groups": [sorted(cid[i] for i in g) for g in plan.control_groups],
        "guarantee_circles": [sorted(cid[i] for i in c) for c in plan.circles],
        "referral_hubs": referral_hubs,
        "deep_cascades": deep_cascades,
        "shared_contacts": shared_contacts,
    }
