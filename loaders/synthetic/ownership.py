"""Ownership: shareholders, directors, legal representatives and controllers of companies.

Every company has a legal representative and 1-3 directors; 68% are controlled by a
person (share > 0.5; a few serial entrepreneurs control several), 10% by a parent
company, the rest have dispersed minority shareholders (sometimes an actual controller
by agreement). A company's parent always has a lower random rank, so control between
companies has no cycles. The planted companies get only their planned rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.columns import contract_frame, pick
from guanxi.loaders.synthetic.draws import weighted_choice
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.planted import Plan
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import OWNERSHIP_ROLES

__all__ = ["Control", "draw_ownership"]


@dataclass(eq=False)
class Control:
    """Who stands behind each company, as written in the ownership rows.

    Attributes
    ----------
    controller_of : numpy.ndarray of int
        The person holding more than half of each company, -1 for none.
    legal_rep : numpy.ndarray of int
        Each company's legal representative, -1 for none (and for persons).
    company_rank : numpy.ndarray of int
        The random rank of the background companies (a parent company always ranks
        lower than its subsidiary); undefined for persons and planted companies.
    """

    controller_of: np.ndarray
    legal_rep: np.ndarray
    company_rank: np.ndarray


def draw_ownership(ctx: BankContext, customers: Customers, plan: Plan) -> Control:
    """Draw the ``ownership`` file (added to ``ctx.frames``) and who controls what.

    One row per (owner, company, role), sorted by company, owner and role. Owners of
    background companies are adults outside the planted structures.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed; the frame is stored in ``ctx.frames``.
    customers : Customers
        Profiles drawn.
    plan : Plan
        The planted ownership rows and companies.

    Returns
    -------
    Control
    """
    rng, n = ctx.rng, ctx.n
    comp = customers.is_company
    free_adults = np.flatnonzero(~comp & ~customers.minor & ~ctx.reserved)
    planted = np.array(sorted(plan.companies), dtype=np.int64)
    companies = customers.companies[~np.isin(customers.companies, planted)]
    k = len(companies)
    kind = weighted_choice(rng, k, (0.68, 0.10, 0.22))  # person control, parent, dispersed
    # a company's parent has a lower rank: control between companies has no cycles
    rank_order = rng.permutation(companies)
    rank = np.empty(n, dtype=np.int64)
    rank[rank_order] = np.arange(k)
    r = rank[companies]
    kind = np.where((kind == 1) & (r == 0), 2, kind)
    parent = rank_order[np.floor(rng.random(k) * r).astype(np.int64)]
    # serial entrepreneurs control several companies
    n_serial = max(1, int(k * 0.02))
    serial = free_adults[rng.integers(0, len(free_adults), n_serial)]
    controller = np.where(
        rng.random(k) < 0.15,
        serial[rng.integers(0, n_serial, k)],
        free_adults[rng.integers(0, len(free_adults), k)],
    )
    major = np.round(rng.uniform(0.51, 1.0, k), 4)
    major = np.where(major > 0.995, 1.0, major)
    rows_owner = [controller[kind == 0], parent[kind == 1]]
    rows_company = [companies[kind == 0], companies[kind == 1]]
    rows_share = [major[kind == 0], major[kind == 1]]
    rows_role = [
        np.zeros(int((kind == 0).sum()), np.int64),
        np.zeros(int((kind == 1).sum()), np.int64),
    ]
    left = np.where(kind == 2, 1.0, 1.0 - major)
    # minority shareholders: 2-4 for dispersed companies, 0-2 otherwise
    n_minor = np.where(
        kind == 2, rng.integers(2, 5, k), np.where(left > 0.06, rng.integers(0, 3, k), 0)
    )
    mc = np.repeat(np.arange(k), n_minor)
    weights = rng.uniform(0.2, 1.0, len(mc))
    sums = np.bincount(mc, weights=weights, minlength=k)
    spend = rng.uniform(0.6, 1.0, k) * left
    share = np.minimum(np.floor(weights / sums[mc] * spend[mc] * 1e4) / 1e4, 0.49)
    minority_owner = np.where(
        rng.random(len(mc)) < 0.8,
        free_adults[rng.integers(0, len(free_adults), len(mc))],
        companies[rng.integers(0, k, len(mc))],
    )
    keep = (minority_owner != companies[mc]) & (share > 0)
    rows_owner.append(minority_owner[keep])
    rows_company.append(companies[mc][keep])
    rows_share.append(share[keep])
    rows_role.append(np.zeros(int(keep.sum()), np.int64))
    # actual controllers by agreement for some dispersed companies
    by_agreement = (kind == 2) & (rng.random(k) < 0.05)
    rows_owner.append(free_adults[rng.integers(0, len(free_adults), int(by_agreement.sum()))])
    rows_company.append(companies[by_agreement])
    rows_share.append(np.full(int(by_agreement.sum()), np.nan))
    rows_role.append(np.full(int(by_agreement.sum()), 3, np.int64))
    # legal representative: usually the controlling person
    rep = np.where(
        (kind == 0) & (rng.random(k) < 0.7),
        controller,
        free_adults[rng.integers(0, len(free_adults), k)],
    )
    rows_owner.append(rep)
    rows_company.append(companies)
    rows_share.append(np.full(k, np.nan))
    rows_role.append(np.full(k, 2, np.int64))
    # directors: 1-3 persons, often including the controller
    n_dir = rng.integers(1, 4, k)
    dc = np.repeat(np.arange(k), n_dir)
    first_dir = np.ones(len(dc), dtype=bool)
    first_dir[1:] = dc[1:] != dc[:-1]
    director = free_adults[rng.integers(0, len(free_adults), len(dc))]
    director = np.where(
        first_dir & (kind[dc] == 0) & (rng.random(len(dc)) < 0.5), controller[dc], director
    )
    rows_owner.append(director)
    rows_company.append(companies[dc])
    rows_share.append(np.full(len(dc), np.nan))
    rows_role.append(np.full(len(dc), 1, np.int64))
    # planted rows
    if plan.own:
        rows_owner.append(np.array([o for o, _, _, _ in plan.own], dtype=np.int64))
        rows_company.append(np.array([c for _, c, _, _ in plan.own], dtype=np.int64))
        rows_share.append(np.array([s for _, _, s, _ in plan.own], dtype=float))
        rows_role.append(
            np.array([OWNERSHIP_ROLES.index(r) for _, _, _, r in plan.own], dtype=np.int64)
        )
    owner = np.concatenate(rows_owner)
    company = np.concatenate(rows_company)
    share = np.concatenate(rows_share)
    role = np.concatenate(rows_role)
    # one row per (owner, company, role)
    key = (owner * n + company) * 4 + role
    _, first_idx = np.unique(key, return_index=True)
    keep = np.sort(first_idx)
    owner, company, share, role = owner[keep], company[keep], share[keep], role[keep]
    order = np.lexsort((role, owner, company))
    owner, company, share, role = owner[order], company[order], share[order], role[order]

    # who stands behind a company (for owner guarantees and authorized users)
    controller_of = np.full(n, -1)
    person_control = (role == 0) & (share > 0.5) & ~comp[owner]
    controller_of[company[person_control]] = owner[person_control]
    legal_rep = np.full(n, -1)
    lr = role == 2
    legal_rep[company[lr]] = owner[lr]

    ctx.frames[Entity.OWNERSHIP] = contract_frame(
        Entity.OWNERSHIP,
        {
            "owner_id": customers.cid.take(pa.array(owner)),
            "company_id": customers.cid.take(pa.array(company)),
            "share": share,
            "role": pick(OWNERSHIP_ROLES, role),
        },
    )
    return Control(controller_of=controller_of, legal_rep=legal_rep, company_rank=rank)
