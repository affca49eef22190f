"""Request and response schemas of the risk officer's depth routes (issue 16):
customer search, evidence paths, key guarantors, the dependency review and the default
what-if (:mod:`guanxi.api.risk_depth`).

As everywhere in the API, money (and ``pct_tier1``, shares) is an exact decimal sent as
a JSON string; personal data (names, id numbers) is masked for roles without PII.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from guanxi.api.schemas import NOTES, CustomerIdText, PersonRef, money
from guanxi.service.risk_depth import MAX_ASSUMED_DEFAULTS

__all__ = [
    "SearchHit",
    "SearchPublic",
    "EvidenceHop",
    "EvidenceMember",
    "EvidencePublic",
    "KeyGuarantor",
    "KeyGuarantorsPublic",
    "DependencyReviewRow",
    "DependencyReviewPublic",
    "WhatIfDefaultRequest",
    "WhatIfRound",
    "WhatIfDefaulter",
    "WhatIfStanding",
    "WhatIfDefaultPublic",
]


# -- search -------------------------------------------------------------------------
class SearchHit(BaseModel):
    customer_id: str
    kind: str | None = None
    name: str | None = Field(None, description="Masked for roles without PII")
    id_number: str | None = Field(
        None,
        description="Resident id or passport number (persons), unified social credit code "
        "(companies); masked for roles without PII",
    )
    matched: str = Field(description="The field the text matched: customer_id, id_number or name")


class SearchPublic(BaseModel):
    data: list[SearchHit]
    count: int
    limit: int
    truncated: bool = Field(description="More customers matched than the limit let through")
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


# -- evidence paths -----------------------------------------------------------------
class EvidenceHop(BaseModel):
    hop: int = Field(description="1 touches the member, the last touches the head")
    a: str
    b: str
    reason: str
    source_entity: str | None = None
    source_key: str | None = None
    toward: str | None = Field(None, description="The customer this hop reaches on its way")
    source_row: dict[str, Any] | None = Field(
        None,
        description="The row of the data the link comes from; its amounts are decimal "
        "strings as everywhere",
    )


class EvidenceMember(PersonRef):
    is_head: bool
    hops: list[EvidenceHop] = Field(description="The member's evidence path; empty for the head")


class EvidencePublic(BaseModel):
    group_id: str
    head: PersonRef | None = None
    members: list[EvidenceMember]
    members_total: int
    truncated: bool
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


# -- key guarantors -----------------------------------------------------------------
class KeyGuarantor(PersonRef):
    rank: int
    exposure_at_risk: Decimal | None = money(
        "What this member's default alone puts at risk, in the reporting currency"
    )
    own_exposure: Decimal | None = money("Its single-name exposure, in the reporting currency")
    defaults: int | None = Field(None, description="Customers defaulting in its cascade")
    rounds: int | None = Field(None, description="Rounds of its cascade")


class KeyGuarantorsPublic(BaseModel):
    circle_id: str
    data: list[KeyGuarantor]
    count: int
    threshold: str = Field(description="The default threshold the ranking was simulated with")
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


# -- dependency review --------------------------------------------------------------
class DependencyReviewRow(BaseModel):
    customer_id: str
    name: str | None = Field(None, description="Masked for roles without PII")
    single_name_exposure: Decimal | None = money("In the reporting currency")
    pct_tier1: Decimal | None = money("Percent of Tier 1 capital, four decimals")
    counterparty_id: str | None = None
    counterparty_name: str | None = Field(None, description="Masked for roles without PII")
    direction: str | None = Field(None, description="depends_on or depended_on_by")
    kind: str | None = Field(None, description="The dependency's kind (receipts, expenditure, ...)")
    share: Decimal | None = money("A fraction 0..1 as loaded")
    source: str | None = None
    links: bool | None = Field(None, description="Whether the row meets the linking rule")


class DependencyReviewPublic(BaseModel):
    data: list[DependencyReviewRow]
    count: int
    page: int
    page_size: int
    tier1_capital: Decimal | None = money("Of the published run, in the reporting currency")
    preset: str | None = None
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)


# -- what-if: defaults --------------------------------------------------------------
#: a positive share, as a decimal string ("1", "0.8", "1.25")
ThresholdText = Annotated[
    str,
    StringConstraints(
        pattern=r"^(?:[0-9]{0,12}[1-9][0-9]{0,12}(?:\.[0-9]{1,12})?"
        r"|[0-9]{1,12}\.[0-9]{0,11}[1-9][0-9]{0,11})$"
    ),
]


class WhatIfDefaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_ids: list[CustomerIdText] = Field(
        min_length=1,
        max_length=MAX_ASSUMED_DEFAULTS,
        description="Customers assumed to default in round 0",
    )
    threshold: ThresholdText = Field(
        "1",
        description="A guarantor defaults when the guarantees called exceed this share of "
        'its net assets: a positive decimal string ("1", "0.8")',
    )
    default_without_net_assets: bool = Field(
        False, description="Let a called guarantor without net assets default (else it stands)"
    )


class WhatIfRound(BaseModel):
    round: int
    defaults: int
    exposure_at_risk: Decimal | None = money("In the reporting currency")
    cumulative_exposure_at_risk: Decimal | None = money("In the reporting currency")
    pct_tier1: Decimal | None = money("Cumulative, percent of Tier 1 capital, four decimals")


class WhatIfDefaulter(PersonRef):
    round: int
    cause: str = Field(description="assumed or guarantees called")
    obligation: Decimal | None = money("Guarantees called when it defaulted")
    net_assets: Decimal | None = money("In the reporting currency; null when unknown")
    credit_exposure: Decimal | None = money("Its single-name exposure")
    exposure_at_risk: Decimal | None = money("The accounts first counted with it")


class WhatIfStanding(PersonRef):
    guarantees_called: int
    obligation: Decimal | None = money("Guarantees called")
    credit_exposure: Decimal | None = money("Its single-name exposure")
    net_assets: Decimal | None = money("In the reporting currency; null when unknown")
    assessable: bool = Field(description="Its net assets are known")


class WhatIfDefaultPublic(BaseModel):
    customer_ids: list[str]
    threshold: str
    default_without_net_assets: bool
    guarantees_valid_on: str | None = None
    reporting_currency: str
    rounds: list[WhatIfRound]
    defaults: list[WhatIfDefaulter]
    defaults_total: int
    standing: list[WhatIfStanding] = Field(description="Guarantors called who stand")
    standing_total: int
    truncated: bool
    exposure_at_risk: Decimal | None = money("The whole cascade's, in the reporting currency")
    tier1_capital: Decimal | None = money("Of the published run, in the reporting currency")
    pct_tier1: Decimal | None = money("Percent of Tier 1 capital, four decimals")
    as_of: str
    notes: list[str] = Field(default_factory=list, description=NOTES)
