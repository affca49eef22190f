"""Guarantees: owners for their companies, companies for each other, persons for persons.

About 0.08 guarantees per customer on background credit (65% company loans, lines and
overdrafts, 35% personal loans and mortgages), each valid one to six years from a day
after the account opened, so some have expired by ``as_of``. A company's controlling
person guarantees its loan 40% of the time; every other guarantor ranks lower than its
borrower (a random order, persons and companies apart, and no company guarantees a
person), so outside the planted circles the guarantee graph has no cycle, and the
planted circles are exactly its strongly connected sets. The planted guarantees follow,
valid over the context's whole ``window``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.accounts import Accounts
from guanxi.loaders.synthetic.columns import contract_frame, date_text
from guanxi.loaders.synthetic.ownership import Control
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.planted import Plan
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import LINE, LOAN, MORTGAGE, OVERDRAFT

__all__ = ["draw_guarantees"]


def draw_guarantees(
    ctx: BankContext,
    customers: Customers,
    accounts: Accounts,
    control: Control,
    plan: Plan,
) -> None:
    """Draw the ``guarantees`` file (added to ``ctx.frames``).

    Rows are sorted by guarantor, borrower and ``valid_from``.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed; the frame is stored in ``ctx.frames``.
    customers : Customers
        Profiles drawn.
    accounts : Accounts
        The credit guaranteed.
    control : Control
        For the controlling persons of companies.
    plan : Plan
        The planted guarantees.
    """
    rng, n = ctx.rng, ctx.n
    comp, minor, reserved = customers.is_company, customers.minor, ctx.reserved
    m = accounts.n_background
    owner, product = accounts.owner[:m], accounts.product[:m]
    ok_owner = ~reserved[owner] & ~minor[owner]
    company_credit = np.flatnonzero(
        ok_owner & comp[owner] & ((product == LOAN) | (product == LINE) | (product == OVERDRAFT))
    )
    person_credit = np.flatnonzero(
        ok_owner & ~comp[owner] & ((product == LOAN) | (product == MORTGAGE))
    )
    total = int(round(0.08 * n))
    n_c = min(int(total * 0.65), len(company_credit))
    n_p = min(total - n_c, len(person_credit))
    acc_c = rng.choice(company_credit, n_c, replace=False) if n_c else company_credit[:0]
    acc_p = rng.choice(person_credit, n_p, replace=False) if n_p else person_credit[:0]

    # guarantors come from lower ranks: persons and companies each ordered at random
    rank = np.empty(n, dtype=np.int64)
    rank[rng.permutation(n)] = np.arange(n)
    ok_comp = np.flatnonzero(comp & ~reserved)
    ok_comp = ok_comp[np.argsort(rank[ok_comp])]
    ok_pers = np.flatnonzero(~comp & ~minor & ~reserved)
    ok_pers = ok_pers[np.argsort(rank[ok_pers])]

    def lower(pool: np.ndarray, borrowers: np.ndarray) -> np.ndarray:
        below = np.searchsorted(rank[pool], rank[borrowers])
        pick = np.floor(rng.random(len(borrowers)) * below).astype(np.int64)
        return np.where(below > 0, pool[np.minimum(pick, len(pool) - 1)], -1)

    b_c = owner[acc_c]
    boss = control.controller_of[b_c]
    boss_ok = (boss >= 0) & ~reserved[np.maximum(boss, 0)]
    g_c = np.where(boss_ok & (rng.random(n_c) < 0.4), boss, lower(ok_comp, b_c))
    b_p = owner[acc_p]
    g_p = lower(ok_pers, b_p)
    acc = np.concatenate([acc_c, acc_p])
    guarantor = np.concatenate([g_c, g_p])
    borrower = np.concatenate([b_c, b_p])
    keep = guarantor >= 0
    acc, guarantor, borrower = acc[keep], guarantor[keep], borrower[keep]
    k = len(acc)
    opened = accounts.opened[acc]
    valid_from = opened + np.floor(rng.random(k) * (ctx.as_of - opened)).astype(np.int64)
    valid_to = valid_from + rng.integers(365, 6 * 365, k)
    amount = np.round(accounts.limit[acc] * rng.uniform(0.3, 1.0, k), -2)

    # planted guarantees, valid over the whole window
    if plan.guar:
        p_acc = m + np.array([a for _, _, a in plan.guar], dtype=np.int64)
        acc = np.concatenate([acc, p_acc])
        guarantor = np.concatenate([guarantor, [g for g, _, _ in plan.guar]]).astype(np.int64)
        borrower = np.concatenate([borrower, [b for _, b, _ in plan.guar]]).astype(np.int64)
        kp = len(p_acc)
        valid_from = np.concatenate([valid_from, np.full(kp, ctx.window[0])])
        valid_to = np.concatenate([valid_to, np.full(kp, ctx.window[1])])
        amount = np.concatenate(
            [amount, np.round(accounts.limit[p_acc] * rng.uniform(0.5, 1.0, kp), -2)]
        )
    order = np.lexsort((valid_from, borrower, guarantor))
    ctx.frames[Entity.GUARANTEES] = contract_frame(
        Entity.GUARANTEES,
        {
            "guarantor_id": customers.cid.take(pa.array(guarantor[order])),
            "borrower_id": customers.cid.take(pa.array(borrower[order])),
            "amount": amount[order],
            "account_id": accounts.aid.take(pa.array(acc[order])),
            "valid_from": date_text(valid_from[order]),
            "valid_to": date_text(valid_to[order]),
        },
    )
