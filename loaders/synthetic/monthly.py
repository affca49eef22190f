"""A bank over several month-ends: one full extract per month, with planted changes.

The first month is the bank :func:`~guanxi.loaders.synthetic.build.build_bank` draws,
dated the first month-end, plus the structures the changes need
(:func:`prepare_months`); every later month is the month before plus the rows its
changes add, minus the rows they remove. Rows never change in place, so every row of
a month that no change touches is byte-identical in the next (same ids, same
values); the only other difference is the date of the ``fx_rates`` rows.

Planted changes, in this order, one at each transition in turn (with three months,
the first, third and fifth happen between the first and second month-ends, the
others between the second and third):

``circle_forms``
    Three companies guaranteeing in a chain (A guarantees B, B guarantees C) close it:
    C guarantees A's loan, a new guarantee circle.
``cascade_doubles``
    The last referral hub brings in as many new customers (joining that month) as its
    whole cascade held, so its cascade doubles.
``group_crosses_large``
    A group (a person controlling two companies) at about 8 % of Tier 1 takes a new
    loan of about 4 %: it crosses the large-exposure line (10 %).
``circle_dissolves``
    One guarantee of a three-company circle is gone from the extract: the circle
    dissolves (its members stay one group through the other two guarantees).
``merger``
    The person controlling one group buys a majority of the top company of another:
    the two groups merge (under 2 % of Tier 1 together, below every line).
``joins_breach_group``
    A company guarantees a loan of a group at about 30 % of Tier 1 (in breach from
    the first month) and so joins it.

The Tier 1 capital of every month is the first month's (the demo's rule, see
:mod:`~guanxi.loaders.synthetic.capital`), so the crossings do not depend on how the
capital moves. Background guarantees that would expire between the first and the
last month-end are renewed (``valid_to`` moved on by whole years) in every month, so
no group changes but the planted ones; the exchange rates do not move.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pandas as pd

from guanxi.graph.schema import LOAD_ORDER, Entity
from guanxi.loaders.synthetic.capital import SizedLoan, pct_text
from guanxi.loaders.synthetic.fx import fx_rates_frame
from guanxi.loaders.synthetic.newcomers import Ledger
from guanxi.loaders.synthetic.state import BankContext, day_iso, day_number
from guanxi.loaders.synthetic.vocabulary import CHANNELS

__all__ = [
    "CHANGE_KINDS",
    "MONTHS_SALT",
    "PREP_CUSTOMERS",
    "MonthPrep",
    "Monthly",
    "cascade_of",
    "is_month_end",
    "month_ends",
    "one_month_overview",
    "prepare_months",
]

#: the salt of this step's random stream (see ``BankContext.substream``)
MONTHS_SALT = 1606
#: the planted changes, in the order they are spread over the transitions
CHANGE_KINDS = (
    "circle_forms",
    "cascade_doubles",
    "group_crosses_large",
    "circle_dissolves",
    "merger",
    "joins_breach_group",
)
#: how many customers :func:`prepare_months` adds (three persons, fifteen companies)
PREP_CUSTOMERS = 18
#: the sized loans of the first month, as fractions of Tier 1
_GROWING = (Fraction(5, 100), Fraction(3, 100))
_GROWTH = Fraction(4, 100)
_BREACH = (Fraction(20, 100), Fraction(10, 100))
_SMALL = Fraction(4, 1000)
#: the large-exposure and breach lines of the default rule, in % of Tier 1
_LARGE_PCT, _BREACH_PCT = 10, 25


def is_month_end(day: date) -> bool:
    """Whether ``day`` is the last day of its month.

    Examples
    --------
    >>> from datetime import date
    >>> is_month_end(date(2024, 2, 29)), is_month_end(date(2026, 6, 15))
    (True, False)
    """
    return (day + timedelta(days=1)).day == 1


def month_ends(last: date, count: int) -> list[date]:
    """``count`` consecutive month-ends, the last one ``last`` (itself a month-end).

    Examples
    --------
    >>> from datetime import date
    >>> [d.isoformat() for d in month_ends(date(2026, 3, 31), 3)]
    ['2026-01-31', '2026-02-28', '2026-03-31']
    """
    ends = [last]
    while len(ends) < count:
        ends.append(ends[-1].replace(day=1) - timedelta(days=1))
    return ends[::-1]


@dataclass(eq=False)
class MonthPrep:
    """The structures of the first month that the changes act on.

    Attributes
    ----------
    ends : list of datetime.date
        Every month-end, the first included.
    loans : list of SizedLoan
        The loans sized with the others against Tier 1.
    growing, breach : list of str
        The group that will cross 10 % (its person first, then the company that will
        borrow) and the group in breach (its person, then the borrowing company).
    merging : tuple of list of str
        The two groups that will merge: the first's person first, the second's top
        company first.
    forming, dissolving : list of str
        The companies of the chain that will close into a circle, and of the circle
        that will dissolve.
    joiner : str
        The company that will join the group in breach.
    loan_of : dict of str to dict
        Each planted company's loan row.
    dissolving_guarantee : dict
        The guarantee row the dissolution removes.
    """

    ends: list[date]
    loans: list[SizedLoan] = field(default_factory=list)
    growing: list[str] = field(default_factory=list)
    breach: list[str] = field(default_factory=list)
    merging: tuple[list[str], list[str]] = field(default_factory=lambda: ([], []))
    forming: list[str] = field(default_factory=list)
    dissolving: list[str] = field(default_factory=list)
    joiner: str = ""
    loan_of: dict[str, dict] = field(default_factory=dict)
    dissolving_guarantee: dict = field(default_factory=dict)


def _renew_guarantees(ctx: BankContext, first: int, last: int) -> None:
    """Move on by whole years every ``valid_to`` in ``[first, last)``."""
    g = ctx.frames[Entity.GUARANTEES]
    days = np.asarray(g["valid_to"].to_numpy(dtype=object), dtype="datetime64[D]")
    days = days.astype(np.int64)
    due = (days >= first) & (days < last)
    if due.any():
        years = (last - days[due]) // 365 + 1
        days[due] += years * 365
        g.loc[due, "valid_to"] = [day_iso(int(d)) for d in days[due]]


def prepare_months(
    ctx: BankContext, ledger: Ledger, first: date, later: list[date] | tuple[date, ...]
) -> MonthPrep:
    """Plant the first month's structures for the changes, and renew the guarantees
    that would expire within the months.

    Parameters
    ----------
    ctx : BankContext
        The first month's bank (its guarantees are updated); draws from
        ``ctx.substream(MONTHS_SALT)``.
    ledger : Ledger
        Receives the new customers and their rows.
    first : datetime.date
        The first month-end (the bank's extract date).
    later : sequence of datetime.date
        The later month-ends, in order.

    Returns
    -------
    MonthPrep
    """
    rng = ctx.substream(MONTHS_SALT)
    added = len(ledger.rows.get(Entity.CUSTOMERS, []))
    ends = [first, *later]
    _renew_guarantees(ctx, day_number(first), day_number(ends[-1]))
    as_of = ctx.as_of
    prep = MonthPrep(ends=ends)
    window = ctx.window

    def person() -> str:
        born = as_of - int(rng.uniform(35, 60) * 365.25)
        joined = as_of - int(rng.integers(400, 10 * 365))
        cid = ledger.person(rng, joined=joined, born=born, segment="affluent")
        balance = float(np.round(np.exp(np.log(500e3) + rng.normal()), 2))
        ledger.account(rng, cid, "current", opened=joined, balance=balance)
        return cid

    def company(fraction: Fraction, representative: str | None = None) -> str:
        joined = as_of - int(rng.integers(400, 15 * 365))
        cid, _ = ledger.firm(
            rng, joined=joined, as_of=as_of, representative=representative, loan=False
        )
        opened = joined + int(rng.integers(0, as_of - joined - 30))
        ledger.account(rng, cid, "loan", opened=opened)
        loan = ledger.latest(Entity.ACCOUNTS)
        prep.loans.append(SizedLoan(loan, fraction))
        prep.loan_of[cid] = loan
        return cid

    def share() -> float:
        return float(np.round(rng.uniform(0.55, 0.95), 4))

    def guarantee(guarantor: str, borrower: str) -> dict:
        amount = float(np.round(rng.uniform(0.5, 1.0) * 1e6, -2))
        return ledger.guarantee(
            guarantor,
            prep.loan_of[borrower],
            valid_from=window[0],
            valid_to=window[1],
            amount=amount,
        )

    # the group that grows across 10 %: a person controlling two companies
    boss = person()
    g1, g2 = company(_GROWING[0], boss), company(_GROWING[1], boss)
    ledger.own(boss, g1, share(), "shareholder")
    ledger.own(boss, g2, None, "controller")
    prep.growing = [boss, g2, g1]
    # the group in breach: a person, a company and its subsidiary
    boss = person()
    b1, b2 = company(_BREACH[0], boss), company(_BREACH[1])
    ledger.own(boss, b1, share(), "shareholder")
    ledger.own(b1, b2, share(), "shareholder")
    prep.breach = [boss, b1, b2]
    # two groups that will merge: person -> X1 -> X2, and Y1 -> Y2
    boss = person()
    x1, x2 = company(_SMALL, boss), company(_SMALL)
    ledger.own(boss, x1, share(), "shareholder")
    ledger.own(x1, x2, share(), "shareholder")
    y1, y2 = company(_SMALL), company(_SMALL)
    ledger.own(y1, y2, share(), "shareholder")
    prep.merging = ([boss, x1, x2], [y1, y2])
    # a chain that will close into a circle, and a circle that will dissolve
    prep.forming = [company(_SMALL) for _ in range(3)]
    a, b, c = prep.forming
    guarantee(a, b)
    guarantee(b, c)
    prep.dissolving = [company(_SMALL) for _ in range(3)]
    a, b, c = prep.dissolving
    guarantee(a, b)
    guarantee(b, c)
    prep.dissolving_guarantee = guarantee(c, a)
    # the company that will join the group in breach
    prep.joiner = company(_SMALL)
    assert len(ledger.rows[Entity.CUSTOMERS]) - added == PREP_CUSTOMERS
    return prep


def cascade_of(referrals: pd.DataFrame, root: str) -> tuple[int, int]:
    """The size and depth of ``root``'s referral cascade (everyone reached, any number
    of generations down; the root not counted).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"referrer_id": ["a", "a", "b", "c"], "referee_id": ["b", "c", "d", "e"]})
    >>> cascade_of(r, "a"), cascade_of(r, "d")
    ((4, 2), (0, 0))
    """
    return _walk(_children(referrals), root)


def _children(referrals: pd.DataFrame) -> dict[str, list[str]]:
    return referrals.groupby("referrer_id")["referee_id"].agg(list).to_dict()


def _walk(children: dict[str, list[str]], root: str) -> tuple[int, int]:
    seen: set[str] = set()
    frontier, depth = [root], 0
    while True:
        nxt = [c for f in frontier for c in children.get(f, ()) if c not in seen]
        if not nxt:
            return len(seen), depth
        seen.update(nxt)
        frontier, depth = nxt, depth + 1


@dataclass(eq=False)
class _Delta:
    """What one month adds to, and removes from, the month before."""

    rows: dict[Entity, pd.DataFrame] = field(default_factory=dict)
    removed: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)


def _status(cents: int, tier1: int) -> str:
    if cents > _BREACH_PCT * tier1:
        return "breach"
    return "large" if cents >= _LARGE_PCT * tier1 else "ok"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _cents(row: dict) -> int:
    return int(round(row["outstanding"] * 100))


def _keys(guarantee: dict) -> dict:
    return {k: guarantee[k] for k in ("guarantor_id", "borrower_id", "account_id")}


@dataclass(eq=False)
class _Changes:
    """The rows of the changes of one month, added to ``rows``; each method returns
    the change's entry of the series' manifest."""

    ctx: BankContext
    prep: MonthPrep
    rows: Ledger
    rng: np.random.Generator
    span: tuple[int, int]  # the days of the month: (day after the last month-end, end + 1)
    tier1: int

    def day(self) -> int:
        return int(self.rng.integers(*self.span))

    def _guarantee(self, guarantor: str, loan: dict, amount: float) -> dict:
        return self.rows.guarantee(
            guarantor, loan, valid_from=self.day(), valid_to=self.ctx.window[1], amount=amount
        )

    def circle_forms(self) -> dict:
        a, _, c = self.prep.forming
        amount = float(np.round(self.rng.uniform(0.5, 1.0) * 1e6, -2))
        g = self._guarantee(c, self.prep.loan_of[a], amount)
        return {
            "kind": "circle_forms",
            "members": sorted(self.prep.forming),
            "guarantee": _keys(g),
        }

    def cascade_doubles(self, hub: str, before: int) -> dict:
        rng, new = self.rng, []
        for _ in range(max(before, 1)):
            joined = self.day()
            born = joined - int(rng.uniform(20, 60) * 365.25)
            cid = self.rows.person(rng, joined=joined, born=born)
            balance = float(np.round(np.exp(np.log(20e3) + rng.normal()), 2))
            self.rows.account(rng, cid, "current", opened=joined, balance=balance)
            self.rows.add(
                Entity.REFERRALS,
                {
                    "referrer_id": hub,
                    "referee_id": cid,
                    "referred_on": day_iso(joined),
                    "channel": CHANNELS[int(rng.integers(0, len(CHANNELS)))],
                    "reward": float(rng.choice([50.0, 100.0])),
                },
            )
            new.append(cid)
        return {
            "kind": "cascade_doubles",
            "customer_id": hub,
            "cascade_before": before,
            "cascade_after": before + len(new),
            "new_referees": sorted(new),
        }

    def group_crosses_large(self) -> dict:
        prep, tier1 = self.prep, self.tier1
        before = sum(_cents(prep.loan_of[c]) for c in prep.growing[1:])
        self.rows.account(self.rng, prep.growing[1], "loan", opened=self.day())
        loan = self.rows.latest(Entity.ACCOUNTS)
        after = before + SizedLoan(loan, _GROWTH).set_amount(tier1) * 100
        return {
            "kind": "group_crosses_large",
            "members": sorted(prep.growing),
            "account_id": loan["account_id"],
            "exposure_before": _money(before),
            "exposure_after": _money(after),
            "pct_before": pct_text(before, tier1),
            "pct_after": pct_text(after, tier1),
            "status_before": _status(before, tier1),
            "status_after": _status(after, tier1),
        }

    def circle_dissolves(self) -> dict:
        return {
            "kind": "circle_dissolves",
            "members": sorted(self.prep.dissolving),
            "removed_guarantee": _keys(self.prep.dissolving_guarantee),
        }

    def merger(self) -> dict:
        prep = self.prep
        first, second = prep.merging
        stake = float(np.round(self.rng.uniform(0.55, 0.9), 4))
        self.rows.own(first[0], second[0], stake, "shareholder")
        merged = sorted(first + second)
        cents = sum(_cents(prep.loan_of[c]) for c in merged if c in prep.loan_of)
        return {
            "kind": "merger",
            "groups": [sorted(first), sorted(second)],
            "merged": merged,
            "ownership": {
                "owner_id": first[0],
                "company_id": second[0],
                "share": f"{stake:.4f}".rstrip("0"),
                "role": "shareholder",
            },
            "pct_tier1": pct_text(cents, self.tier1),
            "status": _status(cents, self.tier1),
        }

    def joins_breach_group(self) -> dict:
        prep = self.prep
        loan = prep.loan_of[prep.breach[1]]
        g = self._guarantee(prep.joiner, loan, float(np.round(_cents(loan) / 200, -2)))
        members = [*prep.breach, prep.joiner]
        cents = sum(_cents(prep.loan_of[c]) for c in members if c in prep.loan_of)
        return {
            "kind": "joins_breach_group",
            "customer_id": prep.joiner,
            "group": sorted(prep.breach),
            "guarantee": _keys(g),
            "pct_tier1": pct_text(cents, self.tier1),
            "status": _status(cents, self.tier1),
        }


@dataclass(eq=False)
class Monthly:
    """The months of a bank: the changes of each month and how to build its extract.

    Build it with :meth:`plan`; then :meth:`frames` and :meth:`manifest` give each
    month's files and ``planted.json``, and :meth:`overview` the series' own
    ``planted.json``.
    """

    prep: MonthPrep
    tier1: int
    base: dict
    deltas: list[_Delta]
    hub: str
    circles_from: dict[int, list[str]]

    @classmethod
    def plan(
        cls, ctx: BankContext, ledger: Ledger, prep: MonthPrep, planted: dict, tier1: int
    ) -> Monthly:
        """Plan the changes of every later month (once the loans are sized).

        Parameters
        ----------
        ctx : BankContext
            The first month's bank (frames complete); draws from
            ``ctx.substream(MONTHS_SALT + 1)``.
        ledger : Ledger
            The ledger of the first month: the later months' ids continue it.
        prep : MonthPrep
            The first month's structures.
        planted : dict
            The first month's manifest (before :meth:`first_manifest`).
        tier1 : int
            The Tier 1 capital of every month.

        Returns
        -------
        Monthly
        """
        rng = ctx.substream(MONTHS_SALT + 1)
        ends = prep.ends
        referrals = ctx.frames[Entity.REFERRALS]
        hubs = planted["referral_hubs"]
        if hubs:
            hub = hubs[-1]["customer_id"]
        else:  # pragma: no cover (every bank of 50 or more customers has a hub)
            hub = str(referrals["referrer_id"].value_counts().index[0])
        deltas = [_Delta() for _ in ends]
        transitions = max(1, len(ends) - 1)
        at = {kind: 1 + k % transitions for k, kind in enumerate(CHANGE_KINDS)}
        circles_from: dict[int, list[str]] = {}
        cursor = ledger.fork()
        for t in range(1, len(ends)):
            part = cursor.fork()
            changes = _Changes(
                ctx=ctx,
                prep=prep,
                rows=part,
                rng=rng,
                span=(day_number(ends[t - 1]) + 1, day_number(ends[t]) + 1),
                tier1=tier1,
            )
            for kind in CHANGE_KINDS:
                if at[kind] != t:
                    continue
                if kind == "circle_forms":
                    change = changes.circle_forms()
                    circles_from[t] = prep.forming
                elif kind == "cascade_doubles":
                    change = changes.cascade_doubles(hub, cascade_of(referrals, hub)[0])
                elif kind == "group_crosses_large":
                    change = changes.group_crosses_large()
                elif kind == "circle_dissolves":
                    change = changes.circle_dissolves()
                    deltas[t].removed.append(prep.dissolving_guarantee)
                    circles_from[-t] = prep.dissolving
                elif kind == "merger":
                    change = changes.merger()
                else:
                    change = changes.joins_breach_group()
                deltas[t].changes.append(change)
            deltas[t].rows = part.frames()
            cursor = part
        return cls(prep, tier1, copy.deepcopy(planted), deltas, hub, circles_from)

    # ------------------------------------------------------------------ per month

    def frames(self, first: dict[Entity, pd.DataFrame], t: int) -> dict[Entity, pd.DataFrame]:
        """The contract frames of month ``t`` (0 is the first), built from the first
        month's ``first`` (not changed)."""
        out: dict[Entity, pd.DataFrame] = {}
        for entity in LOAD_ORDER:
            parts = [first[entity]]
            parts += [d.rows[entity] for d in self.deltas[1 : t + 1] if entity in d.rows]
            frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
            removed = [g for d in self.deltas[1 : t + 1] for g in d.removed]
            if entity == Entity.GUARANTEES and removed:
                keep = np.ones(len(frame), dtype=bool)
                for g in removed:
                    keep &= ~(
                        (frame["guarantor_id"] == g["guarantor_id"])
                        & (frame["borrower_id"] == g["borrower_id"])
                        & (frame["account_id"] == g["account_id"])
                    ).to_numpy(dtype=bool)
                frame = frame[keep].reset_index(drop=True)
            out[entity] = frame
        out[Entity.FX_RATES] = fx_rates_frame(self.prep.ends[t].isoformat())
        return out

    def first_manifest(self, planted: dict) -> dict:
        """The first month's manifest: ``planted`` with the circle that will dissolve."""
        out = copy.deepcopy(planted)
        out["guarantee_circles"] = self._circles(0)
        return out

    def _circles(self, t: int) -> list[list[str]]:
        circles = [list(c) for c in self.base["guarantee_circles"]]
        for key, members in sorted(self.circles_from.items()):
            if key > 0 and t >= key:
                circles.append(sorted(members))
        dissolved = [k for k in self.circles_from if k < 0 and t >= -k]
        if not dissolved:
            circles.append(sorted(self.prep.dissolving))
        return circles

    def manifest(self, t: int, frames: dict[Entity, pd.DataFrame]) -> dict:
        """The ``planted.json`` of month ``t``, measured on its ``frames`` where the
        changes move a figure (the hub's referees, the cascades' depth)."""
        out = copy.deepcopy(self.base)
        out["as_of"] = self.prep.ends[t].isoformat()
        out["customers"] = len(frames[Entity.CUSTOMERS])
        out["guarantee_circles"] = self._circles(t)
        if t:
            referrals = frames[Entity.REFERRALS]
            direct = referrals["referrer_id"].value_counts()
            for hub in out["referral_hubs"]:
                hub["direct"] = int(direct.get(hub["customer_id"], 0))
            children = _children(referrals)
            for cascade in out["deep_cascades"]:
                cascade["depth"] = _walk(children, cascade["customer_id"])[1]
        return out

    def overview(self, seed: int, customers: list[int]) -> dict:
        """The series' own ``planted.json``: the months, their changes and the
        structures the changes act on.

        Parameters
        ----------
        seed : int
        customers : list of int
            The number of customers of each month.

        Returns
        -------
        dict
            Keys ``seed``, ``months`` (``as_of``, ``folder``, ``customers`` and
            ``changes`` of each), ``reporting_currency``, ``fx_rates``,
            ``tier1_capital`` and ``tier1_rule`` (every month's), ``status_lines``
            (the lines the changes' statuses are stated against) and ``structures``
            (the customers of the structures the changes act on).
        """
        p = self.prep
        out = _overview(self.base, seed)
        out["months"] = [
            {
                "as_of": end.isoformat(),
                "folder": end.isoformat(),
                "customers": customers[t],
                "changes": self.deltas[t].changes,
            }
            for t, end in enumerate(p.ends)
        ]
        out["structures"] = {
            "growing_group": sorted(p.growing),
            "breach_group": sorted(p.breach),
            "merging_groups": [sorted(p.merging[0]), sorted(p.merging[1])],
            "forming_circle": sorted(p.forming),
            "dissolving_circle": sorted(p.dissolving),
            "joiner": p.joiner,
            "cascade_hub": self.hub,
        }
        return out


def _overview(planted: dict, seed: int) -> dict:
    return {
        "seed": seed,
        "months": [],
        "reporting_currency": planted["reporting_currency"],
        "fx_rates": planted["fx_rates"],
        "tier1_capital": planted["tier1_capital"],
        "tier1_rule": planted["tier1_rule"],
        "status_lines": {"large_pct": _LARGE_PCT, "breach_pct": _BREACH_PCT},
        "structures": {},
    }


def one_month_overview(planted: dict, end: date, customers: int) -> dict:
    """The series' ``planted.json`` (as :meth:`Monthly.overview`) of a single month:
    no change, no structure."""
    out = _overview(planted, planted["seed"])
    out["months"] = [
        {"as_of": end.isoformat(), "folder": end.isoformat(), "customers": customers, "changes": []}
    ]
    return out
