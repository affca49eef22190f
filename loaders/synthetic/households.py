"""Households: 60% of persons in households of 1-5, with ages that fit their roles.

A household has a head, often a spouse, children and sometimes a parent of the head or
another relative. The ages of *every* customer are drawn here (household members get
ages consistent with their roles: children 22-36 years younger than the head, so some
are minors), because the ages and the household draws share the random stream in this
order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.columns import contract_frame, id_text, pick
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import (
    CHILD,
    HEAD,
    HOUSEHOLD_ROLES,
    OTHER,
    PARENT,
    SPOUSE,
)

__all__ = ["Households", "draw_households", "households_frame"]


@dataclass(eq=False)
class Households:
    """The households drawn, one row per member, and what follows from them.

    Attributes
    ----------
    member : numpy.ndarray of int
        The customer of each membership row; a household's rows are consecutive,
        its head first, then the spouse when there is one.
    household : numpy.ndarray of int
        The household (0..count-1) of each row.
    role : numpy.ndarray of int
        The role of each row (an index of ``HOUSEHOLD_ROLES``).
    count : int
        Number of households.
    household_of : numpy.ndarray of int
        The household of every customer, -1 for none.
    partner : numpy.ndarray of int
        The spouse of every head and the head of every spouse, -1 for others.
    age : numpy.ndarray of float
        The age in years of every customer (also outside households).
    """

    member: np.ndarray
    household: np.ndarray
    role: np.ndarray
    count: int
    household_of: np.ndarray
    partner: np.ndarray
    age: np.ndarray


def draw_households(ctx: BankContext, persons: np.ndarray) -> Households:
    """Group 60% of ``persons`` into households; draw every customer's age.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed.
    persons : numpy.ndarray of int
        The customers who are persons.

    Returns
    -------
    Households
    """
    rng = ctx.rng
    members = rng.permutation(persons)
    m = int(len(members) * 0.6)
    sizes = rng.choice(np.arange(1, 6), size=m // 2 + 10, p=[0.1, 0.36, 0.28, 0.18, 0.08])
    ends = np.cumsum(sizes)
    sizes = sizes[ends <= m]
    total = int(sizes.sum())
    members = members[:total]
    nh = len(sizes)
    hh = np.repeat(np.arange(nh), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    pos = np.arange(total) - starts
    size_of = np.repeat(sizes, sizes)
    role = np.full(total, CHILD)
    role[pos == 0] = HEAD
    u = rng.random(total)
    role[(pos == 1) & (u < 0.85)] = SPOUSE
    last = pos == size_of - 1
    role[(pos >= 2) & last & (u < 0.15)] = PARENT
    role[(pos >= 2) & ~last & (u < 0.03)] = OTHER
    household_of = np.full(ctx.n, -1)
    household_of[members] = hh
    # partner: head <-> spouse
    partner = np.full(ctx.n, -1)
    spouse_rows = np.flatnonzero(role == SPOUSE)
    heads = members[spouse_rows - 1]
    partner[heads] = members[spouse_rows]
    partner[members[spouse_rows]] = heads
    # ages in years
    age = 18 + 67 * rng.beta(2.0, 2.6, ctx.n)
    has_young = np.zeros(nh, dtype=bool)
    has_young[hh[(role == CHILD) | (role == PARENT)]] = True
    head_age = np.where(has_young, 40 + 38 * rng.beta(2, 2, nh), 24 + 55 * rng.beta(2, 2.2, nh))
    ha = head_age[hh]
    member_age = np.select(
        [role == HEAD, role == SPOUSE, role == CHILD, role == PARENT],
        [
            ha,
            np.clip(ha + rng.normal(0, 3, total), 20, 95),
            np.maximum(ha - rng.uniform(22, 36, total), 0.5),
            np.minimum(ha + rng.uniform(22, 32, total), 99),
        ],
        default=np.clip(ha + rng.normal(0, 15, total), 18, 95),
    )
    age[members] = member_age
    return Households(
        member=members,
        household=hh,
        role=role,
        count=nh,
        household_of=household_of,
        partner=partner,
        age=age,
    )


def households_frame(ctx: BankContext, households: Households, cid: pa.Array) -> pd.DataFrame:
    """The ``households`` contract file; draws the household ids.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed (the gaps between household numbers).
    households : Households
        The households drawn.
    cid : pyarrow.Array
        The customer ids, by customer index.

    Returns
    -------
    pandas.DataFrame
    """
    numbers = np.cumsum(ctx.rng.integers(1, 5, households.count)) + 1000
    width = max(8, len(str(int(numbers[-1]))))
    hid = id_text("H", numbers, width)
    return contract_frame(
        Entity.HOUSEHOLDS,
        {
            "household_id": hid.take(pa.array(households.household)),
            "customer_id": cid.take(pa.array(households.member)),
            "role": pick(HOUSEHOLD_ROLES, households.role),
        },
    )
