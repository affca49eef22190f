"""Month over month in the read model: the stored runs, what changed between two runs,
one group across runs, and the early warnings (风险预警).

Every run stores, against the run published when it started (its ``compared_with``),
its change tables and alerts (:mod:`guanxi.algorithms.changes` describes every column
and rule) and its lineage events (:mod:`guanxi.algorithms.lineage`). The answers here
serve those stored tables:

- the published run's change tables and alerts are in the snapshot, read with its
  other result sets;
- another run's stored tables, and a group's history across every stored official
  run, are read from the store through the service's store access (the history of
  every group is read once per snapshot and kept with it);
- only a comparison of two runs that were not compared when the newer one ran is
  computed, by :func:`guanxi.history.diff_runs`, a pure function over the two runs'
  stored result sets (imported when such a comparison is asked for).

Choices where the contract is silent
------------------------------------
- The influencer and cascade tables carry referral metrics: they need the marketing
  capability; the group, member and circle tables need the credit capability. The
  ``cascade_doubled`` alerts are referral metrics too: a role without the marketing
  capability gets the others, and a note says how many were left out.
- A money figure of a change table is given with the run's decimal places when it has
  no more than those (a difference of two zero exposures is stored as ``0``); nothing
  is rounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pandas as pd

from guanxi.errors import ConfigError, NotFound
from guanxi.graph.store import GraphStore, Result, decode_run
from guanxi.limits import MAX_PAGE_SIZE, bounded
from guanxi.roles import Capability, Role, can, require
from guanxi.service.access import StoreAccess
from guanxi.service.arrays import ByKey
from guanxi.service.customers import person
from guanxi.service.snapshot import Snapshot
from guanxi.values import plain

__all__ = [
    "ChangeTable",
    "GroupChange",
    "Crossing",
    "AlertRule",
    "Severity",
    "CHANGE_RESULTS",
    "TABLE_CAPABILITY",
    "RUN_COUNTS",
    "GroupHistory",
    "HistoryAnswers",
]


class ChangeTable(StrEnum):
    """The change tables of a run, as the answers name them."""

    GROUPS = "groups"
    MEMBERS = "members"
    CIRCLES = "circles"
    INFLUENCERS = "influencers"
    CASCADES = "cascades"


class GroupChange(StrEnum):
    """What became of a group from one run to the next (``group_changes.change``)."""

    CONTINUED = "continued"
    NEW = "new"
    GONE = "gone"
    MERGED = "merged"
    SPLIT = "split"


class Crossing(StrEnum):
    """A group's status crossing (``group_changes.crossing``), or ``any`` of them."""

    ANY = "any"
    OK_LARGE = "ok>large"
    LARGE_BREACH = "large>breach"
    OK_BREACH = "ok>breach"
    BREACH_LARGE = "breach>large"
    LARGE_OK = "large>ok"
    BREACH_OK = "breach>ok"


class AlertRule(StrEnum):
    """The alert rules (:mod:`guanxi.algorithms.changes`)."""

    STATUS_UP = "status_up"
    EXPOSURE_JUMP = "exposure_jump"
    NEW_CIRCLE = "new_circle"
    JOINED_BREACH = "joined_breach"
    MEMBER_LARGE = "member_large"
    CASCADE_DOUBLED = "cascade_doubled"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"


#: the stored result set of each change table
CHANGE_RESULTS: Mapping[ChangeTable, Result] = {
    ChangeTable.GROUPS: Result.GROUP_CHANGES,
    ChangeTable.MEMBERS: Result.MEMBER_CHANGES,
    ChangeTable.CIRCLES: Result.CIRCLE_CHANGES,
    ChangeTable.INFLUENCERS: Result.INFLUENCER_CHANGES,
    ChangeTable.CASCADES: Result.CASCADE_CHANGES,
}
#: the capability a role needs to read each change table
TABLE_CAPABILITY: Mapping[ChangeTable, Capability] = {
    ChangeTable.GROUPS: Capability.CREDIT,
    ChangeTable.MEMBERS: Capability.CREDIT,
    ChangeTable.CIRCLES: Capability.CREDIT,
    ChangeTable.INFLUENCERS: Capability.MARKETING,
    ChangeTable.CASCADES: Capability.MARKETING,
}
#: the counts of a run's summary that the run list gives
RUN_COUNTS = (
    "groups",
    "large_groups",
    "breach_groups",
    "single_name_breaches",
    "circles",
    "referrers",
    "communities",
    "households",
    "suspected_links",
    "alerts",
)
#: the alert rule that carries referral metrics (needs the marketing capability)
_REFERRAL_RULES = frozenset({AlertRule.CASCADE_DOUBLED.value})


# -- values of the stored tables ------------------------------------------------------
def _text(value: Any) -> str | None:
    """A stored text value; missing or empty is None."""
    value = plain(value)
    return None if value is None or str(value) == "" else str(value)


def _int(value: Any) -> int | None:
    value = plain(value)
    return None if value is None else int(value)


def _ids(value: Any) -> list[str]:
    """Ids stored joined by ``;`` (empty: none)."""
    text = _text(value)
    return [] if text is None else [x for x in text.split(";") if x]


def _decimal(value: Any) -> Decimal | None:
    """A stored figure (text, a decimal, a number) as an exact decimal; None when missing
    (a text column stores a missing figure as NaN)."""
    value = plain(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    return amount if amount.is_finite() else None


def _money(value: Any, digits: int) -> Decimal | None:
    """:func:`_decimal`, given ``digits`` decimal places when it has no more (exact)."""
    amount = _decimal(value)
    if amount is None:
        return None
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent < digits:
        return amount.quantize(Decimal(1).scaleb(-digits))
    return amount


def _column_text(frame: pd.DataFrame, column: str) -> pd.Series:
    """``frame[column]`` as text, missing values as empty text."""
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype="object")
    values = frame[column].astype("object")
    return values.where(values.notna(), "").astype("str")


def _page(frame: pd.DataFrame, page: int, page_size: int) -> tuple[pd.DataFrame, int]:
    start = (page - 1) * page_size
    return frame.iloc[start : start + page_size], len(frame)


def _run_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of ``GraphStore.runs`` decoded, with plain values."""
    run = decode_run({k: plain(v) for k, v in row.items()})
    run["published"] = bool(run.get("published"))
    return run


def _runs_of(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Every run of a ``GraphStore.runs`` frame, decoded, oldest first."""
    if frame is None or not len(frame):
        return []
    return [_run_row(r) for r in frame.to_dict("records")]


def _run_ref(run_id: str | None, runs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    if run_id is None:
        return None
    run = runs.get(run_id, {})
    return {"run_id": run_id, "as_of": run.get("as_of"), "kind": run.get("kind")}


# -- the rows of each table, as answers give them -------------------------------------
def _group_rows(frame: pd.DataFrame, digits: int) -> list[dict[str, Any]]:
    out = []
    for r in frame.to_dict("records"):
        out.append(
            {
                "group_id": _text(r.get("group_id")),
                "change": _text(r.get("change")),
                "other_id": _text(r.get("other_id")),
                "merged_in": _ids(r.get("merged_in")),
                "size_before": _int(r.get("size_before")),
                "size_after": _int(r.get("size_after")),
                "members_in": _int(r.get("members_in")),
                "members_out": _int(r.get("members_out")),
                "exposure_before": _money(r.get("exposure_before"), digits),
                "exposure_after": _money(r.get("exposure_after"), digits),
                "exposure_change": _money(r.get("exposure_change"), digits),
                "exposure_change_pct": _decimal(r.get("exposure_change_pct")),
                "pct_tier1_before": _decimal(r.get("pct_tier1_before")),
                "pct_tier1_after": _decimal(r.get("pct_tier1_after")),
                "status_before": _text(r.get("status_before")),
                "status_after": _text(r.get("status_after")),
                "crossing": _text(r.get("crossing")),
            }
        )
    return out


def _person_rows(
    snap: Snapshot, frame: pd.DataFrame, role: Role, fields: Callable[[dict], dict]
) -> list[dict[str, Any]]:
    """One row per change: the customer as ``role`` may see them, then ``fields(row)``."""
    out = []
    for r in frame.to_dict("records"):
        rec = person(snap, str(r["customer_id"]), role)
        rec.update(fields(r))
        out.append(rec)
    return out


def _member_rows(snap: Snapshot, frame: pd.DataFrame, role: Role) -> list[dict[str, Any]]:
    return _person_rows(
        snap,
        frame,
        role,
        lambda r: {
            "group_id": _text(r.get("group_id")),
            "change": _text(r.get("change")),
            "from_group": _text(r.get("from_group")),
            "group_status": _text(r.get("group_status")),
        },
    )


def _circle_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "circle_id": _text(r.get("circle_id")),
            "change": _text(r.get("change")),
            "size_before": _int(r.get("size_before")),
            "size_after": _int(r.get("size_after")),
            "members": _ids(r.get("members")),
        }
        for r in frame.to_dict("records")
    ]


def _influencer_rows(snap: Snapshot, frame: pd.DataFrame, role: Role) -> list[dict[str, Any]]:
    return _person_rows(
        snap,
        frame,
        role,
        lambda r: {
            "rank_before": _int(r.get("rank_before")),
            "rank_after": _int(r.get("rank_after")),
            "move": _int(r.get("move")),
        },
    )


def _cascade_rows(snap: Snapshot, frame: pd.DataFrame, role: Role) -> list[dict[str, Any]]:
    return _person_rows(
        snap,
        frame,
        role,
        lambda r: {
            "cascade_before": _int(r.get("cascade_before")),
            "cascade_after": _int(r.get("cascade_after")),
            "growth": plain(r.get("growth")),
        },
    )


def _filter_groups(
    frame: pd.DataFrame, change: GroupChange | None, crossing: Crossing | None
) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if change is not None:
        keep &= _column_text(frame, "change") == change.value
    if crossing is not None:
        crossed = _column_text(frame, "crossing")
        keep &= crossed != "" if crossing is Crossing.ANY else crossed == crossing.value
    return frame[keep.to_numpy(dtype=bool)]


# -- one group across runs ------------------------------------------------------------
class GroupHistory:
    """Every stored official run's groups and lineage events, by group id, read once
    per snapshot (:meth:`HistoryAnswers.group_history`).

    Attributes
    ----------
    runs : list of dict
        The official runs read, oldest first (decoded rows of ``GraphStore.runs``).
    groups : ByKey
        ``run``, ``group_id``, ``size``, ``exposure``, ``pct_tier1``, ``status`` by
        group id (``run``: the position in :attr:`runs`).
    events : ByKey
        ``run``, ``group_id``, ``event``, ``other_id`` by group id.
    absorbed : ByKey
        The same rows by ``other_id``: the group a group merged into, or split off.
    missing : list of str
        Runs of the snapshot's list no longer stored when the history was read.
    """

    COLUMNS = ("group_id", "size", "exposure", "pct_tier1", "status")
    EVENT_COLUMNS = ("group_id", "event", "other_id")

    def __init__(
        self,
        runs: list[dict[str, Any]],
        groups: list[pd.DataFrame],
        events: list[pd.DataFrame],
        missing: list[str],
    ):
        self.runs = runs
        self.missing = missing
        self.groups = ByKey(self._stack(groups, self.COLUMNS), "group_id")
        stacked = self._stack(events, self.EVENT_COLUMNS)
        self.events = ByKey(stacked, "group_id")
        self.absorbed = ByKey(stacked, "other_id")

    @staticmethod
    def _stack(frames: list[pd.DataFrame], columns: Iterable[str]) -> pd.DataFrame:
        """The ``columns`` of each run's frame as plain values (each run's money
        columns may have their own decimal type), with the run's position."""
        parts = []
        for i, frame in enumerate(frames):
            part = {"run": [i] * len(frame)}
            for column in columns:
                part[column] = (
                    [plain(v) for v in frame[column].tolist()]
                    if column in frame.columns
                    else [None] * len(frame)
                )
            parts.append(pd.DataFrame(part, dtype="object"))
        if not parts:
            return pd.DataFrame({c: [] for c in ("run", *columns)}, dtype="object")
        out = pd.concat(parts, ignore_index=True)
        for column in ("group_id", "other_id"):
            if column in out.columns:
                out[column] = _column_text(out, column)
        return out

    @classmethod
    def read(cls, snap: Snapshot, store: GraphStore) -> GroupHistory:
        """The history of ``snap``'s official runs: the published run's sets from the
        snapshot, the others' from ``store``; a run the store no longer holds (pruned
        by retention since the snapshot was read) is left out and named."""
        served = str((snap.run or {}).get("run_id"))
        official = [r for r in _runs_of(snap.runs) if r.get("kind") == "official"]
        if snap.run is not None and served not in {str(r["run_id"]) for r in official}:
            official.append(dict(snap.run))  # read before the list: it is the newest
        stored = set(store.runs()["run_id"].astype("str"))
        runs, groups, events = [], [], []
        for run in official:
            run_id = str(run["run_id"])
            if run_id == served:
                g = snap.results.get(Result.EXPOSURE_GROUPS, pd.DataFrame())
                e = snap.results.get(Result.GROUP_LINEAGE, pd.DataFrame())
            elif run_id in stored:
                g = store.fetch_results(Result.EXPOSURE_GROUPS, run_id)
                e = store.fetch_results(Result.GROUP_LINEAGE, run_id)
            else:
                continue
            runs.append(run)
            groups.append(g)
            events.append(e)
        # a run pruned while its sets were read may have given empty sets: leave it out
        still = set(store.runs()["run_id"].astype("str")) | {served}
        keep = [i for i, r in enumerate(runs) if str(r["run_id"]) in still]
        missing = [str(r["run_id"]) for r in official if str(r["run_id"]) not in still]
        return cls(
            [runs[i] for i in keep],
            [groups[i] for i in keep],
            [events[i] for i in keep],
            missing,
        )

    def of(self, group_id: str, digits: int, served: str | None) -> list[dict[str, Any]]:
        """The entries of one group, oldest run first (empty: no run knows it)."""
        rows = self.groups.rows(group_id)
        by_run = {int(r["run"]): r for r in rows.to_dict("records")}
        events: dict[int, list[tuple[str, str]]] = {}
        for r in self.events.rows(group_id).to_dict("records"):
            events.setdefault(int(r["run"]), []).append((str(r["event"]), str(r["other_id"])))
        taken: dict[int, list[tuple[str, str]]] = {}
        for r in self.absorbed.rows(group_id).to_dict("records"):
            taken.setdefault(int(r["run"]), []).append((str(r["event"]), str(r["group_id"])))
        out = []
        for i, run in enumerate(self.runs):
            own, other = events.get(i, []), taken.get(i, [])
            row = by_run.get(i)
            entry: dict[str, Any] = {
                "run_id": run["run_id"],
                "as_of": run.get("as_of"),
                "published": str(run["run_id"]) == served,
                "event": None,
                "other_id": None,
                "merged_in": sorted(o for e, o in own if e == "merged"),
                "split_off": sorted(g for e, g in other if e == "split"),
                "size": None,
                "exposure": None,
                "pct_tier1": None,
                "status": None,
            }
            if row is not None:
                main = next(((e, o) for e, o in own if e in ("continued", "new", "split")), None)
                if main is not None:
                    entry["event"] = main[0]
                    entry["other_id"] = main[1] if main[0] == "split" and main[1] else None
                entry.update(
                    size=_int(row.get("size")),
                    exposure=_money(row.get("exposure"), digits),
                    pct_tier1=_decimal(row.get("pct_tier1")),
                    status=_text(row.get("status")),
                )
            else:
                into = next((g for e, g in other if e == "merged"), None)
                if into is not None:
                    entry["event"], entry["other_id"] = "merged", into
                elif any(e == "gone" for e, _ in own):
                    entry["event"] = "gone"
                else:
                    continue  # the group did not exist in this run
            out.append(entry)
        return out


_HISTORY_LOCK = threading.Lock()


class HistoryAnswers:
    """The run, change, group-history and alert answers of
    :class:`~guanxi.service.GraphService` (a mixin: it reads ``self.snapshot`` and, for
    runs other than the published one, the store through ``self._access``)."""

    snapshot: Snapshot
    _access: StoreAccess

    # -- the stored runs -------------------------------------------------------------
    def runs(
        self,
        *,
        kind: str | None = None,
        page: int = 1,
        page_size: int = 50,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """The stored runs, newest first (as read with the snapshot): id, kind, dates,
        the snapshot each read, whether it is the published run the answers come from,
        the run it was compared with, and the counts of its summary. No customer data:
        every role may list them."""
        Role(role)
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        snap = self.snapshot
        served = (snap.run or {}).get("run_id")
        runs = list(reversed(_runs_of(snap.runs)))
        if kind is not None:
            runs = [r for r in runs if r.get("kind") == str(kind)]
        start = (page - 1) * page_size
        data = []
        for run in runs[start : start + page_size]:
            summary = run.get("summary") or {}
            item = {
                "run_id": run["run_id"],
                "kind": run.get("kind"),
                "as_of": run.get("as_of"),
                "snapshot_id": run.get("snapshot_id"),
                "created_at": run.get("created_at"),
                "published": run["run_id"] == served,
                "compared_with": summary.get("compared_with"),
                "warnings": [str(w) for w in summary.get("warnings") or []],
            }
            item.update({k: _int(summary.get(k)) for k in RUN_COUNTS})
            data.append(item)
        return {
            "data": data,
            "count": len(runs),
            "page": page,
            "page_size": page_size,
            "published_run_id": served,
            "notes": list(snap.notes),
        }

    # -- what changed ----------------------------------------------------------------
    def changes(
        self,
        *,
        from_run: str | None = None,
        to_run: str | None = None,
        table: ChangeTable | str | None = None,
        change: GroupChange | str | None = None,
        crossing: Crossing | str | None = None,
        page: int = 1,
        page_size: int = 50,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """The change tables of run ``to_run`` against run ``from_run``.

        Neither given: the published run's stored tables, against the run it was
        compared with. ``to_run`` alone: that run's stored tables, against the run it
        was compared with. ``from_run`` (with ``to_run``, by default the published
        run): the stored tables of ``to_run`` when it was compared with ``from_run``,
        else the two runs compared now (:func:`guanxi.history.diff_runs`). Runs are
        named by id or by a unique prefix of it.

        Each table the role may read (or only ``table``) is paged by ``page`` and
        ``page_size``; ``change`` and ``crossing`` filter the group table.

        Raises
        ------
        Forbidden
            ``table`` needs a capability the role lacks.
        NotAnalyzed
            No published run yet.
        NotFound
            No stored run (or several) match ``from_run`` or ``to_run``.
        ConfigError
            ``from_run`` is not older than ``to_run``; a bound is out of range.
        """
        role = Role(role)
        if table is not None:
            chosen = [ChangeTable(table)]
            require(role, TABLE_CAPABILITY[chosen[0]], f"read the {chosen[0].value} changes")
        else:
            chosen = [t for t in ChangeTable if can(role, TABLE_CAPABILITY[t])]
        change = GroupChange(change) if change is not None else None
        crossing = Crossing(crossing) if crossing is not None else None
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        snap = self.snapshot
        published = snap.require_analysis()
        served = str(published["run_id"])
        notes: list[str] = []
        computed = False
        if from_run is None and to_run is None:
            runs = {str(r["run_id"]): r for r in _runs_of(snap.runs)}
            runs.setdefault(served, published)
            to_id = served
            from_id = (published.get("summary") or {}).get("compared_with")
            frames = {t: snap.results.get(CHANGE_RESULTS[t], pd.DataFrame()) for t in chosen}
        else:
            from_id, to_id, frames, runs, computed = self._read_changes(
                from_run, to_run, served, chosen
            )
        compared = (runs.get(to_id, {}).get("summary") or {}).get("compared_with")
        if to_id == served:
            notes.extend(snap.notes)
        if from_id is None:
            notes.append(
                f"run {to_id} was compared with no earlier run: every group and circle it "
                "found is listed as new"
            )
        elif from_id not in runs:
            notes.append(f"run {from_id} is no longer stored (retention): its date is unknown")
        if computed:
            notes.append(
                f"computed now from the stored results of runs {from_id} and {to_id}; ids "
                "are stable across runs; merges and splits are those run "
                f"{to_id} recorded against run {compared or 'none'}, the run it was "
                "compared with"
            )
        answer: dict[str, Any] = {
            "from_run": _run_ref(from_id, runs),
            "to_run": _run_ref(to_id, runs),
            "computed": computed,
            "page": page,
            "page_size": page_size,
        }
        for t in chosen:
            frame = frames.get(t)
            frame = pd.DataFrame() if frame is None else frame
            if t is ChangeTable.GROUPS and len(frame):
                frame = _filter_groups(frame, change, crossing)
            shown, count = _page(frame, page, page_size)
            if t is ChangeTable.GROUPS:
                data = _group_rows(shown, snap.digits)
            elif t is ChangeTable.MEMBERS:
                data = _member_rows(snap, shown, role)
            elif t is ChangeTable.CIRCLES:
                data = _circle_rows(shown)
            elif t is ChangeTable.INFLUENCERS:
                data = _influencer_rows(snap, shown, role)
            else:
                data = _cascade_rows(snap, shown, role)
            answer[t.value] = {"data": data, "count": count}
        answer["notes"] = notes
        return answer

    def _read_changes(
        self,
        from_run: str | None,
        to_run: str | None,
        served: str,
        chosen: list[ChangeTable],
    ) -> tuple[str | None, str, dict[ChangeTable, pd.DataFrame], dict[str, dict], bool]:
        """``(from_id, to_id, frames, runs, computed)`` read from the store."""
        from guanxi.history import diff_runs, resolve_run

        with self._access.reading() as store:
            runs = {str(r["run_id"]): r for r in _runs_of(store.runs())}

            def resolved(given: str, which: str) -> str:
                try:
                    return resolve_run(store, given)
                except NotFound as exc:
                    raise NotFound(
                        f"{which}: {exc} (GET /api/v1/runs lists them: use an id or a prefix "
                        "of it that names one run)"
                    ) from exc

            to_id = resolved(to_run, "to") if to_run is not None else served
            if to_id not in runs:
                raise NotFound(
                    f"the published run {to_id} is no longer stored: refresh the served data"
                )
            compared = (runs.get(to_id, {}).get("summary") or {}).get("compared_with")
            from_id = resolved(from_run, "from") if from_run is not None else compared
            if from_run is not None:
                order = list(runs)
                if from_id == to_id:
                    raise ConfigError(
                        f"from and to name the same run ({to_id}): nothing to compare"
                    )
                if order.index(from_id) > order.index(to_id):
                    raise ConfigError(
                        f"run {from_id} (from) is newer than run {to_id} (to): give the older "
                        "run as from"
                    )
            if from_run is None or from_id == compared:
                frames = {t: store.fetch_results(CHANGE_RESULTS[t], to_id) for t in chosen}
                return from_id, to_id, frames, runs, False
            changes, _ = diff_runs(store, from_id, to_id)
        tables = changes.frames()
        frames = {t: tables[CHANGE_RESULTS[t].value] for t in chosen}
        return from_id, to_id, frames, runs, True

    # -- one group across runs -------------------------------------------------------
    def group_history(self, group_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """One exposure group across every stored official run, oldest first: its
        size, exposure, % of Tier 1 and status in each run, and its lineage event
        there (``continued``, ``new``, ``split`` off another group, ``merged`` into
        another, ``gone``), with the groups merged into it or split off it.

        Raises
        ------
        Forbidden
            The role lacks the credit capability.
        NotAnalyzed
            No published run yet.
        NotFound
            No stored official run knows the group.
        StoreUnavailable
            The store cannot be read (the history of the runs other than the published
            one is read from it, once per snapshot).
        """
        role = Role(role)
        require(role, Capability.CREDIT, "read exposure groups")
        snap = self.snapshot
        run = snap.require_analysis()
        gid = str(group_id)
        history = self._group_history_index(snap)
        entries = history.of(gid, snap.digits, str(run["run_id"]))
        if not entries:
            raise NotFound(f"exposure group {gid} is in no stored official run")
        notes = list(snap.notes)
        if history.missing:
            notes.append(
                "runs no longer stored (removed by retention since the data was read): "
                + ", ".join(history.missing)
            )
        return {"group_id": gid, "data": entries, "count": len(entries), "notes": notes}

    def _group_history_index(self, snap: Snapshot) -> GroupHistory:
        cache = snap.__dict__  # the frozen dataclass guards its fields, not this cache
        found = cache.get("_group_history")
        if found is None:
            with _HISTORY_LOCK:
                found = cache.get("_group_history")
                if found is None:
                    with self._access.reading() as store:
                        found = GroupHistory.read(snap, store)
                    cache["_group_history"] = found
        return found

    # -- alerts ----------------------------------------------------------------------
    def alerts(
        self,
        *,
        rule: AlertRule | str | None = None,
        severity: Severity | str | None = None,
        page: int = 1,
        page_size: int = 50,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """The published run's stored alerts (high severity first), filtered and paged.

        Raises
        ------
        Forbidden
            The role lacks the credit capability.
        NotAnalyzed
            No published run yet.
        """
        role = Role(role)
        require(role, Capability.CREDIT, "read alerts")
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        snap = self.snapshot
        run = snap.require_analysis()
        frame = snap.results.get(Result.ALERTS, pd.DataFrame())
        notes = list(snap.notes)
        if len(frame):
            rules = _column_text(frame, "rule")
            if not can(role, Capability.MARKETING):
                referral = rules.isin(_REFERRAL_RULES).to_numpy(dtype=bool)
                if referral.any():
                    notes.append(
                        f"{int(referral.sum())} alert(s) on referral cascades are left out "
                        f"for the {role.value} role (referral metrics)"
                    )
                frame, rules = frame[~referral], rules[~referral]
            keep = pd.Series(True, index=frame.index)
            if rule is not None:
                keep &= rules == AlertRule(rule).value
            if severity is not None:
                keep &= _column_text(frame, "severity") == Severity(severity).value
            frame = frame[keep.to_numpy(dtype=bool)]
        shown, count = _page(frame, page, page_size)
        data = [
            {
                "rule": _text(r.get("rule")),
                "severity": _text(r.get("severity")),
                "subject": _text(r.get("subject")),
                "id": _text(r.get("id")),
                "group_id": _text(r.get("group_id")),
                "detail": _text(r.get("detail")),
            }
            for r in shown.to_dict("records")
        ]
        return {
            "run_id": run.get("run_id"),
            "as_of": snap.as_of,
            "compared_with": (run.get("summary") or {}).get("compared_with"),
            "data": data,
            "count": count,
            "page": page,
            "page_size": page_size,
            "notes": notes,
        }
