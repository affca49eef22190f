"""Accounts and their other holders.

About 2.4 accounts per customer (companies and the wealthier segments more, minors
one or two savings accounts), deposit and credit products, amounts scaled by segment,
~7% closed; a customer's first account is a current account (or savings), opened when
the customer joined. The planted accounts follow the background ones and are always
open.

Account holders besides the primary one: spouses joint on mortgages, loans and current
accounts, supplementary cards for spouses, legal representatives authorized on company
current accounts, and the planted joint mortgages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.columns import contract_frame, date_text, id_text, pick
from guanxi.loaders.synthetic.draws import weighted_choice
from guanxi.loaders.synthetic.households import Households
from guanxi.loaders.synthetic.ownership import Control
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.planted import Plan
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import (
    AFFLUENT,
    CARD,
    CORPORATE,
    CURRENCIES,
    CURRENT,
    LINE,
    LOAN,
    MORTGAGE,
    N_DEPOSIT,
    OVERDRAFT,
    PRIVATE,
    PRODUCTS,
    SAVINGS,
    TERM,
    WEALTH,
)

__all__ = ["Accounts", "draw_account_holders", "draw_accounts"]


@dataclass(eq=False)
class Accounts:
    """The accounts drawn, by account index (background accounts first, then planted).

    Attributes
    ----------
    owner : numpy.ndarray of int
        The primary holder (customer index).
    product : numpy.ndarray of int
        Index into ``PRODUCTS``.
    opened : numpy.ndarray of int
        Opening day, days since 1970-01-01.
    limit : numpy.ndarray of float
        Credit limit (NaN for deposits).
    aid : pyarrow.Array
        The account ids.
    n_background : int
        The accounts before this index are background accounts; planted account ``i``
        of the :class:`~guanxi.loaders.synthetic.planted.Plan` is ``n_background + i``.
    """

    owner: np.ndarray
    product: np.ndarray
    opened: np.ndarray
    limit: np.ndarray
    aid: pa.Array
    n_background: int


def draw_accounts(ctx: BankContext, customers: Customers, plan: Plan) -> Accounts:
    """Draw the ``accounts`` file (added to ``ctx.frames``).

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed; the frame is stored in ``ctx.frames``.
    customers : Customers
        Profiles drawn.
    plan : Plan
        The planted accounts.

    Returns
    -------
    Accounts
    """
    rng, n, comp = ctx.rng, ctx.n, customers.is_company
    seg = customers.segment
    minor = customers.minor
    count = np.where(
        comp,
        1 + rng.poisson(1.6, n) + (seg == CORPORATE),
        1 + rng.poisson(1.0, n) + (seg == AFFLUENT) + 2 * (seg == PRIVATE),
    )
    count = np.where(minor, 1 + (rng.random(n) < 0.25), count)
    owner = np.repeat(np.arange(n), count)
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    m = len(owner)
    o_comp, o_minor = comp[owner], minor[owner]
    product = np.where(
        o_comp,
        np.array([CURRENT, SAVINGS, TERM, WEALTH, LOAN, MORTGAGE, CARD, OVERDRAFT, LINE])[
            weighted_choice(rng, m, (0.28, 0.06, 0.12, 0.06, 0.18, 0.02, 0.05, 0.1, 0.13))
        ],
        np.array([CURRENT, SAVINGS, TERM, WEALTH, LOAN, MORTGAGE, CARD, OVERDRAFT, LINE])[
            weighted_choice(rng, m, (0.24, 0.24, 0.1, 0.08, 0.06, 0.07, 0.17, 0.02, 0.02))
        ],
    )
    product = np.where(o_minor, np.where(rng.random(m) < 0.6, SAVINGS, TERM), product)
    product = np.where(first, np.where(o_comp | (rng.random(m) < 0.7), CURRENT, SAVINGS), product)
    joined = customers.joined[owner]
    opened = joined + np.floor(rng.random(m) * (ctx.as_of - joined)).astype(np.int64)
    opened = np.where(first, joined, opened)
    closed = rng.random(m) < 0.07
    n_background = m

    # planted accounts go last, always open
    owner = np.concatenate([owner, np.array(plan.acc_owner, dtype=np.int64)])
    product = np.concatenate([product, np.array(plan.acc_product, dtype=np.int64)])
    opened = np.concatenate([opened, np.array(plan.acc_opened, dtype=np.int64)])
    closed = np.concatenate([closed, np.zeros(len(plan.acc_owner), dtype=bool)])
    m = len(owner)
    o_comp, o_seg = comp[owner], seg[owner]
    is_credit = product >= N_DEPOSIT

    dep_base = np.where(
        o_comp[:, None],
        np.array([300e3, 500e3, 1e6, 2e6]),
        np.array([6e3, 20e3, 60e3, 150e3]),
    )
    dep_scale = np.array([1.0, 5.0, 30.0, 1.0, 12.0])[o_seg]
    dep_idx = np.minimum(product, N_DEPOSIT - 1)
    balance = dep_base[np.arange(m), dep_idx] * dep_scale * np.exp(rng.standard_normal(m))
    balance = np.where(closed, 0.0, np.round(balance, 2))
    balance[is_credit] = np.nan

    cred_base = np.where(
        o_comp[:, None],
        np.array([3e6, 5e6, 100e3, 500e3, 8e6]),
        np.array([150e3, 1.2e6, 30e3, 20e3, 200e3]),
    )
    cred_scale = np.array([1.0, 2.5, 8.0, 1.0, 10.0])[o_seg]
    cred_idx = np.maximum(product - N_DEPOSIT, 0)
    limit = cred_base[np.arange(m), cred_idx] * cred_scale * np.exp(0.6 * rng.standard_normal(m))
    limit = np.maximum(np.round(limit, -3), 1000.0)
    frac = np.select(
        [product == LOAN, product == MORTGAGE, product == CARD, product == OVERDRAFT],
        [rng.beta(3, 2, m), rng.beta(3, 2, m), rng.beta(1, 3, m), rng.beta(1, 2.5, m)],
        default=rng.beta(1.2, 1.8, m),
    )
    over = ((product == CARD) | (product == OVERDRAFT)) & (rng.random(m) < 0.02)
    frac = np.where(over, rng.uniform(1.0, 1.06, m), frac)
    outstanding = np.where(closed, 0.0, np.round(limit * frac, 2))
    limit[~is_credit] = np.nan
    outstanding[~is_credit] = np.nan
    ccf_value = np.array([0.2, 0.5, 1.0])[rng.integers(0, 3, m)]
    revolving = (product == CARD) | (product == OVERDRAFT) | (product == LINE)
    has_ccf = np.where(revolving, rng.random(m) < 0.25, is_credit & (rng.random(m) < 0.04))
    ccf = np.where(has_ccf, np.where(revolving, ccf_value, 1.0), np.nan)

    currency = np.where(
        o_comp,
        weighted_choice(rng, m, (0.85, 0.1, 0.02, 0.03)),
        weighted_choice(rng, m, (0.95, 0.03, 0.02, 0)),
    )
    currency[product == MORTGAGE] = 0
    numbers = np.cumsum(rng.integers(1, 4, m)) + int(rng.integers(0, 1000))
    width = max(9, len(str(int(numbers[-1]))))
    aid = id_text("A", numbers, width)
    ctx.frames[Entity.ACCOUNTS] = contract_frame(
        Entity.ACCOUNTS,
        {
            "account_id": aid,
            "customer_id": customers.cid.take(pa.array(owner)),
            "product": pick(PRODUCTS, product),
            "balance": balance,
            "credit_limit": limit,
            "outstanding": outstanding,
            "ccf": ccf,
            "currency": pick(CURRENCIES, currency),
            "opened_on": date_text(opened),
            "status": pick(("open", "closed"), closed.astype(np.int64)),
        },
    )
    return Accounts(
        owner=owner, product=product, opened=opened, limit=limit, aid=aid, n_background=n_background
    )


def draw_account_holders(
    ctx: BankContext,
    customers: Customers,
    households: Households,
    accounts: Accounts,
    control: Control,
    plan: Plan,
) -> None:
    """Draw the ``account_holders`` file (added to ``ctx.frames``), sorted by account.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed; the frame is stored in ``ctx.frames``.
    customers : Customers
        For the ids and who is a company.
    households : Households
        For the spouses.
    accounts : Accounts
        The accounts drawn.
    control : Control
        For the legal representatives of companies.
    plan : Plan
        The planted joint holders.
    """
    rng = ctx.rng
    m = accounts.n_background
    owner, product = accounts.owner[:m], accounts.product[:m]
    partner = households.partner[owner]
    u = rng.random(m)
    p_joint = np.select(
        [product == MORTGAGE, product == LOAN, (product == CURRENT) | (product == SAVINGS)],
        [0.6, 0.25, 0.12],
        default=0.0,
    )
    has_partner = partner >= 0
    joint = has_partner & (u < p_joint)
    supplementary = has_partner & (product == CARD) & (u < 0.15)
    company_current = customers.is_company[owner] & (product == CURRENT) & (u < 0.15)
    rep = control.legal_rep[owner]
    authorized_rep = company_current & (rep >= 0)
    planted_joint = np.array(plan.acc_joint, dtype=np.int64)
    parts = [  # (accounts, holders, role: 0 joint, 1 authorized)
        (np.flatnonzero(joint), partner[joint], 0),
        (np.flatnonzero(supplementary), partner[supplementary], 1),
        (np.flatnonzero(authorized_rep), rep[authorized_rep], 1),
        (m + np.flatnonzero(planted_joint >= 0), planted_joint[planted_joint >= 0], 0),
    ]
    acc = np.concatenate([a for a, _, _ in parts])
    holder = np.concatenate([h for _, h, _ in parts])
    role = np.concatenate([np.full(len(a), r, dtype=np.int64) for a, _, r in parts])
    order = np.argsort(acc, kind="stable")
    acc, holder, role = acc[order], holder[order], role[order]
    ctx.frames[Entity.ACCOUNT_HOLDERS] = contract_frame(
        Entity.ACCOUNT_HOLDERS,
        {
            "account_id": accounts.aid.take(pa.array(acc)),
            "customer_id": customers.cid.take(pa.array(holder)),
            "role": pick(("joint", "authorized"), role),
        },
    )
