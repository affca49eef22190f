"""The order of the generation steps: one random stream, consumed step by step.

:func:`build_bank` runs the steps of the other modules in a fixed order on one
:class:`~guanxi.loaders.synthetic.state.BankContext`, and returns the contract frames
and the ``planted.json`` manifest, in memory. The order is part of the output: every
step draws from the same generator, so moving a step, or adding draws to one, changes
the bytes of every file drawn after it (the same seed then gives another bank). A new
kind of row (a new file, a new relationship) is best added as its own module and step
*after* the existing ones, or with a generator of its own derived from the seed, so
that the banks generated so far keep their bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.accounts import draw_account_holders, draw_accounts
from guanxi.loaders.synthetic.contacts import draw_contacts, share_contacts
from guanxi.loaders.synthetic.guarantees import draw_guarantees
from guanxi.loaders.synthetic.households import draw_households, households_frame
from guanxi.loaders.synthetic.ownership import draw_ownership
from guanxi.loaders.synthetic.people import (
    customers_frame,
    draw_customer_ids,
    draw_names,
    draw_profiles,
)
from guanxi.loaders.synthetic.planted import manifest, plant_structures
from guanxi.loaders.synthetic.referrals import draw_referrals
from guanxi.loaders.synthetic.state import BankContext

__all__ = ["BUILD_STEPS", "BuiltBank", "build_bank"]

#: the steps :func:`build_bank` reports, in order
BUILD_STEPS: tuple[str, ...] = (
    "customers",
    "households",
    "planted structures",
    "accounts",
    "ownership",
    "guarantees",
    "referrals",
    "shared contacts",
)


@dataclass(eq=False)
class BuiltBank:
    """A bank in memory.

    Attributes
    ----------
    frames : dict of Entity to pandas.DataFrame
        One frame per contract file, columns in the contract's order.
    planted : dict
        The ``planted.json`` manifest (see :func:`~guanxi.loaders.synthetic.planted.manifest`).
    """

    frames: dict[Entity, pd.DataFrame]
    planted: dict


def build_bank(
    n: int,
    *,
    seed: int,
    as_of: date,
    step_done: Callable[[str], None] | None = None,
) -> BuiltBank:
    """Build the contract frames and the manifest of a bank of ``n`` customers.

    Parameters
    ----------
    n : int
        Number of customers (at least 50; not checked here).
    seed : int
        Seed of ``numpy.random.default_rng``; the same arguments give the same frames.
    as_of : datetime.date
        The extract date.
    step_done : callable, optional
        Called with each name of :data:`BUILD_STEPS`, in order, as the step finishes.

    Returns
    -------
    BuiltBank

    Examples
    --------
    >>> from datetime import date
    >>> steps = []
    >>> bank = build_bank(200, seed=1, as_of=date(2026, 6, 30), step_done=steps.append)
    >>> tuple(steps) == BUILD_STEPS
    True
    >>> len(bank.frames[Entity.CUSTOMERS]), bank.planted["customers"]
    (200, 200)
    """
    done = step_done if step_done is not None else _ignore
    ctx = BankContext.create(n, seed=seed, as_of=as_of)
    customers = draw_customer_ids(ctx)
    done("customers")
    households = draw_households(ctx, customers.persons)
    draw_profiles(ctx, customers, households)
    draw_names(ctx, customers, households)
    draw_contacts(ctx, customers)
    done("households")
    plan = plant_structures(ctx, customers, households)
    done("planted structures")
    accounts = draw_accounts(ctx, customers, plan)
    done("accounts")
    control = draw_ownership(ctx, customers, plan)
    draw_account_holders(ctx, customers, households, accounts, control, plan)
    ctx.frames[Entity.HOUSEHOLDS] = households_frame(ctx, households, customers.cid)
    done("ownership")
    draw_guarantees(ctx, customers, accounts, control, plan)
    done("guarantees")
    referral_hubs, deep_cascades = draw_referrals(ctx, customers)
    done("referrals")
    shared = share_contacts(ctx, customers, households)
    ctx.frames[Entity.CUSTOMERS] = customers_frame(ctx, customers)
    done("shared contacts")
    planted = manifest(
        ctx,
        customers,
        plan,
        referral_hubs=referral_hubs,
        deep_cascades=deep_cascades,
        shared_contacts=shared,
    )
    return BuiltBank(frames=ctx.frames, planted=planted)


def _ignore(_step: str) -> None:
    return None
