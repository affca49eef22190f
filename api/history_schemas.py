"""Response schemas of the month-over-month routes: the stored runs, the changes
between two runs, one group across runs, and the alerts.

Money follows :mod:`guanxi.api.schemas`: every amount and percentage is an exact
decimal sent as a JSON string, never a float.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from guanxi.api.schemas import NO_CREDIT, NOTES, PersonRef, money

__all__ = [
    "RunPublic",
    "RunsPublic",
    "RunRef",
    "GroupChangePublic",
    "GroupChanges",
    "MemberChangePublic",
    "MemberChanges",
    "CircleChangePublic",
    "CircleChanges",
    "InfluencerChangePublic",
    "InfluencerChanges",
    "CascadeChangePublic",
    "CascadeChanges",
    "ChangesPublic",
    "GroupHistoryEntry",
    "GroupHistoryPublic",
    "AlertPublic",
    "AlertsPublic",
]


class RunPublic(BaseModel):
    """One stored analysis run."""

    run_id: str
    kind: str | None = Field(None, description="official (may be published) or what-if")
    as_of: str | None = Field(None, description="The analysis date")
    snapshot_id: str | None = Field(None, description="The load (snapshot) the run read")
    created_at: str | None = None
    published: bool = Field(description="The run every answer's figures come from")
    compared_with: str | None = Field(
        None,
        description="The run published when this one started: its change tables and alerts "
        "are against it (null for a first run)",
    )
    groups: int | None = None
    large_groups: int | None = None
    breach_groups: int | None = None
    single_name_breaches: int | None = None
    circles: int | None = None
    referrers: int | None = None
    communities: int | None = None
    households: int | None = None
    suspected_links: int | None = None
    alerts: int | None = None
    warnings: list[str]


class RunsPublic(BaseModel):
    data: list[RunPublic]
    count: int
    page: int
    page_size: int
    published_run_id: str | None = Field(None, description="The run the answers come from")
    notes: list[str] = Field(default_factory=list, description=NOTES)


class RunRef(BaseModel):
    """A run named in an answer (its date and kind are null when it is no longer stored)."""

    run_id: str
    as_of: str | None = None
    kind: str | None = None


class GroupChangePublic(BaseModel):
    group_id: str
    change: str = Field(description="continued, new, gone, merged or split")
    other_id: str | None = Field(
        None, description="The group it merged into (merged) or split off (split)"
    )
    merged_in: list[str] = Field(description="Groups merged into this one")
    size_before: int
    size_after: int
    members_in: int
    members_out: int
    exposure_before: Decimal | None = money("In the reporting currency")
    exposure_after: Decimal | None = money("In the reporting currency")
    exposure_change: Decimal | None = money("After minus before, in the reporting currency")
    exposure_change_pct: Decimal | None = money(
        "Percent change of the exposure, two decimals (null when it was 0 or the group is "
        "new or gone)"
    )
    pct_tier1_before: Decimal | None = money("Percent of Tier 1 capital, four decimals")
    pct_tier1_after: Decimal | None = money("Percent of Tier 1 capital, four decimals")
    status_before: str | None = None
    status_after: str | None = None
    crossing: str | None = Field(None, description='A status crossing, e.g. "ok>large"')


class GroupChanges(BaseModel):
    data: list[GroupChangePublic]
    count: int


class MemberChangePublic(PersonRef):
    group_id: str
    change: str = Field(description="joined or left")
    from_group: str | None = Field(
        None, description="joined: the group it was in before; left: the group it is in now"
    )
    group_status: str | None = None


class MemberChanges(BaseModel):
    data: list[MemberChangePublic]
    count: int


class CircleChangePublic(BaseModel):
    circle_id: str
    change: str = Field(description="new, dissolved or continued")
    size_before: int
    size_after: int
    members: list[str] = Field(description="customer_ids (now, or before it dissolved)")


class CircleChanges(BaseModel):
    data: list[CircleChangePublic]
    count: int


class InfluencerChangePublic(PersonRef):
    rank_before: int | None = None
    rank_after: int | None = None
    move: int | None = Field(None, description="Places gained (rank before minus rank after)")


class InfluencerChanges(BaseModel):
    data: list[InfluencerChangePublic]
    count: int


class CascadeChangePublic(PersonRef):
    cascade_before: int
    cascade_after: int
    growth: float | None = Field(None, description="After over before (null when it was 0)")


class CascadeChanges(BaseModel):
    data: list[CascadeChangePublic]
    count: int


#: what a change table of an answer may be
_TABLE_NOTE = "Absent when another table is asked for"


class ChangesPublic(BaseModel):
    """What changed from one run to another; each table paged by ``page`` and
    ``page_size``."""

    from_run: RunRef | None = Field(
        None, description="The older run (null: the newer one was compared with none)"
    )
    to_run: RunRef
    computed: bool = Field(
        description="false: the tables stored with the newer run; true: computed now from "
        "the two runs' stored results"
    )
    page: int
    page_size: int
    groups: GroupChanges | None = Field(None, description=f"{NO_CREDIT}. {_TABLE_NOTE}")
    members: MemberChanges | None = Field(None, description=f"{NO_CREDIT}. {_TABLE_NOTE}")
    circles: CircleChanges | None = Field(None, description=f"{NO_CREDIT}. {_TABLE_NOTE}")
    influencers: InfluencerChanges | None = Field(
        None, description=f"Absent for roles without marketing. {_TABLE_NOTE}"
    )
    cascades: CascadeChanges | None = Field(
        None, description=f"Absent for roles without marketing. {_TABLE_NOTE}"
    )
    notes: list[str] = Field(default_factory=list, description=NOTES)


class GroupHistoryEntry(BaseModel):
    """The group in one stored official run."""

    run_id: str
    as_of: str | None = None
    published: bool
    event: str | None = Field(
        None,
        description="continued, new, split (off other_id), merged (into other_id) or gone; "
        "null when the run recorded no lineage",
    )
    other_id: str | None = None
    merged_in: list[str] = Field(description="Groups merged into this one in that run")
    split_off: list[str] = Field(description="Groups that split off this one in that run")
    size: int | None = None
    exposure: Decimal | None = money("In the reporting currency")
    pct_tier1: Decimal | None = money("Percent of Tier 1 capital, four decimals")
    status: str | None = None


class GroupHistoryPublic(BaseModel):
    group_id: str
    data: list[GroupHistoryEntry]
    count: int
    notes: list[str] = Field(default_factory=list, description=NOTES)


class AlertPublic(BaseModel):
    rule: str = Field(
        description="status_up, exposure_jump, new_circle, joined_breach, member_large or "
        "cascade_doubled"
    )
    severity: str = Field(description="high or medium")
    subject: str = Field(description="group, customer or circle")
    id: str
    group_id: str | None = None
    detail: str


class AlertsPublic(BaseModel):
    run_id: str | None = None
    as_of: str
    compared_with: str | None = None
    data: list[AlertPublic]
    count: int
    page: int
    page_size: int
    notes: list[str] = Field(default_factory=list, description=NOTES)
