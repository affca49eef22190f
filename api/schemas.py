"""Response (and request) schemas of the API, one group per resource.

Fields a role may not see are *absent* from an answer (the routes serialize with
``response_model_exclude_unset``), so every field a role can lose is optional here;
``null`` means "unknown", never "hidden".
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from guanxi.limits import MAX_EXCLUDE, MAX_SEEDS

__all__ = [
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
    aum: float | None = None
    annual_income: float | None = None
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
    balance: float | None = None
    credit_limit: float | None = Field(None, description="Absent for roles without credit")
    outstanding: float | None = Field(None, description="Absent for roles without credit")
    ccf: float | None = Field(None, description="Absent for roles without credit")
    exposure: float | None = Field(None, description="Absent for roles without credit")


class HouseholdRef(BaseModel):
    household_id: str
    role: str | None = None


class GroupRef(BaseModel):
    group_id: str
    size: int | None = None
    exposure: float | None = None
    pct_tier1: float | None = None
    status: str | None = None


class CustomerCredit(BaseModel):
    single_name_exposure: float | None = None
    group: GroupRef | None = None
    circle_id: str | None = None


class CustomerReferrals(BaseModel):
    referred_by: str | None = None
    direct: int
    cascade: int
    depth: int
    downstream_aum: float
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
    exposure: float | None = None
    pct_tier1: float | None = None
    status: str | None = None
    largest_member: str | None = None
    largest_member_exposure: float | None = None
    links: int | None = None
    reasons: list[str]


class GroupsPublic(BaseModel):
    data: list[GroupSummary]
    count: int
    page: int
    page_size: int
    tier1_capital: float | None = None
    preset: str | None = None
    as_of: str


class GroupMember(PersonRef):
    single_name_exposure: float | None = None


class GroupLink(BaseModel):
    a: str
    b: str
    reason: str
    source_entity: str | None = None
    source_key: str | None = None
    source_row: dict[str, Any] | None = None


class GroupPublic(BaseModel):
    group: GroupSummary
    members: list[GroupMember]
    links: list[GroupLink]
    members_total: int
    links_total: int
    truncated: bool
    tier1_capital: float | None = None
    preset: str | None = None
    as_of: str
    notes: list[str]


# -- guarantee circles --------------------------------------------------------------
class CircleSummary(BaseModel):
    circle_id: str
    size: int
    guarantees: int | None = None
    guaranteed_amount: float | None = None
    exposure: float | None = None
    cycles_found: int | None = None
    cycles_truncated: bool | None = None


class CirclesPublic(BaseModel):
    data: list[CircleSummary]
    count: int
    page: int
    page_size: int
    as_of: str


class GuaranteePublic(BaseModel):
    guarantor_id: str
    borrower_id: str
    amount: float | None = None
    account_id: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None


class CirclePublic(BaseModel):
    circle: CircleSummary
    members: list[GroupMember]
    guarantees: list[GuaranteePublic]
    cycles: list[list[str]]
    as_of: str


# -- referrals, influencers, seeds --------------------------------------------------
class GenerationPublic(BaseModel):
    generation: int
    customers: int | None = Field(None, description="In the whole cascade (first 10 generations)")
    shown: int = Field(description="In this answer's tree")
    aum_shown: float


class CascadeNode(PersonRef):
    parent: str | None = None
    generation: int
    aum: float | None = None


class CascadePublic(BaseModel):
    customer_id: str
    referred_by: str | None = None
    direct: int
    cascade: int
    depth: int
    downstream_aum: float
    generations: list[GenerationPublic]
    nodes: list[CascadeNode]
    truncated: bool
    as_of: str


class InfluencerPublic(PersonRef):
    rank: int
    score: float | None = None
    segment: str | None = None
    region: str | None = None
    direct: int
    cascade: int
    depth: int
    downstream_aum: float
    community_id: str | None = None


class InfluencersPublic(BaseModel):
    data: list[InfluencerPublic]
    count: int
    limit: int
    as_of: str


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


class HouseholdMember(PersonRef):
    role: str | None = None


class HouseholdPublic(BaseModel):
    household_id: str
    size: int
    head: str | None = None
    deposits: float | None = None
    exposure: float | None = Field(None, description="Absent for roles without credit")
    members: list[HouseholdMember]


# -- analyses -----------------------------------------------------------------------
class AnalysisRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(None, description="Analysis date; default today")
    tier1_capital: float | None = Field(
        None,
        ge=1,
        allow_inf_nan=False,
        description="In the reporting currency, at least 1. Default: the latest run's, or settings",
    )
    preset: Literal["basel", "eu", "china"] | None = None
    seeds_k: int | None = Field(None, ge=0, le=MAX_SEEDS)
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


class AnalysisRunPublic(BaseModel):
    run_id: str | None = None
    computed_at: str | None = None
    as_of: str | None = None
    preset: str | None = None
    tier1_capital: float | None = None
    groups: int | None = None
    circles: int | None = None
    referrers: int | None = None
    large_groups: int | None = None
    breach_groups: int | None = None
    communities: int | None = None
    households: int | None = None
    suspected_links: int | None = None
    pagerank_converged: bool | None = None
    timings_seconds: dict[str, float]
    warnings: list[str]


class SnapshotPublic(BaseModel):
    taken_at: str
    source: str
    read_seconds: float
    counts: dict[str, int]
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
