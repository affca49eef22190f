"""Customer answers of the read model: a customer's profile, accounts, households and
metrics, the contact details they share with others, and households.

Profiles, accounts and memberships are the data the store holds now; every figure
(exposures, groups, circles, referral reach, influence, suspected links, household
totals) is the published run's, and is None for a customer the run did not have."""

from __future__ import annotations

from typing import Any

from guanxi.errors import NotFound
from guanxi.graph.schema import CREDIT_PRODUCTS, SPECS, Entity
from guanxi.graph.store import Result
from guanxi.limits import MAX_PAGE_SIZE
from guanxi.roles import Capability, Masking, Role, can, mask_record, mask_value, require
from guanxi.service.arrays import position
from guanxi.service.lookup import keyed
from guanxi.service.snapshot import Snapshot
from guanxi.values import plain

__all__ = ["CustomerAnswers", "person", "value_and_churn"]

#: what a customer answer's ``value`` carries of the stored value tiers (the amounts
#: are removed for a role without the credit capability, :mod:`guanxi.roles`)
VALUE_FIELDS = (
    "tier",
    "quadrant",
    "value_rank",
    "own_pct",
    "referral_pct",
    "own_value",
    "referral_value",
    "total_value",
)


def person(snap: Snapshot, customer_id: str, role: Role) -> dict[str, Any]:
    """The short, masked form of a customer named in another answer."""
    cid = str(customer_id)
    customers = snap.customers
    i = position(customers.index, cid)
    if i < 0:
        return Masking(role).person(cid, None, None)
    return Masking(role).person(
        cid, plain(customers["name"].iat[i]), plain(customers["kind"].iat[i])
    )


def value_and_churn(snap: Snapshot, cid: str, role: Role) -> dict[str, Any]:
    """A customer's ``value`` (tier, quadrant, percentiles and, by role, amounts) and
    ``churn`` (when they left, or how much at risk they are) as the published run
    stored them; each None for a customer the run did not rank (one loaded since, or
    one who left has no value row)."""
    tiers = keyed(snap, Result.VALUE_TIERS)
    i = tiers.find(cid)
    value = mask_record(tiers.row(i, VALUE_FIELDS), role) if i >= 0 else None
    left = keyed(snap, Result.DEPARTURES)
    risk = keyed(snap, Result.AT_RISK)
    j, k = left.find(cid), risk.find(cid)
    churn = None
    if j >= 0:
        churn = {"left": True, **left.row(j, ("closed_on", "source", "days_ago"))}
        churn["neighbours_at_risk"] = plain(left.frame["ties"].iat[j])
    elif k >= 0:
        churn = {"left": False, "at_risk": True}
        churn.update(risk.row(k, ("rank", "hazard_ratio", "neighbours_left", "last_left_on")))
        churn["via"] = str(risk.frame["via"].iat[k]).split(";")
        churn["departed"] = [
            person(snap, x, role) for x in str(risk.frame["departed_ids"].iat[k]).split(";") if x
        ]
    elif snap.in_run(cid):
        churn = {"left": False, "at_risk": False}
    return {"value": value, "churn": churn}


def _accounts_of(snap: Snapshot, cid: str, role: Role) -> list[dict[str, Any]]:
    held = snap.holdings.rows(cid)
    out = []
    for account_id, hold_role in zip(held["account_id"], held["role"], strict=True):
        aid = str(account_id)
        if aid not in snap.accounts.index:
            continue
        a = snap.accounts.loc[aid]
        rec = {
            "account_id": aid,
            "product": plain(a["product"]),
            "holder_role": plain(hold_role),
            "status": plain(a["status"]),
            "currency": plain(a["currency"]),
            "opened_on": plain(a["opened_on"]),
            "balance": plain(a["balance"]),
            "credit_limit": plain(a["credit_limit"]),
            "outstanding": plain(a["outstanding"]),
            "ccf": plain(a["ccf"]),
            "exposure": plain(snap.account_exposure.get(aid))
            if a["product"] in CREDIT_PRODUCTS and aid in snap.account_exposure.index
            else None,
        }
        out.append(mask_record(rec, role))
    return out


class CustomerAnswers:
    """The customer answers of :class:`~guanxi.service.GraphService` (a mixin: it reads
    ``self.snapshot``)."""

    snapshot: Snapshot

    def customer(self, customer_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """One customer's profile, accounts, households and, by role, credit (single-name
        exposure, group, circle) and referral / influence metrics."""
        role = Role(role)
        snap = self.snapshot
        cid = str(customer_id)
        row = snap.customer_row(cid)
        contract = SPECS[Entity.CUSTOMERS].column_names
        profile = mask_record({c: plain(row[c]) for c in contract}, role)
        extras = [c for c in snap.customers.columns if c not in contract]
        if can(role, Capability.ADMIN) and extras:
            # columns a bank added: their meaning is unknown, so only admins see them
            profile["extra"] = {c: plain(row[c]) for c in extras}
        answer: dict[str, Any] = {
            "customer": profile,
            "accounts": _accounts_of(snap, cid, role),
            "households": [
                {"household_id": plain(h), "role": plain(r)}
                for h, r in zip(
                    snap.memberships.rows(cid)["household_id"],
                    snap.memberships.rows(cid)["role"],
                    strict=True,
                )
            ],
            "as_of": snap.as_of,
            "analysis_run_id": (snap.run or {}).get("run_id"),
            "notes": list(snap.notes),
        }
        in_run = snap.in_run(cid)
        if can(role, Capability.CREDIT):
            group_id = snap.metric(cid, "group_id")
            group = None
            if group_id is not None and group_id in snap.groups.index:
                g = snap.groups.loc[group_id]
                group = {
                    "group_id": group_id,
                    "size": plain(g.get("size")),
                    "exposure": plain(g.get("exposure")),
                    "pct_tier1": plain(g.get("pct_tier1")),
                    "status": plain(g.get("status")),
                }
            answer["credit"] = {
                "single_name_exposure": snap.single_name(cid),
                "group": group,
                "circle_id": snap.metric(cid, "circle_id"),
            }
        if can(role, Capability.MARKETING):
            reach = snap.reach.loc[cid] if cid in snap.reach.index else None
            community = snap.metric(cid, "community_id")

            def reached(column: str, zero: Any) -> Any:
                # a customer of the run with no reach row referred nobody
                if reach is not None:
                    return int(reach[column]) if isinstance(zero, int) else plain(reach[column])
                return zero if in_run else None

            answer["referrals"] = {
                "referred_by": plain(snap.referred_by.get(cid)),
                "direct": reached("direct", 0),
                "cascade": reached("cascade", 0),
                "depth": reached("depth", 0),
                "downstream_aum": reached("downstream_aum", snap.zero),
                "influence_rank": snap.metric(cid, "influence_rank"),
                "influence_score": snap.metric(cid, "influence_score"),
                "community_id": community,
                "community_size": plain(snap.community_sizes.get(community)) if community else None,
            }
            answer.update(value_and_churn(snap, cid, role))
        return answer

    def suspected_links(self, customer_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """Contact details (phone, email, address, id number) the customer shares with
        others: leads for review, never a group link by default."""
        role = Role(role)
        require(role, Capability.CREDIT, "read suspected links")
        snap = self.snapshot
        cid = str(customer_id)
        snap.customer_row(cid)
        snap.require_analysis()
        link_ids = snap.suspected_by_customer.rows(cid)["suspected_link_id"].tolist()
        data = []
        for link_id in link_ids:
            s = snap.suspected.loc[str(link_id)]
            field_name = str(s["field"])
            value = plain(s["value"])
            if not can(role, Capability.PII):
                value = mask_value(field_name, value)
            ids = str(s["customer_ids"]).split(";")
            data.append(
                {
                    "suspected_link_id": str(link_id),
                    "field": field_name,
                    "value": value,
                    "size": int(s["size"]),
                    "customers": [person(snap, i, role) for i in ids[:MAX_PAGE_SIZE]],
                }
            )
        return {"customer_id": cid, "data": data, "count": len(data), "notes": list(snap.notes)}

    def household(self, household_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """A household: members with their roles (the data), combined deposits and (by
        role) exposure (the published run's)."""
        role = Role(role)
        snap = self.snapshot
        hid = str(household_id)
        if hid not in snap.household_summary.index:
            if hid not in snap.household_rows:
                raise NotFound(f"household {hid} not found")
            snap.require_analysis()
            raise NotFound(f"household {hid} is not in the published {snap.run_label()}")
        h = snap.household_summary.loc[hid]
        rows = snap.household_rows.rows(hid)
        members = []
        for cid, member_role in zip(rows["customer_id"], rows["role"], strict=True):
            rec = person(snap, str(cid), role)
            rec["role"] = plain(member_role)
            members.append(rec)
        members.sort(key=lambda r: r["customer_id"])
        answer = {
            "household_id": hid,
            "size": int(h["size"]),
            "head": plain(h["head"]),
            "deposits": plain(h["deposits"]),
            "exposure": plain(h["exposure"]),
            "members": members,
            "notes": list(snap.notes),
        }
        return mask_record(answer, role)
