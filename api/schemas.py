"""Response (and request) schemas of the API, one group per resource.

Fields a role may not see are *absent* from an answer (the routes serialize with
``response_model_exclude_unset``), so every field a role can lose is optional here;
``null`` means "unknown", never "hidden".

**Money is exact.** Every amount (exposures, balances, limits, AUM, deposits,
guaranteed amounts, the Tier 1 capital) and ``pct_tier1`` is a decimal, sent as a JSON
*string* with all its digits (``"1569631729.91"``), never a binary float: a figure of
the published run has the reporting currency's minor-unit digits (two for CNY), a value
of the bank's data the digits it was loaded with (four for an input amount, ten for a
fraction such as ``ccf``). Parse them with a decimal type (Python ``Decimal``, Java
``BigDecimal``), not a float. Figures come from the published analysis run; an answer
whose figures predate data loaded since says so in ``notes``.

The schemas of the month-over-month routes (runs, changes, group history, alerts) are in
:mod:`guanxi.api.history_schemas`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from guanxi.limits import MAX_EXCLUDE, MAX_SEEDS

__all__ = [
    "MONEY_NOTE",
    "NOTES",
    "NO_CREDIT",
    "money",
    "AmountIn",
    "Tier1CapitalIn",
    "EdgeType",
    "HealthPublic",
    "PersonRef",
    "CustomerProfile",
    "AccountPublic",
    "HouseholdRef",
    "GroupRef",
    "CustomerCredit",
    "CustomerReferrals",
    "CustomerPublic",
    "NodePublic",
    "EdgePublic",
    "NetworkPublic",
    "GroupSummary",
    "GroupsPublic",
    "GroupMember",
    "GroupLink",
    "GroupPublic",
    "CircleSummary",
    "CirclesPublic",
    "GuaranteePublic",
    "CirclePublic",
    "GenerationPublic",
    "CascadeNode",
    "CascadePublic",
    "InfluencerPublic",
    "InfluencersPublic",
    "SeedsRequest",
    "SeedPublic",
    "SeedsPublic",
    "SuspectedLinkPublic",
    "SuspectedLinksPublic",
    "HouseholdMember",
    "HouseholdPublic",
    "AnalysisRequest",
    "AnalysisRunPublic",
    "SnapshotPublic",
    "AnalysisJobPublic",
    "AnalysisPublic",
    "AuditEntryPublic",
    "AuditPublic",
]


#: how every money field describes itself
MONEY_NOTE = 'An exact decimal sent as a JSON string, e.g. "1569631729.91".'


def money(description: str = "", **kw: Any) -> Any:
    """A field of money (or a percentage of Tier 1): an exact decimal, serialized as a
    string; ``description`` says what else to know."""
    text = f"{description}. {MONEY_NOTE}" if description else MONEY_NOTE
    return Field(None, description=text, **kw)


#: an amount a request gives (a filter): >= 0, as a JSON number or a decimal string
AmountIn = Annotated[
    Decimal,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^[0-9]{1,30}(\.[0-9]{1,30})?$"},
            ],
            "description": "An exact amount in the reporting currency: a JSON number or a "
            'decimal string ("1000000.50")',
        },
        mode="validation",
    ),
]
#: a Tier 1 capital a request gives: at least 1, at most two decimals (the reporting
#: currency's minor unit) and 15 integer digits, as a JSON integer or a decimal string
Tier1CapitalIn = Annotated[
    Decimal,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999},
                {"type": "string", "pattern": r"^0*[1-9][0-9]{0,14}(\.[0-9]{1,2})?$"},
            ],
        },
        mode="validation",
    ),
]

#: what ``notes`` says in every answer built on the published run
NOTES = (
    "What to know about the figures: when data was loaded after the published run read "
    "its snapshot, which run and which dates they are of"
)
#: hidden from roles without the credit capability
NO_CREDIT = "Absent for roles without credit"


class EdgeType(StrEnum):
    """Relationship types a network can follow."""

    REFERRED = "REFERRED"
    GUARANTEES = "GUARANTEES"
    OWNS = "OWNS"
    HOLDS = "HOLDS"
    MEMBER_OF = "MEMBER_OF"


# -- health -------------------------------------------------------------------------
class HealthPublic(BaseModel):
    status: Literal["ok"]
    store: Literal["reachable", "busy"]
    store_kind: str
    snapshot_taken_at: str
    analysis_run_id: str | None = None


# -- customers ----------------------------------------------------------------------
class PersonRef(BaseModel):
    """A customer named in another answer (name masked by role)."""

    customer_id: str
    name: str | None = None
    kind: str | None = None


class CustomerProfile(BaseModel):
    customer_id: str
    kind: str | None = None
    name: str | None = None
    segment: str | None = None
    region: str | None = None
    occupation: str | None = None
    industry: str | None = None
    born_on: str | None = Field(None, description="ISO date; the year only when masked")
    risk_rating: str | None = None
    aum: Decimal | None = money("As loaded (four decimals)")
    annual_income: Decimal | None = money("As loaded (four decimals)")
    joined_on: str | None = None
    rm_id: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    id_number: str | None = None
    extra: dict[str, str | None] | None = Field(
        None, description="Columns the bank added beyond the contract (admin only)"
    )


class AccountPublic(BaseModel):
    account_id: str
    product: str | None = None
    holder_role: str | None = Field(None, description="primary, joint or authorized")
    status: str | None = None
    currency: str | None = None
    opened_on: str | None = None
    balance: Decimal | None = money("As loaded, in the account's currency")
    credit_limit: Decimal | None = money(f"{NO_CREDIT}; as loaded, in the account's currency")
    outstanding: Decimal | None = money(f"{NO_CREDIT}; as loaded, in the account's currency")
    ccf: Decimal | None = money(f"{NO_CREDIT}; a fraction 0..1 as loaded")
    exposure: Decimal | None = money(
        f"{NO_CREDIT}; the published run's, in the reporting currency; null for a deposit "
        "or closed account, or an account the run did not have"
    )


class HouseholdRef(BaseModel):
    household_id: str
    role: str | None = None


class GroupRef(BaseModel):
    group_id: str
    size: int | None = None
    exposure: Decimal | None = money("In the reporting currency")
    pct_tier1: Decimal | None = money("Percent of Tier 1 capital, four decimals")
    status: str | None = None


class CustomerCredit(BaseModel):
    single_name_exposure: Decimal | None = money(
        "In the reporting currency; null for a customer the published run did not have"
    )
    group: GroupRef | None = None
    circle_id: str | None = None


class CustomerReferrals(BaseModel):
    """The published run's referral figures (null for a customer it did not have)."""

    referred_by: str | None = None
    direct: int | None = None
    cascade: int | None = None
    depth: int | None = None
    downstream_aum: Decimal | None = money("In the reporting currency")
    influence_rank: int | None = None
    influence_score: float | None = None
    community_id: str | None = None
    community_size: int | None = None


class CustomerPublic(BaseModel):
    customer: CustomerProfile
    accounts: list[AccountPublic]
    households: list[HouseholdRef]
    credit: CustomerCredit | None = Field(None, description="Roles with credit only")
    referrals: CustomerReferrals | None = Field(None, description="Roles with marketing only")
    as_of: str
    analysis_run_id: str | None = None
    notes: list[str] = Field(default_factory=list, description=NOTES)


class NodePublic(BaseModel):
    id: str
    kind: Literal["person", "company", "account", "household"]
    label: str
    title: str
    value: float | None = None
    level: int | None = None
    highlight: bool


class EdgePublic(BaseModel):
    source: str
    target: str
    type: str
    label: str
    title: str
    directed: bool
    highlight: bool


class NetworkPublic(BaseModel):
    title: str
    subtitle: str
    as_of: str
    source: str
    truncated: bool
    omitted_nodes: int
    notes: list[str]
    nodes: list[NodePublic]
    edges: list[EdgePublic]


# -- exposure groups ----------------------------------------------------------------
class GroupSummary(BaseModel):
    group_id: str
    size: int
    exposure: Decimal | None = money("In the reporting currency")
    pct_tier1: Decimal | None = money("Percent of Tier 1 capital, four decimals")
    status: str | None = None
    largest_member: str | None = None
    largest_member_exposure: Decimal | None = money("In the reporting currency")
    links: int | None = None
    reasons: list[str]


class GroupsPublic(BaseModel):
    data: list[GroupSummary]
    count: int
    page: int
    page_size: int
    tier1_capital: Decimal | None = money("Of the published run, in the reporting currency")
    preset: str | None = None
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


class GroupMember(PersonRef):
    single_name_exposure: Decimal | None = money("In the reporting currency")


class GroupLink(BaseModel):
    a: str
    b: str
    reason: str
    source_entity: str | None = None
    source_key: str | None = None
    source_row: dict[str, Any] | None = Field(
        None,
        description="The row of the data the link comes from; its amounts are decimal "
        "strings as everywhere",
    )


class GroupPublic(BaseModel):
    group: GroupSummary
    members: list[GroupMember]
    links: list[GroupLink]
    members_total: int
    links_total: int
    truncated: bool
    tier1_capital: Decimal | None = money("Of the published run, in the reporting currency")
    preset: str | None = None
    as_of: str
    notes: list[str] = Field(description=NOTES)


# -- guarantee circles --------------------------------------------------------------
class CircleSummary(BaseModel):
    circle_id: str
    size: int
    guarantees: int | None = None
    guaranteed_amount: Decimal | None = money("In the reporting currency")
    exposure: Decimal | None = money("In the reporting currency")
    cycles_found: int | None = None
    cycles_truncated: bool | None = None


class CirclesPublic(BaseModel):
    data: list[CircleSummary]
    count: int
    page: int
    page_size: int
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


class GuaranteePublic(BaseModel):
    guarantor_id: str
    borrower_id: str
    amount: Decimal | None = money("As loaded, in the guaranteed account's currency")
    account_id: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None


class CirclePublic(BaseModel):
    circle: CircleSummary
    members: list[GroupMember]
    guarantees: list[GuaranteePublic]
    cycles: list[list[str]]
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


# -- referrals, influencers, seeds --------------------------------------------------
class GenerationPublic(BaseModel):
    generation: int
    customers: int | None = Field(None, description="In the whole cascade (the published run's)")
    shown: int = Field(description="In this answer's tree")
    aum_shown: Decimal | None = money("AUM of this generation's customers in the tree")


class CascadeNode(PersonRef):
    parent: str | None = None
    generation: int
    aum: Decimal | None = money("In the reporting currency, rounded as the run rounded it")


class CascadePublic(BaseModel):
    customer_id: str
    referred_by: str | None = None
    direct: int | None = None
    cascade: int | None = None
    depth: int | None = None
    downstream_aum: Decimal | None = money("In the reporting currency")
    generations: list[GenerationPublic]
    nodes: list[CascadeNode]
    truncated: bool
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


class InfluencerPublic(PersonRef):
    rank: int
    score: float | None = None
    segment: str | None = None
    region: str | None = None
    direct: int
    cascade: int
    depth: int
    downstream_aum: Decimal | None = money("In the reporting currency")
    community_id: str | None = None


class InfluencersPublic(BaseModel):
    data: list[InfluencerPublic]
    count: int
    limit: int
    page: int = Field(1, description="This page, from 1 (``limit`` rows per page)")
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


CustomerIdText = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class SeedsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    k: int = Field(10, ge=1, le=MAX_SEEDS, description="How many seeds to pick")
    budget: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="Total cost allowed (each seed costs 1)"
    )
    exclude: list[CustomerIdText] = Field(
        default_factory=list, max_length=MAX_EXCLUDE, description="Customers never picked"
    )


class SeedPublic(PersonRef):
    rank: int
    marginal_gain: float | None = None
    expected_reach: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_refer: float | None = None
    direct: int
    cascade: int
    cost: float | None = None


class SeedsPublic(BaseModel):
    data: list[SeedPublic]
    k: int
    budget: float | None = None
    simulations: int
    expected_reach: float | None = None
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


# -- suspected links, households ----------------------------------------------------
class SuspectedLinkPublic(BaseModel):
    suspected_link_id: str
    field: str
    value: str | None = Field(None, description="Masked for roles without PII")
    size: int
    customers: list[PersonRef]


class SuspectedLinksPublic(BaseModel):
    customer_id: str
    data: list[SuspectedLinkPublic]
    count: int
    notes: list[str] = Field(default_factory=list, description=NOTES)


class HouseholdMember(PersonRef):
    role: str | None = None


class HouseholdPublic(BaseModel):
    household_id: str
    size: int
    head: str | None = None
    deposits: Decimal | None = money("In the reporting currency")
    exposure: Decimal | None = money(f"{NO_CREDIT}; in the reporting currency")
    members: list[HouseholdMember]
    notes: list[str] = Field(default_factory=list, description=NOTES)


# -- analyses -----------------------------------------------------------------------
class AnalysisRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(None, description="Analysis date; default today")
    tier1_capital: Tier1CapitalIn | None = Field(
        None,
        ge=1,
        allow_inf_nan=False,
        description="In the reporting currency, at least 1, exact: a JSON integer or a "
        'decimal string such as "4200000000.50". Default: the published run\'s, or settings',
    )
    preset: Literal["basel", "eu", "china"] | None = None
    seeds_k: int | None = Field(None, ge=0, le=MAX_SEEDS)
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


class AnalysisRunPublic(BaseModel):
    """The published run every answer's figures come from."""

    run_id: str | None = None
    kind: str | None = Field(None, description="official (published) or what-if")
    published: bool | None = None
    computed_at: str | None = None
    as_of: str | None = Field(None, description="The analysis date")
    snapshot_id: str | None = Field(None, description="The load (snapshot) the run read")
    snapshot_as_of: str | None = Field(None, description="The date of that load's extract")
    preset: str | None = None
    tier1_capital: Decimal | None = money("In the reporting currency")
    reporting_currency: str | None = Field(None, description="ISO 4217 code of every figure")
    rates: dict[str, str] | None = Field(
        None,
        description="Units of the reporting currency per unit of each other currency, as "
        "exact decimal strings",
    )
    groups: int | None = None
    circles: int | None = None
    referrers: int | None = None
    large_groups: int | None = None
    breach_groups: int | None = None
    communities: int | None = None
    households: int | None = None
    suspected_links: int | None = None
    alerts: int | None = Field(
        None, description="Alerts the run raised against the run it was compared with"
    )
    compared_with: str | None = Field(
        None,
        description="The run published when this one started: its change tables and alerts "
        "are against it (null for a first run)",
    )
    pagerank_converged: bool | None = None
    timings_seconds: dict[str, float]
    warnings: list[str]
    options: dict[str, Any] = Field(
        default_factory=dict, description="The options of the run, as recorded"
    )
    summary: dict[str, Any] = Field(
        default_factory=dict, description="Its counts, timings and warnings, as recorded"
    )
    notes: list[str] = Field(default_factory=list, description=NOTES)


class SnapshotPublic(BaseModel):
    """What the server read from the store, and when."""

    taken_at: str
    source: str
    read_seconds: float
    counts: dict[str, int]
    snapshot_id: str | None = Field(None, description="The newest load in the store")
    snapshot_as_of: str | None = Field(None, description="The date of its extract")
    notes: list[str]


class AnalysisJobPublic(BaseModel):
    state: Literal["idle", "running", "succeeded", "failed"]
    step: str
    done: int
    total: int
    started_at: str | None = None
    finished_at: str | None = None
    run_id: str | None = None
    error: str | None = None
    warnings: list[str]


class AnalysisPublic(BaseModel):
    analyzed: bool
    run: AnalysisRunPublic | None = None
    snapshot: SnapshotPublic
    job: AnalysisJobPublic


# -- audit --------------------------------------------------------------------------
class AuditEntryPublic(BaseModel):
    ts: str
    who: str
    role: str
    method: str
    endpoint: str
    query: str | None = None
    outcome: str
    status: int
    customer_ids: list[str]


class AuditPublic(BaseModel):
    data: list[AuditEntryPublic]
    count: int
    page: int
    page_size: int
