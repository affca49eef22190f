"""Customers, accounts and households added after the background bank is drawn.

The structures planted for the newer contract files (interbank counterparties,
economic dependencies, family control) and the changes planted between month-ends
need customers that nothing else touches: they are new customers, appended after the
background ones, with ids continuing the background's sequences (a customer number
above every background one, and so on), so every background row keeps its bytes.

Their contact details come from spaces the background never draws from (see
``NEWCOMER_*`` in :mod:`~guanxi.loaders.synthetic.vocabulary`), numbered by a running
counter, so they are distinct from every background value and from each other, and
the manifest's ``shared_contacts`` stays exhaustive.

A :class:`Ledger` holds the rows as plain mappings until :meth:`Ledger.frames` turns
them into contract frames; the few rows of planted structures are built one by one
(the counts are small at every bank size). Every draw comes from the generator the
caller passes, so each step keeps its own stream.

Examples
--------
>>> import numpy as np
>>> from datetime import date
>>> from guanxi.loaders.synthetic.state import day_number
>>> ledger = Ledger(100, (12345, 8), (900, 9), (1003, 8))
>>> rng = np.random.default_rng(0)
>>> firm = ledger.company(rng, joined=day_number(date(2024, 1, 2)))
>>> loan = ledger.account(rng, firm, "loan", opened=day_number(date(2024, 2, 1)),
...                       limit=1e6, outstanding=1e6)
>>> int(firm) > 12345, loan.startswith("A"), len(ledger.frames()[Entity.ACCOUNTS])
(True, True, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.columns import records_frame
from guanxi.loaders.synthetic.state import BankContext, day_iso
from guanxi.loaders.synthetic.vocabulary import (
    BRANDS,
    BUSINESSES,
    COMPANY_RATINGS,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    DISTRICTS,
    GIVEN_NAMES,
    ID_CHECK_CHARS,
    ID_CHECK_WEIGHTS,
    INDUSTRIES,
    NEWCOMER_AREA_OFFSET,
    NEWCOMER_EMAIL_DOMAIN,
    NEWCOMER_MOBILE_PREFIX,
    NEWCOMER_PASSPORT_LETTER,
    NEWCOMER_ROAD,
    NEWCOMER_SERVICE_PREFIX,
    OCCUPATIONS,
    PERSON_RATINGS,
    REGION_WEIGHTS,
    REGIONS,
    REPORTING_CURRENCY,
    SURNAMES,
    USCC_CHARS,
    WESTERN_FIRST,
    WESTERN_LAST,
)

__all__ = ["Ledger"]

_YEAR = 365.25
_PERSON_SEGMENTS = ("mass", "affluent")
_COMPANY_SEGMENTS = ("sme", "corporate")
#: a multiplier coprime with every power of ten: a running counter times it, modulo
#: 10**k, gives distinct numbers that do not look sequential
_SPREAD = 7919


@dataclass(eq=False)
class Ledger:
    """Rows appended after the background bank, and the next free ids.

    Parameters
    ----------
    n : int
        The background bank's number of customers (for the relationship-manager ids,
        drawn as the background draws them).
    last_customer, last_account, last_household : tuple of (int, int)
        The last number used for each kind of id, and the id's width.

    Attributes
    ----------
    rows : dict of Entity to list of dict
        The rows added so far, per contract file.
    contacts : int
        The running counter of contact details handed out.
    """

    n: int
    last_customer: tuple[int, int]
    last_account: tuple[int, int]
    last_household: tuple[int, int]
    rows: dict[Entity, list[dict]] = field(default_factory=dict)
    contacts: int = 0

    @classmethod
    def after(cls, ctx: BankContext) -> Ledger:
        """A ledger whose ids follow the last ones of the frames in ``ctx``.

        Parameters
        ----------
        ctx : BankContext
            With the customers, accounts and households frames built.

        Returns
        -------
        Ledger
        """

        def last(entity: Entity, column: str, prefix: str) -> tuple[int, int]:
            values = ctx.frames[entity][column]
            if len(values) == 0:
                return 1000, 8
            body = [v.removeprefix(prefix) for v in values.iloc[-50:]]  # ids increase
            return max(int(b) for b in body), len(body[-1])

        return cls(
            n=ctx.n,
            last_customer=last(Entity.CUSTOMERS, "customer_id", ""),
            last_account=last(Entity.ACCOUNTS, "account_id", "A"),
            last_household=last(Entity.HOUSEHOLDS, "household_id", "H"),
        )

    def fork(self) -> Ledger:
        """An empty ledger whose ids continue this one's (the rows of a later month)."""
        return Ledger(
            n=self.n,
            last_customer=self.last_customer,
            last_account=self.last_account,
            last_household=self.last_household,
            contacts=self.contacts,
        )

    # ------------------------------------------------------------------ rows

    def add(self, entity: Entity, row: dict) -> dict:
        """Append ``row`` (a mapping of contract columns) to ``entity``; returns it."""
        self.rows.setdefault(entity, []).append(row)
        return row

    def latest(self, entity: Entity) -> dict:
        """The last row added to ``entity`` (to be completed later, as a sized loan)."""
        return self.rows[entity][-1]

    def frames(self) -> dict[Entity, pd.DataFrame]:
        """The rows added, one contract frame per file that has some."""
        return {e: records_frame(e, rows) for e, rows in self.rows.items() if rows}

    def _next(self, which: str, rng: np.random.Generator, gap: int) -> str:
        number, width = getattr(self, which)
        number += int(rng.integers(1, gap + 1))
        setattr(self, which, (number, width))
        return str(number).zfill(width)

    # ------------------------------------------------------------------ customers

    def company(
        self,
        rng: np.random.Generator,
        *,
        joined: int,
        segment: str | None = None,
        industry: str | None = None,
    ) -> str:
        """Add a company that joined on day ``joined``; returns its customer id.

        Parameters
        ----------
        rng : numpy.random.Generator
            Draws the name, region, segment, money and ratings.
        joined : int
            Day it joined (days since 1970-01-01).
        segment : {"sme", "corporate"}, optional
            Drawn (82 % sme) when not given.
        industry : str, optional
            Drawn from the vocabulary when not given.

        Returns
        -------
        str
        """
        region = int(rng.choice(len(REGIONS), p=np.asarray(REGION_WEIGHTS) / sum(REGION_WEIGHTS)))
        if segment is None:
            segment = _COMPANY_SEGMENTS[int(rng.random() >= 0.82)]
        brand = BRANDS[int(rng.integers(0, len(BRANDS)))]
        word = COMPANY_WORDS[int(rng.integers(0, len(COMPANY_WORDS)))]
        if rng.random() < 0.55:
            name = f"{brand[0]} {BUSINESSES[int(rng.integers(0, len(BUSINESSES)))]} Co., Ltd."
            handle = brand[1]
        else:
            city = REGIONS[region][1].removesuffix("市")
            suffix = COMPANY_SUFFIXES[int(rng.integers(0, len(COMPANY_SUFFIXES)))]
            name, handle = f"{city}{word[0]}{suffix}", word[1]
        corporate = segment == "corporate"
        return self._customer(
            rng,
            kind="company",
            name=name,
            handle=handle,
            segment=segment,
            region=region,
            industry=industry or INDUSTRIES[int(rng.integers(0, len(INDUSTRIES)))],
            rating=COMPANY_RATINGS[int(rng.integers(0, len(COMPANY_RATINGS)))],
            aum=float(np.round(np.exp(np.log(20e6 if corporate else 500e3) + rng.normal()), 2)),
            income=float(np.round(np.exp(np.log(300e6 if corporate else 5e6) + rng.normal()), 2)),
            joined=joined,
            net_assets=float(
                np.round(np.exp(np.log(800e6 if corporate else 30e6) + rng.normal()), 2)
            ),
        )

    def bank(
        self, rng: np.random.Generator, *, name: str, handle: str, gsib: bool, joined: int
    ) -> str:
        """Add an interbank counterparty (kind ``bank``); returns its customer id.

        Parameters
        ----------
        rng : numpy.random.Generator
            Draws the region, money and ratings.
        name, handle : str
            The bank's name and ascii handle.
        gsib : bool
            Whether it is a global systemically important bank.
        joined : int
            Day it became a counterparty (days since 1970-01-01).

        Returns
        -------
        str
        """
        region = int(rng.integers(0, len(REGIONS)))
        return self._customer(
            rng,
            kind="bank",
            name=name,
            handle=handle,
            segment="interbank",
            region=region,
            industry="Financial services",
            rating=COMPANY_RATINGS[int(rng.integers(0, 3))],
            aum=float(np.round(np.exp(np.log(2e9) + 0.5 * rng.normal()), 2)),
            income=float(np.round(np.exp(np.log(50e9 if gsib else 5e9) + 0.3 * rng.normal()), 2)),
            joined=joined,
            net_assets=float(
                np.round(np.exp(np.log(2e12 if gsib else 1e11) + 0.3 * rng.normal()), 2)
            ),
            gsib="true" if gsib else "false",
        )

    def person(
        self,
        rng: np.random.Generator,
        *,
        joined: int,
        born: int,
        segment: str | None = None,
    ) -> str:
        """Add a person born on day ``born`` who joined on day ``joined``; returns the id.

        Parameters
        ----------
        rng : numpy.random.Generator
            Draws the name, region, segment and money.
        joined, born : int
            Days since 1970-01-01.
        segment : {"mass", "affluent"}, optional
            Drawn (75 % mass) when not given.

        Returns
        -------
        str
        """
        region = int(rng.choice(len(REGIONS), p=np.asarray(REGION_WEIGHTS) / sum(REGION_WEIGHTS)))
        if segment is None:
            segment = _PERSON_SEGMENTS[int(rng.random() >= 0.75)]
        western = rng.random() < 0.3
        if western:
            first = WESTERN_FIRST[int(rng.integers(0, len(WESTERN_FIRST)))]
            last = WESTERN_LAST[int(rng.integers(0, len(WESTERN_LAST)))]
            name, handle = f"{first[0]} {last[0]}", f"{first[1]}.{last[1]}"
        else:
            sur = SURNAMES[int(rng.integers(0, len(SURNAMES)))]
            given = GIVEN_NAMES[int(rng.integers(0, len(GIVEN_NAMES)))]
            name, handle = f"{sur[0]}{given[0]}", f"{sur[1]}.{given[1]}"
        affluent = segment == "affluent"
        minor = joined - born < 18 * _YEAR
        return self._customer(
            rng,
            kind="person",
            name=name,
            handle=handle,
            segment=segment,
            region=region,
            occupation="Student" if minor else OCCUPATIONS[int(rng.integers(0, len(OCCUPATIONS)))],
            born=born,
            rating=PERSON_RATINGS[int(rng.integers(0, len(PERSON_RATINGS)))],
            aum=float(np.round(np.exp(np.log(400e3 if affluent else 20e3) + rng.normal()), 2)),
            income=None
            if minor
            else float(
                np.round(np.exp(np.log(300e3 if affluent else 80e3) + 0.5 * rng.normal()), 2)
            ),
            joined=joined,
            western=bool(western),
        )

    def _customer(
        self,
        rng: np.random.Generator,
        *,
        kind: str,
        name: str,
        handle: str,
        segment: str,
        region: int,
        rating: str,
        aum: float,
        income: float | None,
        joined: int,
        occupation: str | None = None,
        industry: str | None = None,
        born: int | None = None,
        net_assets: float | None = None,
        gsib: str | None = None,
        western: bool = False,
    ) -> str:
        cid = self._next("last_customer", rng, 7)
        seq = self.contacts
        self.contacts += 1
        person = kind == "person"
        region_name, city, area, _ = REGIONS[region]
        if person:
            code = (seq * _SPREAD + 2718281) % 10**8
            phone = f"+86 {NEWCOMER_MOBILE_PREFIX} {code // 10**4:04d} {code % 10**4:04d}"
            email = f"{handle}{seq}@{NEWCOMER_EMAIL_DOMAIN}"
        else:
            code = (seq * _SPREAD + 314159) % 10**7
            phone = f"+86 {NEWCOMER_SERVICE_PREFIX} {code // 10**4:03d} {code % 10**4:04d}"
            dept = ("info", "finance", "treasury", "admin")[seq % 4]
            email = f"{dept}{seq}@{handle}.{NEWCOMER_EMAIL_DOMAIN}"
        number, building = seq % 500 + 1, seq // 500 % 40 + 1
        room = (seq // 20000 % 60 + 1) * 100 + seq % 8 + 1
        district = DISTRICTS[seq % len(DISTRICTS)]
        if western or kind != "person" and name.isascii():
            address = (
                f"Room {room}, Block {building}, {number} {NEWCOMER_ROAD[0]}, "
                f"{district[0]} District, {region_name}"
            )
        else:
            address = f"{city}{district[1]}{NEWCOMER_ROAD[1]}{number}号{building}栋{room}室"
        own_area = area + NEWCOMER_AREA_OFFSET + seq // 1000 % 40
        if not person:
            body = f"{(seq * _SPREAD + 161803) % 10**9:09d}"
            check = USCC_CHARS[(int(body) * 7 + own_area) % len(USCC_CHARS)]
            id_number = f"91{own_area}{body}{check}"
        elif western:
            id_number = f"{NEWCOMER_PASSPORT_LETTER}{(seq * _SPREAD + 1414) % 10**8:08d}"
        else:
            key = f"{own_area}{day_iso(born).replace('-', '')}{seq % 1000:03d}"
            total = sum(int(d) * int(w) for d, w in zip(key, ID_CHECK_WEIGHTS, strict=True))
            id_number = key + ID_CHECK_CHARS[total % 11]
        n_rm = max(5, self.n // 400)
        rm = f"RM{int(rng.integers(1, n_rm + 1)):0{max(4, len(str(n_rm)))}d}"
        self.add(
            Entity.CUSTOMERS,
            {
                "customer_id": cid,
                "kind": kind,
                "name": name,
                "segment": segment,
                "region": region_name,
                "occupation": occupation,
                "industry": industry,
                "born_on": None if born is None else day_iso(born),
                "risk_rating": rating,
                "aum": aum,
                "annual_income": income,
                "joined_on": day_iso(joined),
                "rm_id": rm,
                "phone": phone,
                "email": email,
                "address": address,
                "id_number": id_number,
                "net_assets": net_assets,
                "gsib": gsib,
            },
        )
        return cid

    # ------------------------------------------------------------------ other rows

    def account(
        self,
        rng: np.random.Generator,
        owner: str,
        product: str,
        *,
        opened: int,
        balance: float | None = None,
        limit: float | None = None,
        outstanding: float | None = None,
    ) -> str:
        """Add an open account in the reporting currency; returns its id.

        Parameters
        ----------
        rng : numpy.random.Generator
            Draws the gap to the next account number.
        owner : str
            The primary holder's customer id.
        product : str
            A contract product.
        opened : int
            Opening day (days since 1970-01-01).
        balance, limit, outstanding : float, optional
            The amounts (a deposit has a balance, a credit account a limit and an
            outstanding amount); ``ccf`` is left missing.

        Returns
        -------
        str
        """
        aid = "A" + self._next("last_account", rng, 3)
        self.add(
            Entity.ACCOUNTS,
            {
                "account_id": aid,
                "customer_id": owner,
                "product": product,
                "balance": balance,
                "credit_limit": limit,
                "outstanding": outstanding,
                "currency": REPORTING_CURRENCY,
                "opened_on": day_iso(opened),
                "status": "open",
            },
        )
        return aid

    def firm(
        self,
        rng: np.random.Generator,
        *,
        joined: int,
        as_of: int,
        representative: str | None = None,
        loan: bool = True,
    ) -> tuple[str, dict | None]:
        """Add a company with a current account, a loan, and a legal representative.

        Parameters
        ----------
        rng : numpy.random.Generator
            Draws the company, the amounts and the dates.
        joined : int
            Day the company joined; its current account opens then.
        as_of : int
            The extract date: the loan opens between ``joined`` and it.
        representative : str, optional
            Customer id of its legal representative (an ownership row); none if None.
        loan : bool, default True
            Give the company a loan (about 3M, mostly drawn). Its row is returned so that
            the amount can be replaced (a sized loan).

        Returns
        -------
        customer_id : str
        loan : dict or None
            The loan's account row.
        """
        cid = self.company(rng, joined=joined, segment="sme")
        balance = float(np.round(np.exp(np.log(300e3) + rng.normal()), 2))
        self.account(rng, cid, "current", opened=joined, balance=balance)
        row = None
        if loan:
            limit = float(max(np.round(3e6 * np.exp(0.6 * rng.normal()), -3), 1000.0))
            drawn = float(np.round(limit * rng.beta(3, 2), 2))
            opened = joined + int(rng.integers(0, max(1, as_of - joined)))
            self.account(rng, cid, "loan", opened=opened, limit=limit, outstanding=drawn)
            row = self.latest(Entity.ACCOUNTS)
        if representative is not None:
            self.own(representative, cid, None, "legal_representative")
        return cid, row

    def own(self, owner: str, company: str, share: float | None, role: str) -> None:
        """Add an ownership row."""
        self.add(
            Entity.OWNERSHIP,
            {"owner_id": owner, "company_id": company, "share": share, "role": role},
        )

    def guarantee(
        self, guarantor: str, loan: dict, *, valid_from: int, valid_to: int, amount: float
    ) -> dict:
        """Add a guarantee by ``guarantor`` of the account ``loan`` (a ledger row)."""
        return self.add(
            Entity.GUARANTEES,
            {
                "guarantor_id": guarantor,
                "borrower_id": loan["customer_id"],
                "amount": amount,
                "account_id": loan["account_id"],
                "valid_from": day_iso(valid_from),
                "valid_to": day_iso(valid_to),
            },
        )

    def household(self, rng: np.random.Generator, members: list[tuple[str, str]]) -> str:
        """Add a household of ``members`` (customer id, role); returns its id."""
        hid = "H" + self._next("last_household", rng, 4)
        for cid, role in members:
            self.add(Entity.HOUSEHOLDS, {"household_id": hid, "customer_id": cid, "role": role})
        return hid
