"""The network answer and the views of the read model: a customer's neighbourhood, an
exposure group, a guarantee circle, a referral cascade and the influencer overview, each
a :class:`~guanxi.view_model.NetworkView` masked for the caller's role."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from guanxi.graph.schema import CREDIT_PRODUCTS, SPECS, Entity, RelType
from guanxi.limits import DEFAULT_NODES, MAX_HOPS, MAX_NODES, MAX_PAGE_SIZE, bounded
from guanxi.roles import Capability, Role, can, mask_record, mask_view, require
from guanxi.service.campaigns import community_members
from guanxi.service.risk import circle_parts, circle_summary
from guanxi.service.snapshot import Snapshot
from guanxi.values import plain, plain_row, present
from guanxi.view_model import EDGE_DIRECTED, EDGE_TYPES, NetworkView, format_value, tooltip

__all__ = ["ViewAnswers"]


def _customer_node(snap: Snapshot, cid: str, role: Role, **extra: Any) -> dict[str, Any]:
    """The node of a customer, its tooltip masked for ``role`` (``extra``: more columns)."""
    row = snap.customers.loc[cid]
    rec: dict[str, Any] = {
        "customer_id": cid,
        "name": plain(row["name"]),
        "kind": plain(row["kind"]),
        "segment": plain(row["segment"]),
        "region": plain(row["region"]),
        "risk_rating": plain(row["risk_rating"]),
        "aum": plain(row["aum"]),
        "single_name_exposure": snap.single_name(cid, credit_only=True),
        "group_id": snap.metric(cid, "group_id"),
        "circle_id": snap.metric(cid, "circle_id"),
        "influence_rank": snap.metric(cid, "influence_rank"),
        "community_id": snap.metric(cid, "community_id"),
    }
    rec = mask_record(rec, role)
    kind = rec.get("kind") if rec.get("kind") in ("person", "company") else "person"
    return {
        "id": "c:" + cid,
        "kind": kind,
        "label": rec.get("name") or cid,
        "title": tooltip(rec),
        "value": rec.get("aum"),
        **extra,
    }


def _account_node(snap: Snapshot, aid: str, role: Role, **extra: Any) -> dict[str, Any]:
    """The node of an account: sized by its exposure (credit) or its balance."""
    a = snap.accounts.loc[aid]
    credit = a["product"] in CREDIT_PRODUCTS
    rec = {
        "account_id": aid,
        "product": plain(a["product"]),
        "status": plain(a["status"]),
        "currency": plain(a["currency"]),
        "opened_on": plain(a["opened_on"]),
        "balance": plain(a["balance"]),
        "credit_limit": plain(a["credit_limit"]),
        "outstanding": plain(a["outstanding"]),
        "exposure": plain(snap.account_exposure.get(aid)) if credit else None,
    }
    rec = mask_record(rec, role)
    value = rec.get("exposure") if credit else rec.get("balance")
    return {
        "id": "a:" + aid,
        "kind": "account",
        "label": f"{rec.get('product') or 'account'} {aid}",
        "title": tooltip(rec),
        "value": value,
        **extra,
    }


def _household_node(snap: Snapshot, hid: str, role: Role, **extra: Any) -> dict[str, Any]:
    """The node of a household: sized by its number of members."""
    rec: dict[str, Any] = {"household_id": hid}
    if hid in snap.household_summary.index:
        h = snap.household_summary.loc[hid]
        rec.update(
            size=plain(h["size"]),
            head=plain(h["head"]),
            deposits=plain(h["deposits"]),
            exposure=plain(h["exposure"]),
        )
    rec = mask_record(rec, role)
    return {
        "id": "h:" + hid,
        "kind": "household",
        "label": hid,
        "title": tooltip(rec),
        "value": rec.get("size"),
        **extra,
    }


def _node(snap: Snapshot, node_id: str, role: Role, **extra: Any) -> dict[str, Any]:
    """The node of a node id of the relationship graph (``c:``, ``a:`` or ``h:``)."""
    prefix, key = node_id[:2], node_id[2:]
    if prefix == "c:":
        return _customer_node(snap, key, role, **extra)
    if prefix == "a:":
        return _account_node(snap, key, role, **extra)
    return _household_node(snap, key, role, **extra)


def _edge(snap: Snapshot, eid: int, role: Role) -> dict[str, Any]:
    """The edge of an edge number of the relationship graph, with its source row in the
    tooltip (masked for ``role``)."""
    graph = snap.graph
    e = graph.edges
    rel = str(e["type"].iat[eid])
    entity = Entity(str(e["entity"].iat[eid]))
    frame = snap.frames[entity]
    i = int(e["row"].iat[eid])
    source, target = str(graph.ids[e["src"].iat[eid]]), str(graph.ids[e["dst"].iat[eid]])
    label = ""
    if entity == Entity.ACCOUNTS:
        rec: dict[str, Any] = {
            "holder": source[2:],
            "account_id": target[2:],
            "role": "primary",
        }
        label = "primary"
    else:
        rec = plain_row(frame, i, SPECS[entity].column_names)
        if rel == RelType.GUARANTEES.value:
            label = format_value(rec["amount"]) if present(rec.get("amount")) else ""
        elif rel == RelType.OWNS.value:
            share = rec.get("share")
            label = f"{share:.0%}" if present(share) else str(rec.get("role") or "")
        elif rel in (RelType.HOLDS.value, RelType.MEMBER_OF.value):
            label = str(rec.get("role") or "")
    rec = mask_record(rec, role)
    if rel == RelType.GUARANTEES.value and not can(role, Capability.CREDIT):
        label = ""
    return {
        "source": source,
        "target": target,
        "type": rel,
        "label": label,
        "title": tooltip({"type": rel, **rec}),
        "directed": EDGE_DIRECTED[rel],
    }


def _group_link_edge(link: dict[str, Any], role: Role) -> dict[str, Any]:
    """The edge of one link of an exposure group (an item of the group answer's
    ``links``), labelled by its reason (amount, share or account)."""
    src = link.get("source_row") or {}
    label = ""
    if link["reason"] == "guarantee" and present(src.get("amount")):
        label = format_value(src["amount"])
    elif link["reason"] == "control":
        share = src.get("share")
        label = f"{share:.0%}" if present(share) else str(src.get("role") or "control")
    elif link["reason"] == "joint_credit":
        label = str(link.get("source_key") or "")
    rec = {
        "reason": link["reason"],
        "source": f"{link['source_entity']} {link['source_key']}",
        **src,
    }
    return {
        "source": "c:" + link["a"],
        "target": "c:" + link["b"],
        "type": link["reason"],
        "label": label,
        "title": tooltip(mask_record(rec, role)),
        "directed": link["reason"] != "joint_credit",
    }


#: how many of the largest exposure groups, and of the top referral hubs, the overview
#: draws (the report's own read model holds the data of the 25 largest groups and of the
#: 10 top influencers' cascades, ``guanxi.report.VIEW_LIMITS``: these must not exceed it)
OVERVIEW_GROUPS = 15
OVERVIEW_HUBS = 10


class ViewAnswers:
    """The network answer and the views of :class:`~guanxi.service.GraphService` (a
    mixin: it reads ``self.snapshot`` and draws on the group, cascade and influencer
    answers)."""

    snapshot: Snapshot

    def network(
        self,
        customer_id: str,
        *,
        hops: int = 1,
        types: Iterable[str] | None = None,
        limit: int = DEFAULT_NODES,
        role: Role = Role.ADMIN,
    ) -> NetworkView:
        """A customer's neighbourhood: customers, accounts and households up to ``hops``
        steps away along the relationship ``types``, at most ``limit`` nodes."""
        from guanxi.errors import ConfigError

        role = Role(role)
        hops = bounded(hops, 1, MAX_HOPS, "hops")
        limit = bounded(limit, 1, MAX_NODES, "limit")
        wanted = list(EDGE_TYPES) if types is None else [str(getattr(t, "value", t)) for t in types]
        unknown = sorted(set(wanted) - set(EDGE_TYPES))
        if unknown:
            raise ConfigError(
                f"unknown relationship type(s) {', '.join(unknown)}; use {', '.join(EDGE_TYPES)}"
            )
        snap = self.snapshot
        cid = str(customer_id)
        snap.customer_row(cid)
        graph = snap.graph
        start = int(graph.ids.get_loc("c:" + cid))
        edge_ok = graph.type_mask(wanted)
        nodes, levels, truncated, omitted = graph.neighbourhood(
            start, hops=hops, edge_ok=edge_ok, limit=limit
        )
        eids = graph.induced_edges(nodes, edge_ok)
        node_rows = [
            _node(snap, str(graph.ids[n]), role, level=int(lv), highlight=bool(n == start))
            for n, lv in zip(nodes, levels, strict=True)
        ]
        edge_rows = [_edge(snap, int(e), role) for e in eids]
        notes = list(snap.notes)
        if truncated:
            notes.append(
                f"limited to {limit} nodes: at least {omitted} more within {hops} hop(s) "
                "were left out (ask for fewer hops or relationship types, or a larger limit)"
            )
        if set(wanted) != set(EDGE_TYPES):
            notes.append("relationship types shown: " + ", ".join(wanted))
        if not can(role, Capability.CREDIT):
            notes.append(f"credit amounts are not shown to the {role.value} role")
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Customer {cid}: {hops}-hop network",
            subtitle=f"{len(node_rows)} nodes, {len(edge_rows)} relationships",
            as_of=snap.as_of,
            source=snap.source,
            truncated=truncated,
            omitted_nodes=omitted,
            notes=notes,
        )
        return mask_view(view, role)

    def group_view(
        self, group_id: str, *, limit: int = MAX_NODES, role: Role = Role.ADMIN
    ) -> NetworkView:
        """An exposure group: its members, linked by reason (control, guarantee,
        joint_credit); the largest member highlighted."""
        role = Role(role)
        detail = self.group(group_id, limit=limit, role=role)
        snap = self.snapshot
        g = detail["group"]
        shown = {m["customer_id"] for m in detail["members"]}
        node_rows = []
        for m in detail["members"]:
            node = _customer_node(
                snap, m["customer_id"], role, highlight=m["customer_id"] == g.get("largest_member")
            )
            node["value"] = m.get("single_name_exposure")
            node_rows.append(node)
        edge_rows = [
            _group_link_edge(link, role)
            for link in detail["links"]
            if link["a"] in shown and link["b"] in shown
        ]
        notes = list(detail["notes"])
        if detail["truncated"]:
            notes.append(
                f"showing {len(detail['members'])} of {detail['members_total']} members and "
                f"{len(edge_rows)} of {detail['links_total']} links (limit {limit})"
            )
        status = g.get("status") or "not assessed"
        pct = f", {g['pct_tier1']:.1f}% of Tier 1" if present(g.get("pct_tier1")) else ""
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Exposure group {g['group_id']}",
            subtitle=f"{g['size']} members, exposure {format_value(g.get('exposure') or snap.zero)}{pct}, status {status}",
            as_of=snap.as_of,
            source=snap.source,
            truncated=bool(detail["truncated"]),
            omitted_nodes=max(0, int(detail["members_total"]) - len(node_rows)),
            notes=notes,
        )
        return mask_view(view, role)

    def circle_view(self, circle_id: str, *, role: Role = Role.ADMIN) -> NetworkView:
        """A guarantee circle: members and the guarantees between them; the guarantees on
        a listed cycle (and their customers) highlighted."""
        role = Role(role)
        require(role, Capability.CREDIT, "read guarantee circles")
        snap = self.snapshot
        snap.require_analysis()
        cid = str(circle_id)
        members, g, cycles = circle_parts(snap, cid)
        on_cycle_edges = {(c[i], c[i + 1]) for c in cycles for i in range(len(c) - 1)}
        on_cycle_nodes = {x for c in cycles for x in c}
        members = members[:MAX_NODES]
        node_rows = [_customer_node(snap, m, role, highlight=m in on_cycle_nodes) for m in members]
        for node in node_rows:
            node["value"] = snap.single_name(node["id"][2:])
        edge_rows = []
        cols = SPECS[Entity.GUARANTEES].column_names
        for i in range(len(g)):
            rec = plain_row(g, i, cols)
            pair = (rec["guarantor_id"], rec["borrower_id"])
            edge_rows.append(
                {
                    "source": "c:" + pair[0],
                    "target": "c:" + pair[1],
                    "type": RelType.GUARANTEES.value,
                    "label": format_value(rec["amount"]) if present(rec.get("amount")) else "",
                    "title": tooltip(mask_record({"type": RelType.GUARANTEES.value, **rec}, role)),
                    "directed": True,
                    "highlight": pair in on_cycle_edges,
                }
            )
        summary = circle_summary(snap, cid)
        notes = list(snap.notes)
        if summary.get("cycles_truncated"):
            notes.append(
                f"only the first {summary.get('cycles_found')} cycles are listed and highlighted"
            )
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Guarantee circle {cid}",
            subtitle=(
                f"{summary.get('size')} members, {summary.get('guarantees')} guarantees, "
                f"{len(cycles)} cycle(s) highlighted"
            ),
            as_of=snap.as_of,
            source=snap.source,
            notes=notes,
        )
        return mask_view(view, role)

    def cascade_view(
        self,
        customer_id: str,
        *,
        max_depth: int | None = None,
        max_nodes: int = 500,
        role: Role = Role.ADMIN,
    ) -> NetworkView:
        """A referral cascade as a tree: levels are generations, the root highlighted."""
        role = Role(role)
        tree = self.cascade(customer_id, max_depth=max_depth, max_nodes=max_nodes, role=role)
        snap = self.snapshot
        root = tree["customer_id"]
        node_rows = [
            _customer_node(
                snap,
                n["customer_id"],
                role,
                level=n["generation"],
                highlight=n["customer_id"] == root,
            )
            for n in tree["nodes"]
        ]
        edge_rows = [
            {
                "source": "c:" + n["parent"],
                "target": "c:" + n["customer_id"],
                "type": RelType.REFERRED.value,
                "title": tooltip(
                    {
                        "type": RelType.REFERRED.value,
                        "referrer_id": n["parent"],
                        "referee_id": n["customer_id"],
                        "generation": n["generation"],
                    }
                ),
                "directed": True,
            }
            for n in tree["nodes"]
            if n["parent"] is not None
        ]
        notes = list(tree["notes"])
        omitted = max(0, int(tree["cascade"] or 0) + 1 - len(node_rows))
        if tree["truncated"]:
            notes.append(
                f"showing {len(node_rows)} of {len(node_rows) + omitted} customers (limits: {max_nodes} nodes)"
            )
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Referral cascade of {root}",
            subtitle=(
                f"{tree['direct']} direct referrals, {tree['cascade']} in all, "
                f"{tree['depth']} generation(s), downstream AUM {format_value(tree['downstream_aum'])}"
            ),
            as_of=snap.as_of,
            source=snap.source,
            truncated=bool(tree["truncated"]),
            omitted_nodes=omitted if tree["truncated"] else 0,
            notes=notes,
        )
        return mask_view(view, role)

    def community_view(
        self, community_id: str, *, limit: int = MAX_NODES, role: Role = Role.ADMIN
    ) -> NetworkView:
        """A community of the social graph: its members (best value first, at most
        ``limit`` nodes in all), the households and accounts two or more of them share,
        and the referrals between them (the ties the communities were found on); its
        top influencer highlighted. Drawn as a network view."""
        role = Role(role)
        limit = bounded(limit, 1, MAX_NODES, "limit")
        detail = self.community(community_id, limit=min(limit, MAX_PAGE_SIZE), role=role)
        snap = self.snapshot
        profile = detail["community"]
        members = [m["customer_id"] for m in detail["members"]]
        if len(members) < min(limit, detail["members_total"]):  # beyond one page
            shown = set(members)
            rest = [c for c in community_members(snap, community_id) if c not in shown]
            members += rest[: limit - len(members)]
        graph = snap.graph
        nodes = graph.ids.get_indexer(["c:" + c for c in members])
        nodes = nodes[nodes >= 0].astype(np.int64)
        edge_ok = graph.type_mask(
            [RelType.REFERRED.value, RelType.HOLDS.value, RelType.MEMBER_OF.value]
        )
        shared = graph.shared_by(nodes, edge_ok)[: max(0, limit - nodes.size)]
        every = np.concatenate([nodes, shared])
        top = (profile.get("top_influencer") or {}).get("customer_id")
        node_rows = [
            _node(snap, str(graph.ids[n]), role, highlight=str(graph.ids[n]) == f"c:{top}")
            for n in every.tolist()
        ]
        edge_rows = [_edge(snap, int(e), role) for e in graph.induced_edges(every, edge_ok)]
        omitted = max(0, int(detail["members_total"]) - nodes.size)
        notes = list(detail["notes"])
        if omitted:
            notes.append(
                f"showing {nodes.size} of {detail['members_total']} members (limit {limit} "
                "nodes), the most valuable first"
            )
        view = NetworkView.from_rows(
            node_rows,
            edge_rows,
            title=f"Community {profile['community_id']}",
            subtitle=(
                f"{profile['size']} members ({profile['active']} active), AUM "
                f"{format_value(profile.get('aum') or snap.zero)}, "
                f"{len(shared)} shared households and accounts"
            ),
            as_of=snap.as_of,
            source=snap.source,
            truncated=bool(omitted),
            omitted_nodes=omitted,
            notes=notes,
        )
        return mask_view(view, role)

    def customer_view(self, customer_id: str, **kwargs: Any) -> NetworkView:
        """Alias of :meth:`network` (the view of a customer is its neighbourhood)."""
        return self.network(customer_id, **kwargs)

    def overview_view(self, *, limit: int = MAX_NODES, role: Role = Role.ADMIN) -> NetworkView:
        """What a manager looks at first: the largest exposure groups and the top
        referral hubs, each drawn as one node (``cluster``) that opens on click into its
        members and their links, or into the hub's cascade; at most ``limit`` nodes.

        A hub's referrals that reach a member of a drawn group link the two. Roles see
        the groups with the credit capability and the hubs with the marketing one.
        The nodes that name the sets come first; a group or cascade whose members do not
        fit in ``limit`` is drawn as that one node, and the notes say so.
        """
        role = Role(role)
        limit = bounded(limit, 1, MAX_NODES, "limit")
        snap = self.snapshot
        snap.require_analysis()
        credit, marketing = can(role, Capability.CREDIT), can(role, Capability.MARKETING)
        groups = self.groups(page_size=OVERVIEW_GROUPS, role=role)["data"] if credit else []
        hubs = self.influencers(limit=OVERVIEW_HUBS, role=role)["data"] if marketing else []
        if len(groups) + len(hubs) > limit:  # the heads alone overflow: share the limit
            n_groups = min(len(groups), max(limit - len(hubs), (limit + 1) // 2))
            groups, hubs = groups[:n_groups], hubs[: limit - n_groups]
        tier1 = snap.options.get("tier1_capital")
        heads: dict[str, dict[str, Any]] = {}
        for g in groups:
            gid = g["group_id"]
            largest = g.get("largest_member")
            name = plain(snap.customers.at[largest, "name"]) if largest else None
            name = mask_record({"name": name}, role).get("name") if name else None
            pct = g.get("pct_tier1")
            figures = [
                f"{pct:.1f} % of Tier 1"
                if present(pct)
                else "exposure " + format_value(g.get("exposure") or 0.0)
            ]
            if g.get("status"):
                figures.append(str(g["status"]))
            heads["g:" + gid] = {
                "id": "g:" + gid,
                "kind": "group",
                # the group is known by its largest member's name
                "label": (f"{name}\n" if name else "") + f"Group {gid}\n" + " · ".join(figures),
                "title": tooltip(
                    mask_record({**g, "reasons": ", ".join(g.get("reasons") or [])}, role)
                ),
                "value": g.get("exposure"),
                "highlight": True,
                "cluster": "g:" + gid,
            }
        for h in hubs:
            cid = h["customer_id"]
            node = _customer_node(snap, cid, role, highlight=True, cluster="c:" + cid)
            node["value"] = h.get("downstream_aum")
            node["title"] += "\n" + tooltip(
                mask_record(
                    {k: h.get(k) for k in ("rank", "direct", "cascade", "depth", "downstream_aum")},
                    role,
                )
            )
            heads[node["id"]] = node
        nodes = dict(heads)  # a hub who is also in a drawn group stays with its cascade
        edge_rows: list[dict[str, Any]] = []
        budget = limit - len(nodes)
        notes: list[str] = list(snap.notes)
        untold: list[str] = []
        for g in groups:
            gid = g["group_id"]
            if int(g["size"]) > budget:
                untold.append(f"group {gid}")
                continue
            detail = self.group(gid, limit=MAX_NODES, role=role)
            for m in detail["members"]:
                key = "c:" + m["customer_id"]
                if key not in nodes:
                    node = _customer_node(snap, m["customer_id"], role, cluster="g:" + gid)
                    node["value"] = m.get("single_name_exposure")
                    nodes[key] = node
                    budget -= 1
            edge_rows.extend(_group_link_edge(link, role) for link in detail["links"])
        for h in hubs:
            cid = h["customer_id"]
            if int(h.get("cascade") or 0) > budget:
                untold.append(f"the cascade of {cid}")
                continue
            tree = self.cascade(cid, max_nodes=min(budget + 1, MAX_NODES), role=role)
            for n in tree["nodes"]:
                key = "c:" + n["customer_id"]
                if key not in nodes:
                    nodes[key] = _customer_node(snap, n["customer_id"], role, cluster="c:" + cid)
                    budget -= 1
                if n["parent"] is not None:
                    edge_rows.append(
                        {
                            "source": "c:" + n["parent"],
                            "target": key,
                            "type": RelType.REFERRED.value,
                            "title": tooltip(
                                {
                                    "type": RelType.REFERRED.value,
                                    "referrer_id": n["parent"],
                                    "referee_id": n["customer_id"],
                                    "generation": n["generation"],
                                }
                            ),
                            "directed": True,
                        }
                    )
        if groups:
            notes.append(
                f"the {len(groups)} largest exposure groups by exposure"
                + ("" if tier1 else " (no Tier 1 capital given: no limit status)")
            )
        elif not credit:
            notes.append(f"exposure groups are not shown to the {role.value} role")
        if hubs:
            notes.append(
                f"the {len(hubs)} top referral hubs by influence score, each with its "
                "cascade (a customer drawn with a group or an earlier hub stays there, linked)"
            )
        elif not marketing:
            notes.append(f"referral hubs are not shown to the {role.value} role")
        if untold:
            notes.append(
                f"drawn without their members (limit {limit:,} nodes): " + ", ".join(untold)
            )
        view = NetworkView.from_rows(
            list(nodes.values()),
            edge_rows,
            title="Overview: largest exposure groups and top referral hubs",
            subtitle=(
                f"{len(groups)} groups and {len(hubs)} hubs; click one to see its members "
                "or its cascade"
            ),
            as_of=snap.as_of,
            source=snap.source,
            notes=notes,
        )
        return mask_view(view, role)
