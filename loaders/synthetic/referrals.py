"""Referrals: a forest in joining order, with planted hubs and deep cascades.

Customers are ordered by ``joined_on``; a referee's referrer always joined earlier (on
or before), so the referrals have no cycles, each referee has one referrer, and
``referred_on`` is the referee's ``joined_on``. About a third of customers were
referred, a third of those by a few active referrers (1% of customers). Planted: deep
cascades (chains of 9-13 customers with side branches) and hubs (early-joining adults
with more direct referees than anyone else), both measured on the rows written.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.columns import contract_frame, date_text, pick
from guanxi.loaders.synthetic.draws import weighted_choice
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import CHANNELS, PRIVATE

__all__ = ["draw_referrals"]


def draw_referrals(ctx: BankContext, customers: Customers) -> tuple[list[dict], list[dict]]:
    """Draw the ``referrals`` file (added to ``ctx.frames``), sorted by referrer, referee.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed; the frame is stored in ``ctx.frames``.
    customers : Customers
        Profiles drawn.

    Returns
    -------
    referral_hubs : list of dict
        ``customer_id`` and ``direct`` (its referees in the rows written) per hub.
    deep_cascades : list of dict
        ``customer_id`` and ``depth`` (measured on the rows written) per cascade root.
    """
    rng, n = ctx.rng, ctx.n
    joined = customers.joined
    order = np.lexsort((np.arange(n), joined))  # customers by joining
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    taken = np.zeros(n, dtype=bool)  # already has a referrer
    ref_from: list[np.ndarray] = []
    ref_to: list[np.ndarray] = []
    hubs: list[int] = []
    roots: list[int] = []

    # deep cascades: a chain of 9-13 customers in joining order, with side branches
    n_cascades = 1 if n < 200 else 2 + n // 250_000
    for _ in range(n_cascades):
        length = int(rng.integers(9, 14))
        free = np.flatnonzero(~taken)
        if len(free) < length + 3:
            break
        chain = np.sort(pos[rng.choice(free, length, replace=False)])
        chain = order[chain]
        taken[chain[1:]] = True
        ref_from.append(chain[:-1])
        ref_to.append(chain[1:])
        for node in chain[1:-1:2]:
            later = order[pos[node] + 1 :]
            later = later[~taken[later]]
            if len(later) == 0:
                continue
            extra = rng.choice(later, min(len(later), int(rng.integers(1, 3))), replace=False)
            taken[extra] = True
            ref_from.append(np.full(len(extra), node))
            ref_to.append(extra)
        roots.append(int(chain[0]))

    # background: about a third of the rest were referred by an earlier customer,
    # a third of those by one of a few active referrers (1% of customers)
    candidates = np.flatnonzero(~taken & (pos > 0) & (rng.random(n) < 0.33))
    p = pos[candidates]
    referrer = order[np.floor(rng.random(len(candidates)) * p).astype(np.int64)]
    active = rng.choice(n, max(2, n // 100), replace=False)
    by_active = active[rng.integers(0, len(active), len(candidates))]
    use_active = (pos[by_active] < p) & (rng.random(len(candidates)) < 0.35)
    referrer = np.where(use_active, by_active, referrer)
    taken[candidates] = True
    ref_from.append(referrer)
    ref_to.append(candidates)

    # hubs: early adult persons with 30-200 direct referees (fewer in small banks),
    # each more than anyone else's
    counts = np.bincount(np.concatenate(ref_from).astype(np.int64), minlength=n)
    beat = int(counts.max()) + 1
    n_hubs = 2 if n < 200 else 3 + n // 200_000
    hi = min(200, max(6, n // 25))
    lo = min(30, hi // 2)
    adult = ~customers.is_company & ~customers.minor
    head = order[: max(1, n // 5)]
    head = head[adult[head] & ~np.isin(head, np.array(roots, dtype=np.int64))]
    head = rng.permutation(head)
    for hub in head[:n_hubs]:
        later = order[pos[hub] + 1 :]
        later = later[~taken[later]]
        want = max(int(rng.integers(lo, hi + 1)), beat + int(rng.integers(0, 10)))
        want = min(want - int(counts[hub]), len(later))
        if want <= 0 or counts[hub] + want < beat:
            continue  # too few customers left to make a hub
        referees = rng.choice(later, want, replace=False)
        taken[referees] = True
        ref_from.append(np.full(want, hub))
        ref_to.append(referees)
        hubs.append(int(hub))

    frm = np.concatenate(ref_from).astype(np.int64)
    to = np.concatenate(ref_to).astype(np.int64)
    srt = np.lexsort((to, frm))
    frm, to = frm[srt], to[srt]
    k = len(frm)
    channel = weighted_choice(rng, k, (0.45, 0.25, 0.22, 0.08))
    reward = np.array([0.0, 50.0, 100.0, 200.0, 500.0])[
        weighted_choice(rng, k, (0.4, 0.2, 0.2, 0.12, 0.08))
    ]
    reward = np.where(customers.segment[to] >= PRIVATE, reward * 10, reward)
    ctx.frames[Entity.REFERRALS] = contract_frame(
        Entity.REFERRALS,
        {
            "referrer_id": customers.cid.take(pa.array(frm)),
            "referee_id": customers.cid.take(pa.array(to)),
            "referred_on": date_text(joined[to]),
            "channel": pick(CHANNELS, channel),
            "reward": reward,
        },
    )

    # measure what was planted, on the rows written
    cid = customers.cid_list
    direct = np.bincount(frm, minlength=n)
    starts = np.searchsorted(frm, np.arange(n + 1))
    hub_rows = [{"customer_id": cid[h], "direct": int(direct[h])} for h in hubs]
    cascade_rows = []
    for root in roots:
        depth, frontier = 0, np.array([root])
        while True:
            nxt = np.concatenate([to[starts[f] : starts[f + 1]] for f in frontier])
            if len(nxt) == 0:
                break
            depth += 1
            frontier = nxt
        cascade_rows.append({"customer_id": cid[root], "depth": depth})
    return hub_rows, cascade_rows
