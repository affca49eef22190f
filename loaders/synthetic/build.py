"""The order of the generation steps: one random stream, consumed step by step.

:func:`build_bank` runs the steps of the other modules in a fixed order on one
:class:`~guanxi.loaders.synthetic.state.BankContext`, and returns the contract frames
and the ``planted.json`` manifest, in memory. The order is part of the output: every
step draws from the same generator, so moving a step, or adding draws to one, changes
the bytes of every file drawn after it (the same seed then gives another bank). A new
kind of row (a new file, a new relationship) is best added as its own module and step
*after* the existing ones, or with a generator of its own derived from the seed, so
that the banks generated so far keep their bytes.

The steps added with the newer contract files (fx rates, interbank counterparties,
economic dependencies, family control, departures, the months) run after the
original ones and each draws from a generator of its own
(:meth:`~guanxi.loaders.synthetic.state.BankContext.substream` with a fixed salt), so
a step added later changes no earlier one. Their customers are new ones, appended
after the background (:mod:`~guanxi.loaders.synthetic.newcomers`) so that nothing
else links them; the background is drawn for the others (``n`` less
:func:`newcomer_count`), so a bank of ``n`` customers has ``n`` rows. A bank of ``n``
customers is thus the original generator's bank of that smaller size, with its rows
(the customers file gains three columns; the departures close a few accounts), plus
the newcomers' rows at the end of each file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.accounts import draw_account_holders, draw_accounts
from guanxi.loaders.synthetic.capital import account_exposure_cents, size_loans
from guanxi.loaders.synthetic.contacts import draw_contacts, share_contacts
from guanxi.loaders.synthetic.customer_columns import add_customer_columns
from guanxi.loaders.synthetic.departures import at_risk_neighbours, plant_departures
from guanxi.loaders.synthetic.dependencies import (
    LINK_KINDS,
    LINK_THRESHOLD,
    company_count,
    draw_dependencies,
)
from guanxi.loaders.synthetic.family import customer_count, plant_family_control
from guanxi.loaders.synthetic.fx import fx_rates_frame
from guanxi.loaders.synthetic.guarantees import draw_guarantees
from guanxi.loaders.synthetic.households import draw_households, households_frame
from guanxi.loaders.synthetic.interbank import bank_count, interbank_manifest, plant_interbank
from guanxi.loaders.synthetic.monthly import PREP_CUSTOMERS, Monthly, prepare_months
from guanxi.loaders.synthetic.newcomers import Ledger
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
from guanxi.loaders.synthetic.vocabulary import FX_RATES, REPORTING_CURRENCY

__all__ = ["BUILD_STEPS", "TIER1_RULE", "BuiltBank", "build_bank", "newcomer_count"]

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
    "fx rates",
    "interbank",
    "dependencies",
    "family control",
    "departures",
    "months",
    "tier 1 capital",
)
#: how the planted Tier 1 capital is set (the demo's rule, ``demo_tier1_capital``)
TIER1_RULE = (
    "10% of the total credit exposure in the reporting currency, rounded to a million "
    "(at least a million); with months, of the first month"
)


def newcomer_count(n: int, *, months: bool = False) -> int:
    """How many of a bank's ``n`` customers are planted for the newer contract files
    (the rest are the background's): banks, dependency and family-control customers,
    and with ``months`` the structures of the monthly changes.

    Examples
    --------
    >>> newcomer_count(50), newcomer_count(2000), newcomer_count(2000, months=True)
    (11, 35, 53)
    """
    count = bank_count(n) + company_count(n) + customer_count(n)
    return count + (PREP_CUSTOMERS if months else 0)


@dataclass(eq=False)
class BuiltBank:
    """A bank in memory.

    Attributes
    ----------
    frames : dict of Entity to pandas.DataFrame
        One frame per contract file, columns in the contract's order.
    planted : dict
        The ``planted.json`` manifest (see :func:`~guanxi.loaders.synthetic.planted.manifest`
        and :func:`build_bank`). With months, the first month's.
    monthly : Monthly or None
        The changes planted between month-ends (when ``later`` was given); ``frames``
        and ``planted`` are then the first month's.
    """

    frames: dict[Entity, pd.DataFrame]
    planted: dict
    monthly: Monthly | None = None


def build_bank(
    n: int,
    *,
    seed: int,
    as_of: date,
    step_done: Callable[[str], None] | None = None,
    later: Sequence[date] = (),
) -> BuiltBank:
    """Build the contract frames and the manifest of a bank of ``n`` customers.

    Of the ``n`` customers, a few dozen (:func:`newcomer_count`) are planted for the
    newer contract files and the monthly changes; the others are the background's.

    Parameters
    ----------
    n : int
        Number of customers (at least 50, and 100 with ``later``; not checked here).
    seed : int
        Seed of ``numpy.random.default_rng``; the same arguments give the same frames.
    as_of : datetime.date
        The extract date.
    step_done : callable, optional
        Called with each name of :data:`BUILD_STEPS`, in order, as the step finishes.
    later : sequence of datetime.date, optional
        Later month-ends: the bank is then the first month (``as_of``) of a series,
        and changes are planted for each later month (see
        :mod:`~guanxi.loaders.synthetic.monthly`).

    Returns
    -------
    BuiltBank

    Notes
    -----
    The manifest's keys, besides those of
    :func:`~guanxi.loaders.synthetic.planted.manifest`: ``reporting_currency`` and
    ``fx_rates`` (decimal text); ``tier1_capital`` (whole units of the reporting
    currency) and ``tier1_rule``; ``interbank``; ``dependency_rule`` (the linking kinds
    and threshold), ``dependencies`` (every planted row, with ``links``) and
    ``dependency_groups``; ``family_control``; ``departures`` (``departed`` and the
    ``at_risk`` neighbours).

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
    ctx = BankContext.create(n - newcomer_count(n, months=bool(later)), seed=seed, as_of=as_of)
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
    # the later steps: each draws from its own stream
    ctx.frames[Entity.FX_RATES] = fx_rates_frame(ctx.as_of_text)
    done("fx rates")
    ledger = Ledger.after(ctx)
    banks = plant_interbank(ctx, ledger, size=n)
    done("interbank")
    dependencies = draw_dependencies(ctx, customers, ledger, size=n)
    done("dependencies")
    families = plant_family_control(ctx, ledger, size=n)
    done("family control")
    departures = plant_departures(ctx, customers, households, accounts, planted)
    add_customer_columns(ctx, customers, departures.closed_on)
    done("departures")
    prep = prepare_months(ctx, ledger, as_of, later) if later else None
    done("months")
    loans = [b.loan for b in banks] + (prep.loans if prep is not None else [])
    fixed = int(account_exposure_cents(ctx.frames[Entity.ACCOUNTS]).sum())
    fixed += int(account_exposure_cents(ledger.frames()[Entity.ACCOUNTS]).sum())
    tier1 = size_loans(fixed, loans)
    for entity, frame in ledger.frames().items():
        ctx.frames[entity] = pd.concat([ctx.frames[entity], frame], ignore_index=True)
    done("tier 1 capital")
    assert len(ctx.frames[Entity.CUSTOMERS]) == n, (len(ctx.frames[Entity.CUSTOMERS]), n)
    planted["customers"] = n
    planted.update(
        {
            "reporting_currency": REPORTING_CURRENCY,
            "fx_rates": dict(FX_RATES),
            "tier1_capital": tier1,
            "tier1_rule": TIER1_RULE,
            "interbank": interbank_manifest(banks, tier1),
            "dependency_rule": {"kinds": list(LINK_KINDS), "threshold": str(LINK_THRESHOLD)},
            "dependencies": dependencies.rows,
            "dependency_groups": dependencies.groups,
            "family_control": [f.manifest() for f in families],
            "departures": {
                "departed": departures.departed,
                "at_risk": at_risk_neighbours(ctx.frames),
            },
        }
    )
    monthly = None
    if prep is not None:
        monthly = Monthly.plan(ctx, ledger, prep, planted, tier1)
        planted = monthly.first_manifest(planted)
    return BuiltBank(frames=ctx.frames, planted=planted, monthly=monthly)


def _ignore(_step: str) -> None:
    return None
