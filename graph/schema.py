"""The graph schema and the data contract, as enums and frozen specs.

Everything that ends up in query text (labels, relationship types, property and
column names of the contract) comes from here. User values never do: they travel as
parameters.

The contract (``shared/data-contract.md``) maps onto the graph like this::

    customers        -> (:Customer {customer_id})            -[:MANAGED_BY]-> (:RelationshipManager {rm_id})
    accounts         -> (:Account {account_id}) <-[:HOLDS {role: 'primary'}]- (:Customer)
    account_holders  -> (:Customer)-[:HOLDS {role: 'joint'|'authorized'}]->(:Account)
    households       -> (:Customer)-[:MEMBER_OF {role}]->(:Household {household_id})
    referrals        -> (:Customer referrer)-[:REFERRED]->(:Customer referee)
    guarantees       -> (:Customer guarantor)-[:GUARANTEES]->(:Customer borrower)
    ownership        -> (:Customer owner)-[:OWNS {share, role}]->(:Customer company)

Canonical frames
----------------
Both stores return, and the loaders produce, *canonical frames*: one pandas frame per
entity with the contract's column names and these dtypes, so that algorithms see the
same thing whichever store the data came from:

- ids, text and enum values: pandas string (``str``) dtype, missing = NA;
- money, fractions and rates: exact Arrow decimals (:data:`DECIMAL_KINDS`, see
  :mod:`guanxi.money`), missing = NA; never binary floating point;
- dates: ISO 8601 strings ``YYYY-MM-DD`` (string dtype; ISO strings sort as dates).

Columns a bank adds beyond the contract are kept as text columns after the contract's.
"""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi import money

__all__ = [
    "Entity",
    "NodeLabel",
    "RelType",
    "ColumnKind",
    "Column",
    "NodeMapping",
    "RelMapping",
    "EntitySpec",
    "SPECS",
    "LOAD_ORDER",
    "DEPOSIT_PRODUCTS",
    "CREDIT_PRODUCTS",
    "CUSTOMER_KINDS",
    "DEPENDENCY_KINDS",
    "KEY_SEPARATOR",
    "EXTRA_COLUMN_PATTERN",
    "canonical_frame",
    "decimal_column",
    "DECIMAL_KINDS",
    "empty_frame",
    "relationship_keys",
]


class Entity(StrEnum):
    """One input file of the data contract (the file name without extension)."""

    CUSTOMERS = "customers"
    ACCOUNTS = "accounts"
    ACCOUNT_HOLDERS = "account_holders"
    HOUSEHOLDS = "households"
    REFERRALS = "referrals"
    GUARANTEES = "guarantees"
    OWNERSHIP = "ownership"
    FX_RATES = "fx_rates"
    DEPENDENCIES = "dependencies"


class NodeLabel(StrEnum):
    CUSTOMER = "Customer"
    ACCOUNT = "Account"
    HOUSEHOLD = "Household"
    RELATIONSHIP_MANAGER = "RelationshipManager"
    FX_RATE = "FxRate"


class RelType(StrEnum):
    HOLDS = "HOLDS"
    MEMBER_OF = "MEMBER_OF"
    REFERRED = "REFERRED"
    GUARANTEES = "GUARANTEES"
    OWNS = "OWNS"
    MANAGED_BY = "MANAGED_BY"
    DEPENDS_ON = "DEPENDS_ON"


class ColumnKind(StrEnum):
    ID = "id"
    TEXT = "text"
    ENUM = "enum"
    MONEY = "money"  # decimal >= 0
    FRACTION = "fraction"  # 0..1
    DATE = "date"  # ISO 8601 YYYY-MM-DD
    RATE = "rate"  # decimal > 0 (units of the reporting currency per unit)
    CURRENCY = "currency"  # ISO 4217 code, three capital letters


DEPOSIT_PRODUCTS = ("current", "savings", "term_deposit", "wealth")
CREDIT_PRODUCTS = ("loan", "mortgage", "credit_card", "overdraft", "credit_line")

#: joins the parts of a relationship's natural key into one key property
KEY_SEPARATOR = "\x1f"

#: a column a bank adds beyond the contract must be a plain identifier (it becomes a
#: DuckDB column and a Neo4j property name)
EXTRA_COLUMN_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    required: bool = False
    choices: tuple[str, ...] = ()
    #: the entity whose id this column must name (in this load or in the store)
    references: Entity | None = None


@dataclass(frozen=True)
class NodeMapping:
    label: NodeLabel
    key: str  # the id column, also the node's key property


@dataclass(frozen=True)
class RelMapping:
    type: RelType
    start_label: NodeLabel
    start_column: str
    end_label: NodeLabel
    end_column: str


@dataclass(frozen=True)
class EntitySpec:
    entity: Entity
    columns: tuple[Column, ...]
    #: columns whose values identify a row; two rows with the same key are duplicates
    key: tuple[str, ...]
    graph: NodeMapping | RelMapping

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def columns_of(self, *kinds: ColumnKind) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.kind in kinds)


def _c(name: str, kind: ColumnKind, **kw) -> Column:
    return Column(name, kind, **kw)


ID, TEXT, ENUM, MONEY, FRACTION, DATE, RATE, CURRENCY = (
    ColumnKind.ID,
    ColumnKind.TEXT,
    ColumnKind.ENUM,
    ColumnKind.MONEY,
    ColumnKind.FRACTION,
    ColumnKind.DATE,
    ColumnKind.RATE,
    ColumnKind.CURRENCY,
)
#: customer kinds: a bank is an interbank counterparty (with a G-SIB flag)
CUSTOMER_KINDS = ("person", "company", "bank")
#: what one customer's economic dependence on another rests on
DEPENDENCY_KINDS = ("receipts", "expenditure", "output", "funding", "repayment_source")
C = Entity.CUSTOMERS

SPECS: Mapping[Entity, EntitySpec] = {
    Entity.CUSTOMERS: EntitySpec(
        Entity.CUSTOMERS,
        (
            _c("customer_id", ID, required=True),
            _c("kind", ENUM, required=True, choices=CUSTOMER_KINDS),
            _c("name", TEXT),
            _c("segment", TEXT),
            _c("region", TEXT),
            _c("occupation", TEXT),
            _c("industry", TEXT),
            _c("born_on", DATE),
            _c("risk_rating", TEXT),
            _c("aum", MONEY),
            _c("annual_income", MONEY),
            _c("joined_on", DATE),
            _c("rm_id", ID),
            _c("phone", TEXT),
            _c("email", TEXT),
            _c("address", TEXT),
            _c("id_number", TEXT),
            _c("closed_on", DATE),
            _c("net_assets", MONEY),
            _c("gsib", ENUM, choices=("true", "false")),
        ),
        key=("customer_id",),
        graph=NodeMapping(NodeLabel.CUSTOMER, "customer_id"),
    ),
    Entity.ACCOUNTS: EntitySpec(
        Entity.ACCOUNTS,
        (
            _c("account_id", ID, required=True),
            _c("customer_id", ID, required=True, references=C),
            _c("product", ENUM, required=True, choices=DEPOSIT_PRODUCTS + CREDIT_PRODUCTS),
            _c("balance", MONEY),
            _c("credit_limit", MONEY),
            _c("outstanding", MONEY),
            _c("ccf", FRACTION),
            _c("currency", CURRENCY),
            _c("opened_on", DATE),
            _c("status", ENUM, choices=("open", "closed")),
        ),
        key=("account_id",),
        graph=NodeMapping(NodeLabel.ACCOUNT, "account_id"),
    ),
    Entity.ACCOUNT_HOLDERS: EntitySpec(
        Entity.ACCOUNT_HOLDERS,
        (
            _c("account_id", ID, required=True, references=Entity.ACCOUNTS),
            _c("customer_id", ID, required=True, references=C),
            _c("role", ENUM, choices=("joint", "authorized")),
        ),
        key=("account_id", "customer_id"),
        graph=RelMapping(
            RelType.HOLDS, NodeLabel.CUSTOMER, "customer_id", NodeLabel.ACCOUNT, "account_id"
        ),
    ),
    Entity.HOUSEHOLDS: EntitySpec(
        Entity.HOUSEHOLDS,
        (
            _c("household_id", ID, required=True),
            _c("customer_id", ID, required=True, references=C),
            _c("role", ENUM, choices=("head", "spouse", "child", "parent", "other")),
        ),
        key=("household_id", "customer_id"),
        graph=RelMapping(
            RelType.MEMBER_OF,
            NodeLabel.CUSTOMER,
            "customer_id",
            NodeLabel.HOUSEHOLD,
            "household_id",
        ),
    ),
    Entity.REFERRALS: EntitySpec(
        Entity.REFERRALS,
        (
            _c("referrer_id", ID, required=True, references=C),
            _c("referee_id", ID, required=True, references=C),
            _c("referred_on", DATE),
            _c("channel", TEXT),
            _c("reward", MONEY),
        ),
        key=("referrer_id", "referee_id"),
        graph=RelMapping(
            RelType.REFERRED, NodeLabel.CUSTOMER, "referrer_id", NodeLabel.CUSTOMER, "referee_id"
        ),
    ),
    Entity.GUARANTEES: EntitySpec(
        Entity.GUARANTEES,
        (
            _c("guarantor_id", ID, required=True, references=C),
            _c("borrower_id", ID, required=True, references=C),
            _c("amount", MONEY),
            _c("account_id", ID, references=Entity.ACCOUNTS),
            _c("valid_from", DATE),
            _c("valid_to", DATE),
        ),
        key=("guarantor_id", "borrower_id", "account_id", "valid_from"),
        graph=RelMapping(
            RelType.GUARANTEES,
            NodeLabel.CUSTOMER,
            "guarantor_id",
            NodeLabel.CUSTOMER,
            "borrower_id",
        ),
    ),
    Entity.OWNERSHIP: EntitySpec(
        Entity.OWNERSHIP,
        (
            _c("owner_id", ID, required=True, references=C),
            _c("company_id", ID, required=True, references=C),
            _c("share", FRACTION),
            _c(
                "role",
                ENUM,
                choices=("shareholder", "director", "legal_representative", "controller"),
            ),
        ),
        key=("owner_id", "company_id", "role"),
        graph=RelMapping(
            RelType.OWNS, NodeLabel.CUSTOMER, "owner_id", NodeLabel.CUSTOMER, "company_id"
        ),
    ),
    Entity.FX_RATES: EntitySpec(
        Entity.FX_RATES,
        (
            _c("currency", CURRENCY, required=True),
            _c("rate", RATE, required=True),
            _c("as_of", DATE),
        ),
        key=("currency",),
        graph=NodeMapping(NodeLabel.FX_RATE, "currency"),
    ),
    Entity.DEPENDENCIES: EntitySpec(
        Entity.DEPENDENCIES,
        (
            _c("from_id", ID, required=True, references=C),
            _c("to_id", ID, required=True, references=C),
            _c("kind", ENUM, required=True, choices=DEPENDENCY_KINDS),
            _c("share", FRACTION),
            _c("source", TEXT),
        ),
        key=("from_id", "to_id", "kind"),
        graph=RelMapping(
            RelType.DEPENDS_ON, NodeLabel.CUSTOMER, "from_id", NodeLabel.CUSTOMER, "to_id"
        ),
    ),
}

#: the order entities are validated and written in (references point backwards)
LOAD_ORDER: tuple[Entity, ...] = (
    Entity.FX_RATES,
    Entity.CUSTOMERS,
    Entity.ACCOUNTS,
    Entity.ACCOUNT_HOLDERS,
    Entity.HOUSEHOLDS,
    Entity.REFERRALS,
    Entity.GUARANTEES,
    Entity.OWNERSHIP,
    Entity.DEPENDENCIES,
)


def empty_frame(entity: Entity) -> pd.DataFrame:
    """A canonical frame of ``entity`` with no rows."""
    spec = SPECS[entity]
    columns = {c: pd.Series([], dtype=object) for c in spec.column_names}
    return canonical_frame(entity, pd.DataFrame(columns))


def canonical_frame(entity: Entity, frame: pd.DataFrame, *, complete: bool = True) -> pd.DataFrame:
    """Return ``frame`` with the contract's columns in the canonical dtypes.

    Contract columns come first in contract order, extra columns after them as text.
    ``complete``: add the contract columns ``frame`` lacks (empty); with False, only the
    columns ``frame`` carries are kept (what a load writes: a column not carried keeps
    its stored values). Values are assumed already valid (see
    ``guanxi.loaders.validate``); this only normalizes representation, so that both
    stores hand algorithms identical frames.
    """
    spec = SPECS[entity]
    n = len(frame)
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name in frame.columns:
            s = frame[col.name]
        elif not complete:
            continue
        else:
            s = pd.Series([None] * n, index=frame.index, dtype=object)
        if col.kind in DECIMAL_KINDS:
            out[col.name] = decimal_column(s, col.kind)
        elif col.kind == ColumnKind.DATE:
            out[col.name] = _iso_dates(s)
        else:
            out[col.name] = _text(s)
    for extra in frame.columns:
        if extra not in out:
            out[extra] = _text(frame[extra])
    result = pd.DataFrame(out, index=frame.index)
    return result.reset_index(drop=True)


#: the column kinds held as exact decimals, and the Arrow type of each
DECIMAL_KINDS: Mapping[ColumnKind, pa.DataType] = {
    ColumnKind.MONEY: money.AMOUNT_TYPE,
    ColumnKind.FRACTION: money.FRACTION_TYPE,
    ColumnKind.RATE: money.RATE_TYPE,
}
_PARSE_AS = {ColumnKind.MONEY: "amount", ColumnKind.FRACTION: "fraction", ColumnKind.RATE: "rate"}


def decimal_column(s: pd.Series, kind: ColumnKind) -> pd.Series:
    """``s`` as the exact decimal dtype of ``kind`` (:data:`DECIMAL_KINDS`).

    Decimals are cast; text is parsed; a float is read by its shortest decimal text
    (``0.1`` is 0.1).

    Raises
    ------
    ValueError
        A value is not a valid amount of ``kind`` (more decimals, negative, too
        large, not a number): never silently dropped (the loaders report such rows
        before they get here).
    """
    target = DECIMAL_KINDS[kind]
    dtype = pd.ArrowDtype(target)
    if s.dtype == dtype:
        return s
    if isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_decimal(s.dtype.pyarrow_dtype):
        try:
            return s.astype(dtype)
        except (pa.ArrowInvalid, ValueError):
            pass
    values = s.astype("object")
    text = [
        None
        if v is None or (isinstance(v, float) and not math.isfinite(v)) or v is pd.NA
        else format(v, "f")
        if isinstance(v, decimal.Decimal)
        else repr(float(v))
        if isinstance(v, float | np.floating)
        else str(v)
        for v in values.tolist()
    ]
    parsed = money.parse_decimals(pd.Series(text, dtype=object), _PARSE_AS[kind])
    bad = [i for i, r in enumerate(parsed.reasons) if r is not None]
    if bad:
        i = bad[0]
        raise ValueError(
            f"{s.name or 'a column'}: {text[i]!r} is not an exact {_PARSE_AS[kind]} "
            f"({parsed.reasons[i]}); {len(bad)} value(s) refused"
        )
    return pd.Series(parsed.values, index=s.index, dtype=dtype)


def _text(s: pd.Series) -> pd.Series:
    # pandas >= 3: astype("str") keeps missing values missing (NaN), never "None"/"nan"
    return s.astype("str")


def _iso_dates(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return _text(s.dt.strftime("%Y-%m-%d"))
    if s.dtype == object:
        # date / datetime objects (DuckDB DATE, neo4j.time.Date) -> ISO text
        s = s.map(lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else v)
    return _text(s)


def relationship_keys(entity: Entity, frame: pd.DataFrame) -> pd.Series:
    """The natural key of each row of a relationship entity, as one string.

    Missing key parts count as empty strings, so ``guarantees`` rows without an
    ``account_id`` or ``valid_from`` still have a key.
    """
    spec = SPECS[entity]
    parts = [frame[c].astype("object").where(frame[c].notna(), "").astype(str) for c in spec.key]
    key = parts[0]
    for p in parts[1:]:
        key = key + KEY_SEPARATOR + p
    return key.astype("str")
