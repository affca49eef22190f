"""The risk officer's depth answers of the read model (issue 16): customer search, a
group's evidence paths, a circle's key guarantors, the dependency review, and the
guarantee-contagion what-if.

All but the what-if index result sets the published run stored (``evidence_paths``,
``circle_key_guarantors``, ``dependency_review``) or the customers of the snapshot
(the search, :class:`guanxi.search.CustomerSearch`, built once per snapshot). The
what-if simulates on the snapshot's data with the run's options: it imports
:mod:`guanxi.whatif` (and with it the contagion algorithm) only when asked, and keeps
the guarantee network it builds with the snapshot. Nothing is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from guanxi import defaults
from guanxi.errors import NotFound
from guanxi.graph.schema import Entity
from guanxi.graph.store import Result
from guanxi.limits import MAX_NODES, MAX_PAGE_SIZE, bounded
from guanxi.roles import Capability, Masking, Role, mask_value, require
from guanxi.search import CustomerSearch
from guanxi.service.arrays import ByKey, position
from guanxi.service.customers import person
from guanxi.service.risk import find_group
from guanxi.service.snapshot import Snapshot, exact_number, reporting_of
from guanxi.values import plain, plain_records

__all__ = ["RiskDepthAnswers", "MAX_ASSUMED_DEFAULTS"]

#: most customers a what-if may assume to default
MAX_ASSUMED_DEFAULTS = 1000

_LOCK = threading.Lock()

#: the hop columns of a stored evidence path
_HOP = ("hop", "a", "b", "reason", "source_entity", "source_key", "toward")
#: the columns of a stored key-guarantor ranking served
_RANKING = ("rank", "customer_id", "exposure_at_risk", "own_exposure", "defaults", "rounds")


def _once(snap: Snapshot, name: str, build: Callable[[], Any]) -> Any:
    """``build()``, once per snapshot, kept in its ``__dict__`` (a snapshot never
    changes, so neither does what is built over it)."""
    cache = snap.__dict__
    found = cache.get(name)
    if found is None:
        with _LOCK:
            found = cache.get(name)
            if found is None:
                found = build()
                cache[name] = found
    return found


def _by(snap: Snapshot, result: Result, key: str) -> ByKey | None:
    """The rows of a stored result set by ``key``, indexed once per snapshot (None when
    the run stored no such set, e.g. one made before it existed)."""

    def build() -> tuple[ByKey | None]:
        frame = snap.results.get(result)
        return (None if frame is None or key not in frame.columns else ByKey(frame, key),)

    return _once(snap, f"_risk_depth_{result.value}", build)[0]


def _kind(snap: Snapshot, customer_id: Any) -> Any:
    i = position(snap.customers.index, str(customer_id))
    return plain(snap.customers["kind"].iat[i]) if i >= 0 else None


def _pct(value: Any) -> Decimal | None:
    value = plain(value)
    return None if value is None else Decimal(str(value))


def _people(snap: Snapshot, rows: list[dict[str, Any]], role: Role) -> list[dict[str, Any]]:
    """``rows`` (each with a ``customer_id``) with the customer's masked name and kind
    after the id."""
    out = []
    for row in rows:
        rec = person(snap, row["customer_id"], role)
        rec.update((k, v) for k, v in row.items() if k != "customer_id")
        out.append(rec)
    return out


class RiskDepthAnswers:
    """The risk officer's depth answers of :class:`~guanxi.service.GraphService` (a
    mixin: it reads ``self.snapshot``)."""

    snapshot: Snapshot
    settings: Any

    # -- search ----------------------------------------------------------------------
    def search(self, text: str, *, limit: int = 50, role: Role = Role.ADMIN) -> dict[str, Any]:
        """Customers whose name, id number (unified social credit code) or customer id
        starts with ``text``, case-insensitive (:mod:`guanxi.search`); names and id
        numbers masked for roles without PII.

        Raises
        ------
        ConfigError
            An empty text or a limit out of bounds.
        """
        role = Role(role)
        limit = bounded(limit, 1, MAX_PAGE_SIZE, "limit")
        snap = self.snapshot
        index = _once(
            snap, "_customer_search", lambda: CustomerSearch(snap.frames.get(Entity.CUSTOMERS))
        )
        found = index.find(text, limit=limit)
        masking = Masking(role)
        data = [masking.record(r) for r in plain_records(found.customers)]
        return {
            "data": data,
            "count": len(data),
            "limit": limit,
            "truncated": found.truncated,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    # -- evidence paths --------------------------------------------------------------
    def group_evidence(
        self, group_id: str, *, limit: int = MAX_NODES, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """One exposure group's head and, for every member, its evidence path to the
        head as the run stored it: one hop per link, each with its reason and the
        source row it comes from (the head's path is empty)."""
        role = Role(role)
        require(role, Capability.CREDIT, "read exposure groups")
        limit = bounded(limit, 1, MAX_NODES, "limit")
        snap = self.snapshot
        index, i = find_group(snap, group_id)
        gid = str(group_id)
        # the source row of each of the group's links, as the group answer shows it
        sources: dict[tuple[Any, Any], dict[str, Any] | None] = {}
        columns = index.links.columns
        for k in range(int(index.link_lo[i]), int(index.link_hi[i])):
            rec = dict(zip(columns, index.links.rows[k], strict=True))
            sources.setdefault(
                (rec.get("source_entity"), rec.get("source_key")), index.source_row(k)
            )
        paths = _by(snap, Result.EVIDENCE_PATHS, "group_id")
        hops: dict[str, list[dict[str, Any]]] = {}
        if paths is not None:
            rows = paths.rows(gid)
            if len(rows):
                rows = rows.sort_values(["customer_id", "hop"], kind="stable")
                for hop in plain_records(rows[[c for c in ("customer_id", *_HOP) if c in rows]]):
                    cid = str(hop.pop("customer_id"))
                    hop["source_row"] = sources.get(
                        (hop.get("source_entity"), hop.get("source_key"))
                    )
                    hops.setdefault(cid, []).append(hop)
        groups = snap.groups
        head = plain(groups.at[gid, "head"]) if "head" in groups.columns else None
        masking = Masking(role)
        lo, hi = int(index.member_lo[i]), int(index.member_hi[i])
        top = min(hi, lo + limit)
        members = []
        for cid, name, kind in zip(
            index.member_id[lo:top].tolist(),
            index.member_name[lo:top].tolist(),
            index.member_kind[lo:top].tolist(),
            strict=True,
        ):
            rec = masking.person(cid, name, kind)
            rec["is_head"] = head is not None and str(cid) == str(head)
            rec["hops"] = hops.get(str(cid), [])
            members.append(rec)
        return {
            "group_id": gid,
            "head": person(snap, head, role) if head is not None else None,
            "members": members,
            "members_total": hi - lo,
            "truncated": hi - lo > limit,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    # -- key guarantors --------------------------------------------------------------
    def circle_key_guarantors(self, circle_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """A guarantee circle's members ranked by the exposure their default alone puts
        at risk, as the run stored the ranking."""
        role = Role(role)
        require(role, Capability.CREDIT, "read guarantee circles")
        snap = self.snapshot
        snap.require_analysis()
        cid = str(circle_id)
        if not len(snap.circles) or cid not in snap.circles.index:
            raise NotFound(f"guarantee circle {cid} not found in the published {snap.run_label()}")
        ranking = _by(snap, Result.CIRCLE_KEY_GUARANTORS, "circle_id")
        rows: list[dict[str, Any]] = []
        if ranking is not None:
            found = ranking.rows(cid)
            if len(found):
                found = found.sort_values(["rank", "customer_id"], kind="stable")
                rows = plain_records(found[[c for c in _RANKING if c in found.columns]])
        data = [Masking(role).record(r) for r in _people(snap, rows, role)]
        return {
            "circle_id": cid,
            "data": data[:MAX_NODES],
            "count": len(data),
            "threshold": defaults.CONTAGION_THRESHOLD,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    # -- dependency review -----------------------------------------------------------
    def dependency_review(
        self, *, page: int = 1, page_size: int = 50, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """The economic dependencies of the customers at or above the review share of
        Tier 1, for the interdependence assessment, as the run stored them (largest
        exposure first), paged."""
        role = Role(role)
        require(role, Capability.CREDIT, "read the dependency review")
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        snap = self.snapshot
        snap.require_analysis()
        review = snap.results.get(Result.DEPENDENCY_REVIEW)
        count = 0 if review is None else len(review)
        start = (page - 1) * page_size
        masking = Masking(role)
        data = []
        if count and start < count:
            for row in plain_records(review.iloc[start : start + page_size]):
                if "pct_tier1" in row:
                    row["pct_tier1"] = _pct(row["pct_tier1"])
                if not masking.pii:
                    for name, cid in (
                        ("name", "customer_id"),
                        ("counterparty_name", "counterparty_id"),
                    ):
                        row[name] = mask_value(
                            "name", row.get(name), kind=_kind(snap, row.get(cid))
                        )
                data.append(row)
        return {
            "data": data,
            "count": count,
            "page": page,
            "page_size": page_size,
            "tier1_capital": snap.options.get("tier1_capital"),
            "preset": snap.options.get("preset"),
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    # -- what-if: defaults -----------------------------------------------------------
    def whatif_default(
        self,
        customer_ids: Iterable[str],
        *,
        threshold: Any = defaults.CONTAGION_THRESHOLD,
        default_without_net_assets: bool = False,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """Guarantee contagion from ``customer_ids`` on the snapshot's data, with the
        published run's date, credit conversion factor and reporting currency: the
        defaults round by round, the guarantors called who stand, the exposure at risk.
        Nothing is written.

        Raises
        ------
        NotFound
            Customers that are not in the store (all named).
        ConfigError
            No customer, too many, or a threshold that is not a positive share.
        """
        role = Role(role)
        require(role, Capability.CREDIT, "run a default what-if")
        snap = self.snapshot
        snap.require_analysis()
        ids = list(dict.fromkeys(str(c) for c in customer_ids))
        bounded(len(ids), 1, MAX_ASSUMED_DEFAULTS, "the number of customers assumed to default")
        unknown = [c for c in ids if position(snap.customers.index, c) < 0]
        if unknown:
            shown = ", ".join(unknown[:20]) + (
                f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
            )
            raise NotFound(f"customers not found: {shown}")
        from guanxi import whatif  # the contagion algorithm, loaded only for a what-if

        currency = reporting_of(snap.run)[0] or getattr(
            self.settings, "reporting_currency", defaults.REPORTING_CURRENCY
        )
        day = snap.options.get("as_of") or (snap.run_snapshot or {}).get("as_of")
        network = _once(
            snap,
            "_guarantee_network",
            lambda: whatif.network_of(
                snap.frames,
                as_of=day,
                ccf_default=snap.options.get("ccf_default"),
                reporting_currency=currency,
            ),
        )
        result = whatif.simulate_defaults(
            network,
            ids,
            threshold=threshold,
            assume_default_without_net_assets=default_without_net_assets,
        )
        capital = exact_number(snap.options.get("tier1_capital"))

        def pct(amount: Any) -> Decimal | None:
            if amount is None or not capital:
                return None
            return (Decimal(amount) * 100 / capital).quantize(Decimal("0.0001"))

        rounds = plain_records(result.rounds)
        for r in rounds:
            r["pct_tier1"] = pct(r.get("cumulative_exposure_at_risk"))
        defaulted = _people(snap, plain_records(result.defaults), role)
        g = result.guarantors
        standing = g[g["defaulted_in_round"].isna().to_numpy(dtype=bool)].drop(
            columns="defaulted_in_round"
        )
        standing = _people(snap, plain_records(standing), role)
        total = plain(result.exposure_at_risk)
        return {
            "customer_ids": ids,
            "threshold": str(threshold),
            "default_without_net_assets": bool(default_without_net_assets),
            "guarantees_valid_on": None if day is None else str(day),
            "reporting_currency": currency,
            "rounds": rounds,
            "defaults": defaulted[:MAX_NODES],
            "defaults_total": len(defaulted),
            "standing": standing[:MAX_NODES],
            "standing_total": len(standing),
            "truncated": len(defaulted) > MAX_NODES or len(standing) > MAX_NODES,
            "exposure_at_risk": total,
            "tier1_capital": capital,
            "pct_tier1": pct(total),
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }
