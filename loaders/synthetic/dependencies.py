"""Economic dependencies: the ``dependencies`` file, with planted pairs that join groups.

A ``dependencies`` row says that ``from_id`` depends on ``to_id`` for a ``share`` of
its ``kind`` (receipts, expenditure, output, funding, repayment source). The
connected-client rule (Basel LEX10, China 2018) links two customers when one draws
50 % or more of its gross receipts or expenditures from the other: rows of kind
``receipts`` or ``expenditure`` with ``share >= 0.5`` (:data:`LINK_KINDS`,
:data:`LINK_THRESHOLD`); the other kinds are evidence for a reviewer, not a link.

Planted (new companies, see :mod:`~guanxi.loaders.synthetic.newcomers`, linked to
nothing else): 2 to 5 *dependency groups*, pairs (and, from 1,000 customers on, one
triple) joined only by linking rows, one of them at exactly 0.5; then rows between
members of *different* groups that must not join them: one at 0.4999 (below the
threshold), another below it, and rows of the other kinds (some at or above 0.5).
Every row at or above the threshold of a linking kind is a planted one.

Background: a few rows between background companies outside the planted structures,
of linking kinds but below the threshold (5 % to 45 %), so they join nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.columns import contract_frame, pick, records_frame
from guanxi.loaders.synthetic.newcomers import Ledger
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import DEPENDENCY_SOURCES

__all__ = [
    "DEPENDENCIES_SALT",
    "LINK_KINDS",
    "LINK_THRESHOLD",
    "Dependencies",
    "company_count",
    "draw_dependencies",
]

#: the salt of this step's random stream (see ``BankContext.substream``)
DEPENDENCIES_SALT = 1602
#: the kinds whose share is measured against the threshold (of gross receipts or
#: expenditures)
LINK_KINDS = ("receipts", "expenditure")
#: a row of a linking kind at or above this share links its two customers
LINK_THRESHOLD = 0.5
#: rows planted between different groups, which must not join them: (kind, share);
#: a share of None is drawn below the threshold
_APART = (
    ("receipts", 0.4999),
    ("output", 0.8),
    ("expenditure", None),
    ("funding", 0.65),
    ("repayment_source", 0.3),
)


@dataclass(eq=False)
class Dependencies:
    """The planted dependency rows and the groups they form.

    Attributes
    ----------
    rows : list of dict
        Every planted row: ``from_id``, ``to_id``, ``kind``, ``share`` (decimal text),
        ``source`` and ``links`` (whether the rule links the two customers).
    groups : list of list of str
        The groups the linking rows form (each a sorted list of customer ids).
    """

    rows: list[dict]
    groups: list[list[str]]


def _group_sizes(size: int) -> tuple[int, ...]:
    return (2, 2) if size < 200 else (2, 2, 2) if size < 1000 else (2, 2, 2, 2, 3)


def company_count(size: int) -> int:
    """How many companies the dependency groups of a bank of ``size`` customers hold.

    Examples
    --------
    >>> company_count(100), company_count(500), company_count(2000)
    (4, 6, 11)
    """
    return sum(_group_sizes(size))


def draw_dependencies(
    ctx: BankContext, customers: Customers, ledger: Ledger, *, size: int
) -> Dependencies:
    """Plant the dependency groups and draw the ``dependencies`` file (in ``ctx.frames``).

    Parameters
    ----------
    ctx : BankContext
        For the size, dates and seed (this step draws from
        ``ctx.substream(DEPENDENCIES_SALT)``); the frame is stored in ``ctx.frames``.
    customers : Customers
        The background customers (the background rows, the legal representatives).
    ledger : Ledger
        Receives the planted companies, their accounts and ownership rows.
    size : int
        The bank's number of customers (how many groups: :func:`company_count`).

    Returns
    -------
    Dependencies
    """
    rng = ctx.substream(DEPENDENCIES_SALT)
    as_of = ctx.as_of
    sizes = _group_sizes(size)
    n_groups = len(sizes)
    adults = np.flatnonzero(~customers.is_company & ~customers.minor & ~ctx.reserved)
    groups: list[list[str]] = []
    rows: list[dict] = []

    def source() -> str:
        return DEPENDENCY_SOURCES[int(rng.integers(0, len(DEPENDENCY_SOURCES)))]

    def row(frm: str, to: str, kind: str, share: float) -> None:
        rows.append(
            {
                "from_id": frm,
                "to_id": to,
                "kind": kind,
                "share": f"{share:.4f}".rstrip("0").rstrip("."),
                "source": source(),
                "links": kind in LINK_KINDS and share >= LINK_THRESHOLD,
            }
        )

    for g, members_count in enumerate(sizes):
        members = []
        for _ in range(members_count):
            joined = as_of - int(rng.integers(400, 12 * 365))
            rep = customers.cid_list[int(adults[rng.integers(0, len(adults))])]
            members.append(ledger.firm(rng, joined=joined, as_of=as_of, representative=rep)[0])
        kind = LINK_KINDS[g % 2]
        share = 0.5 if g == 0 else float(np.round(rng.uniform(0.5, 0.95), 4))
        row(members[0], members[1], kind, share)
        if members_count == 3:  # a supplier and a customer of the same company
            other = LINK_KINDS[(g + 1) % 2]
            row(members[2], members[1], other, float(np.round(rng.uniform(0.5, 0.95), 4)))
        groups.append(members)
    for j, (kind, share) in enumerate(_APART[: n_groups + n_groups // 2]):
        drawn = float(np.round(rng.uniform(0.1, 0.45), 4)) if share is None else share
        row(groups[j % n_groups][0], groups[(j + 1) % n_groups][-1], kind, drawn)

    background = _background(ctx, customers, rng)
    planted = records_frame(
        Entity.DEPENDENCIES, [{k: v for k, v in r.items() if k != "links"} for r in rows]
    )
    frame = pd.concat([background, planted], ignore_index=True)
    ctx.frames[Entity.DEPENDENCIES] = frame.sort_values(
        ["from_id", "to_id", "kind"], kind="stable", ignore_index=True
    )
    return Dependencies(rows=rows, groups=[sorted(g) for g in groups])


def _background(ctx: BankContext, customers: Customers, rng: np.random.Generator) -> pd.DataFrame:
    """Rows between background companies outside the planted structures, below the
    threshold: about one per 250 customers."""
    pool = customers.companies[~ctx.reserved[customers.companies]]
    want = max(2, ctx.n // 250) if len(pool) >= 2 else 0
    frm = pool[rng.integers(0, len(pool), want)]
    to = pool[rng.integers(0, len(pool), want)]
    kind = rng.integers(0, len(LINK_KINDS), want)
    share = np.round(rng.uniform(0.05, 0.45, want), 4)
    source = rng.integers(0, len(DEPENDENCY_SOURCES), want)
    key = (frm * ctx.n + to) * len(LINK_KINDS) + kind
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    keep = keep[frm[keep] != to[keep]]
    return contract_frame(
        Entity.DEPENDENCIES,
        {
            "from_id": customers.cid.take(pa.array(frm[keep])),
            "to_id": customers.cid.take(pa.array(to[keep])),
            "kind": pick(LINK_KINDS, kind[keep]),
            "share": share[keep],
            "source": pick(DEPENDENCY_SOURCES, source[keep]),
        },
    )
