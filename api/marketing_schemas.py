"""Response schemas of the marketer's routes (issue 17): value tiers, customers at risk,
communities and relationship managers' portfolios, as the published run stored them.

As everywhere in the API, fields a role may not see are *absent* (value amounts include
a margin on drawn credit, so ``credit_revenue``, ``own_value``, ``referral_value`` and
``total_value`` are absent for roles without the credit capability: the marketing role
sees the tier, the quadrant and the percentiles), and money is an exact decimal sent as
a JSON string.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from guanxi.api.schemas import NO_CREDIT, NOTES, PersonRef, money

__all__ = [
    "Tier",
    "Quadrant",
    "ValueTierPublic",
    "ValueTiersPublic",
    "DepartedRef",
    "AtRiskPublic",
    "AtRiskListPublic",
    "Breakdown",
    "CommunityProfilePublic",
    "CommunitiesPublic",
    "CommunityMember",
    "CommunityPublic",
    "PortfolioPublic",
    "PortfoliosPublic",
    "PortfolioDetailPublic",
]


class Tier(StrEnum):
    """Value tier by total value, A the highest (how the run cut them: ``rule``)."""

    A = "A"
    B = "B"
    C = "C"


class Quadrant(StrEnum):
    """Own value against referral value, each high or low."""

    CHAMPION = "champion"
    AFFLUENT = "affluent"
    ADVOCATE = "advocate"
    MISER = "miser"


class _Page(BaseModel):
    count: int = Field(description="Rows in all pages")
    limit: int = Field(description="Rows per page")
    page: int = Field(description="This page, from 1")
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


class _Located(PersonRef):
    segment: str | None = None
    region: str | None = None
    rm_id: str | None = Field(None, description="The customer's relationship manager")


# -- value tiers --------------------------------------------------------------------
class ValueTierPublic(_Located):
    value_rank: int = Field(description="1 for the customer of highest total value")
    tier: str | None = None
    quadrant: str | None = None
    aum: Decimal | None = money("In the reporting currency")
    deposits: Decimal | None = money("In the reporting currency")
    credit_revenue: Decimal | None = money(NO_CREDIT)
    own_value: Decimal | None = money(NO_CREDIT)
    referral_value: Decimal | None = money(NO_CREDIT)
    total_value: Decimal | None = money(NO_CREDIT)
    own_pct: float | None = Field(None, description="Percentile of own value (0-100)")
    referral_pct: float | None = Field(None, description="Percentile of referral value (0-100)")


class ValueTiersPublic(_Page):
    data: list[ValueTierPublic]
    rule: str | None = Field(None, description="How the run cut the tiers")


# -- customers at risk --------------------------------------------------------------
class DepartedRef(PersonRef):
    closed_on: str | None = Field(None, description="When the customer left")


class AtRiskPublic(_Located):
    rank: int = Field(description="1 for the highest hazard ratio")
    hazard_ratio: float | None = None
    pressure: float | None = None
    neighbours_left: int | None = None
    via: list[str] = Field(default_factory=list, description="How they are tied to who left")
    last_left_on: str | None = None
    aum: Decimal | None = money("In the reporting currency")
    departed: list[DepartedRef] = Field(
        default_factory=list, description="The customers who left that this one is tied to"
    )
    tier: str | None = None


class AtRiskListPublic(_Page):
    data: list[AtRiskPublic]
    departed: int | None = Field(None, description="Customers who left (the run's count)")
    at_risk: int | None = Field(None, description="Customers at risk (the run's count)")


# -- communities ----------------------------------------------------------------------
class Breakdown(BaseModel):
    value: str
    customers: int


class CommunityProfilePublic(BaseModel):
    community_id: str
    size: int
    active: int | None = None
    departed: int | None = None
    aum: Decimal | None = money("In the reporting currency")
    segments: list[Breakdown] = Field(default_factory=list)
    regions: list[Breakdown] = Field(default_factory=list)
    rms: list[Breakdown] = Field(
        default_factory=list, description="Relationship managers, by members"
    )
    top_influencer: PersonRef | None = None
    top_influencer_rank: int | None = None
    tier_a: int | None = None
    tier_b: int | None = None
    tier_c: int | None = None
    at_risk: int | None = None


class CommunitiesPublic(_Page):
    data: list[CommunityProfilePublic]


class CommunityMember(_Located):
    tier: str | None = None
    quadrant: str | None = None
    influence_rank: int | None = None
    at_risk_rank: int | None = None


class CommunityPublic(BaseModel):
    community: CommunityProfilePublic
    members: list[CommunityMember] = Field(description="This page of members, best value first")
    members_total: int
    limit: int = Field(description="Members per page")
    page: int = Field(description="This page, from 1")
    truncated: bool = Field(description="More members follow this page")
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


# -- relationship managers ----------------------------------------------------------
class PortfolioPublic(BaseModel):
    rm_id: str
    customers: int
    departed: int | None = None
    aum: Decimal | None = money("In the reporting currency")
    hubs: int | None = None
    tier_a: int | None = None
    tier_b: int | None = None
    tier_c: int | None = None
    champions: int | None = None
    advocates: int | None = None
    at_risk: int | None = None
    at_risk_aum: Decimal | None = money("In the reporting currency")
    top_at_risk: list[PersonRef] = Field(
        default_factory=list, description="The portfolio's customers most at risk"
    )


class PortfoliosPublic(_Page):
    data: list[PortfolioPublic]


class PortfolioDetailPublic(BaseModel):
    portfolio: PortfolioPublic
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)
