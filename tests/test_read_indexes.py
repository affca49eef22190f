"""The read model's request-time indexes (guanxi.service.snapshot and .arrays): the
group and influencer answers read from arrays built once per snapshot must be exactly
what the pandas lookups they replace answered (same values, same Python types, same
key order), for every role."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

try:  # the repository root on sys.path (python -m pytest), or tests/ itself (pytest)
    from tests.read_model_support import analyzed_store, make_bank
except ModuleNotFoundError:
    from read_model_support import analyzed_store, make_bank  # type: ignore[no-redef]

from guanxi.errors import ConfigError, Forbidden, NotFound
from guanxi.graph.schema import SPECS, Entity
from guanxi.roles import PII_FIELDS, Masking, Role, mask_record
from guanxi.service import GraphService
from guanxi.service.arrays import (
    ByKey,
    compact_values,
    key_bounds,
    plain_values,
    rows_of,
    unique_index,
)
from guanxi.values import plain

CREDIT_ROLES = (Role.RISK, Role.ANALYST, Role.ADMIN)
MARKETING_ROLES = (Role.MARKETING, Role.ANALYST, Role.ADMIN)


@pytest.fixture(scope="module")
def svc(tmp_path_factory) -> GraphService:
    folder = tmp_path_factory.mktemp("read-indexes")
    path: Path = folder / "guanxi.duckdb"
    analyzed_store(path, make_bank(folder / "bank", customers=400, seed=5))
    service = GraphService.from_path(path)
    service.refresh()
    return service


# -- what the answers were built from before: pandas lookups per value -------------
def _ref_person(snap, cid, role):
    if cid in snap.customers.index:
        row = snap.customers.loc[cid]
        rec = {"customer_id": cid, "name": plain(row["name"]), "kind": plain(row["kind"])}
    else:
        rec = {"customer_id": cid, "name": None, "kind": None}
    return mask_record(rec, role)


def _ref_source_row(snap, entity, key):
    if not entity or key is None:
        return None
    if entity == Entity.ACCOUNTS.value:
        if key not in snap.accounts.index:
            return None
        a = snap.accounts.loc[key]
        rec = {c: plain(a[c]) for c in SPECS[Entity.ACCOUNTS].column_names}
        rec["exposure"] = plain(snap.account_exposure.get(key))
        return rec
    frame = snap.source_rows.get(entity)
    if frame is None or key not in frame.index:
        return None
    row = frame.loc[key]
    return {c: plain(row[c]) for c in SPECS[Entity(entity)].column_names}


def _ref_summary(snap, gid):
    g = snap.groups.loc[gid]
    cols = (
        "group_id",
        "size",
        "exposure",
        "pct_tier1",
        "status",
        "largest_member",
        "largest_member_exposure",
        "links",
        "reasons",
    )
    rec = {c: plain(g.get(c)) for c in cols}
    rec["reasons"] = str(rec["reasons"]).split(";") if rec["reasons"] else []
    return rec


def _ref_group(snap, gid, limit, role):
    members = snap.group_members.rows(gid).sort_values(
        ["single_name_exposure", "customer_id"], ascending=[False, True], kind="stable"
    )
    links = snap.group_links.rows(gid)
    member_rows = []
    for cid, single in zip(
        members["customer_id"].head(limit), members["single_name_exposure"].head(limit), strict=True
    ):
        rec = _ref_person(snap, str(cid), role)
        rec["single_name_exposure"] = plain(single)
        member_rows.append(rec)
    link_rows = []
    for i in range(min(len(links), limit)):
        rec = {
            c: plain(links[c].iat[i])
            for c in ("a", "b", "reason", "source_entity", "source_key")
            if c in links.columns
        }
        rec["source_row"] = _ref_source_row(snap, rec["source_entity"], rec["source_key"])
        link_rows.append(rec)
    return {
        "group": _ref_summary(snap, gid),
        "members": member_rows,
        "links": link_rows,
        "members_total": len(members),
        "links_total": len(links),
        "truncated": len(members) > limit or len(links) > limit,
        "tier1_capital": plain(snap.options.get("tier1_capital")),
        "preset": snap.options.get("preset"),
        "as_of": snap.as_of,
        "notes": list(snap.notes),
    }


def _ref_influencers(snap, limit, segment, region, role, page=1):
    """As the answer was built from the customer metrics: the run's ``influencers``
    result set carries the same ranks and scores. Filters ignore case and surrounding
    spaces; ``page`` counts pages of ``limit`` from 1."""

    def same(column, wanted):
        folded = cust[column].astype("str").str.strip().str.casefold()
        return (folded == wanted.strip().casefold()).fillna(False).to_numpy(dtype=bool)

    m = snap.metrics
    ranked = m[m["influence_rank"].notna()][["customer_id", "influence_rank", "influence_score"]]
    cust = snap.customers.reindex(ranked["customer_id"].astype("str"))
    if segment is not None:
        keep = same("segment", segment)
        ranked, cust = ranked[keep], cust[keep]
    if region is not None:
        keep = same("region", region)
        ranked, cust = ranked[keep], cust[keep]
    order = np.argsort(
        pd.to_numeric(ranked["influence_rank"]).to_numpy(dtype=np.float64), kind="stable"
    )
    ranked = ranked.iloc[order]
    shown = ranked.iloc[(page - 1) * limit : page * limit]
    data = []
    for cid, rank, score in zip(
        shown["customer_id"],
        shown["influence_rank"],
        shown["influence_score"],
        strict=True,
    ):
        cid = str(cid)
        rec = _ref_person(snap, cid, role)
        c = snap.customers.loc[cid] if cid in snap.customers.index else None
        reach = snap.reach.loc[cid] if cid in snap.reach.index else None
        rec.update(
            {
                "rank": int(rank),
                "score": plain(score),
                "segment": plain(c["segment"]) if c is not None else None,
                "region": plain(c["region"]) if c is not None else None,
                "direct": int(reach["direct"]) if reach is not None else 0,
                "cascade": int(reach["cascade"]) if reach is not None else 0,
                "depth": int(reach["depth"]) if reach is not None else 0,
                "downstream_aum": plain(reach["downstream_aum"])
                if reach is not None
                else snap.zero,
                "community_id": snap.metric(cid, "community_id"),
            }
        )
        data.append(rec)
    return {
        "data": data,
        "count": len(ranked),
        "limit": limit,
        "page": page,
        "as_of": snap.as_of,
        "notes": list(snap.notes),
    }


# -- the answers -------------------------------------------------------------------
@pytest.mark.parametrize("role", CREDIT_ROLES)
def test_every_group_answers_as_before(svc, role):
    snap = svc.snapshot
    assert len(snap.groups) > 5
    for gid in snap.groups.index:
        for limit in (1, 3, 2000):
            # repr: same values of the same Python types, keys in the same order
            assert repr(svc.group(gid, limit=limit, role=role)) == repr(
                _ref_group(snap, gid, limit, role)
            )


def test_every_customer_s_group_as_before(svc):
    snap = svc.snapshot
    singles = 0
    for cid in snap.customers.index:
        group_id = snap.metric(cid, "group_id")
        if group_id is None:
            singles += 1
            with pytest.raises(NotFound, match="in no exposure group"):
                svc.group_of(cid, role=Role.RISK)
            continue
        got = svc.group_of(cid, role=Role.ANALYST)
        assert repr(got) == repr(_ref_group(snap, group_id, 2000, Role.ANALYST))
    assert singles
    with pytest.raises(NotFound, match="customer nope not found"):
        svc.group_of("nope")
    with pytest.raises(Forbidden):
        svc.group_of(snap.customers.index[0], role=Role.MARKETING)
    with pytest.raises(ConfigError):
        svc.group_of(snap.group_members.frame["customer_id"].iat[0], limit=0)


def test_group_list_summaries_as_before(svc):
    snap = svc.snapshot
    page = svc.groups(page_size=500, role=Role.RISK)
    assert page["data"] and all(
        repr(g) == repr(_ref_summary(snap, g["group_id"])) for g in page["data"]
    )


def test_influencers_as_before(svc):
    snap = svc.snapshot
    segments = [*snap.customers["segment"].dropna().unique().tolist(), "no such segment"]
    regions = [*snap.customers["region"].dropna().unique().tolist(), "no such region"]
    filters = [(None, None)]
    filters += [(s, None) for s in segments] + [(None, r) for r in regions]
    filters += [(s, r) for s in segments[:3] for r in regions[:4]]
    for role in MARKETING_ROLES:
        for segment, region in filters:
            for limit in (1, 7, 500):
                got = svc.influencers(limit=limit, segment=segment, region=region, role=role)
                want = _ref_influencers(snap, limit, segment, region, role)
                assert repr(got) == repr(want), (segment, region, limit, role)
    assert svc.influencers(limit=500)["count"] > 10


def test_influencer_filters_ignore_case_and_pages_follow_each_other(svc):
    """``segment=Private`` finds the customers of segment ``private``; page 2 is the
    rows after page 1, not page 1 again."""
    snap = svc.snapshot
    segment = snap.customers["segment"].dropna().iloc[0]
    exact = svc.influencers(limit=500, segment=segment, role=Role.MARKETING)
    assert exact["count"] > 0
    for spelled in (segment.upper(), segment.title(), f"  {segment} "):
        other = svc.influencers(limit=500, segment=spelled, role=Role.MARKETING)
        assert other["data"] == exact["data"] and other["count"] == exact["count"]
    region = snap.customers["region"].dropna().iloc[0]
    assert (
        svc.influencers(region=region.upper(), limit=500)["data"]
        == svc.influencers(region=region, limit=500)["data"]
    )
    everyone = svc.influencers(limit=10, page=1)["data"] + svc.influencers(limit=10, page=2)["data"]
    assert [r["customer_id"] for r in everyone] == [
        r["customer_id"] for r in svc.influencers(limit=20)["data"]
    ]
    assert svc.influencers(limit=10, page=2)["page"] == 2
    assert [r["rank"] for r in svc.influencers(limit=5, page=3)["data"]] == [11, 12, 13, 14, 15]
    beyond = svc.influencers(limit=500, page=10**6)
    assert beyond["data"] == [] and beyond["count"] == svc.influencers(limit=1)["count"]
    for role in MARKETING_ROLES:
        for wanted in (segment.upper(), None):
            for page in (1, 2):
                got = svc.influencers(limit=7, segment=wanted, page=page, role=role)
                want = _ref_influencers(snap, 7, wanted, None, role, page=page)
                assert repr(got) == repr(want), (wanted, page, role)
    with pytest.raises(ConfigError, match="page must be between"):
        svc.influencers(page=0)


def test_indexes_are_built_once_per_snapshot(svc, tmp_path):
    snap = svc.snapshot
    assert snap.group_index is snap.group_index
    assert snap.influencer_index is snap.influencer_index
    assert snap.prepare() is snap and snap.prepared


def test_a_serving_service_prepares_snapshots_and_freezes_them(svc):
    service = GraphService.from_path(svc._access.path)
    assert not service.ready
    service.serving = True
    try:
        snap = service.refresh()
        assert service.ready and snap.prepared
        assert {"_group_index", "_influencer_index"} <= set(snap.__dict__)
        assert gc.get_freeze_count() > 0
    finally:
        service.close()
    assert gc.get_freeze_count() == 0


# -- the pieces --------------------------------------------------------------------
def test_the_short_form_of_a_customer_is_masked_like_a_record():
    for role in Role:
        masking = Masking(role)
        for name, kind in (("François Taylor", "person"), ("张伟", "company"), (None, None)):
            record = {"customer_id": "42", "name": name, "kind": kind}
            assert masking.person("42", name, kind) == mask_record(record, role)
            assert masking.record(record) == mask_record(record, role)
    assert "name" in PII_FIELDS


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([1.5, np.nan, np.inf, -0.0, 2.0]),
        pd.Series([1.5, -0.0, 2.0]),
        pd.Series([1, 2, 3], dtype="int64"),
        pd.Series([True, False]),
        pd.Series([1, None, 3], dtype="Int64"),
        pd.Series(["a", None, "b", "a"], dtype="str"),
        pd.Series(["x", 1, 1.0, None, np.nan], dtype="object"),
        pd.Series(pd.to_datetime(["2026-01-01", None])),
        pd.Series(["p", "q", None], dtype="category"),
    ],
)
def test_ready_values_are_what_clean_makes_of_each(values):
    want = [plain(v) for v in values]
    for got in (plain_values(values).tolist(), compact_values(values).tolist()):
        assert repr(got) == repr(want)


def test_rows_of_finds_keys_without_hashing_the_index():
    index = pd.Index(["b", "a", "c", "d"], dtype="str")
    keys = np.array(["c", "x", None, "a", "c"], dtype=object)
    assert rows_of(index, keys).tolist() == [2, -1, -1, 1, 2]
    assert rows_of(pd.Index([10, 20]), np.array([20, 5], dtype=object)).tolist() == [1, -1]
    assert rows_of(index, np.array([], dtype=object)).tolist() == []
    assert "_engine" not in index._cache  # the big index was not hashed


def test_key_bounds_are_the_binary_search_bounds():
    keys = np.array(["a", "a", "b", "d", "d", "d"], dtype=object)
    wanted = np.array(["d", "a", "c", "b", "z"], dtype=object)
    lo, hi = key_bounds(keys, wanted)
    width = hi - lo
    assert width.tolist() == [3, 2, 0, 1, 0]
    found = width > 0
    assert (lo[found] == np.searchsorted(keys, wanted[found], side="left")).all()
    assert key_bounds(keys[:0], wanted)[1].tolist() == [0] * 5


@pytest.mark.parametrize(
    "keys",
    [
        ["b", "a", None, "b", "é", "aa", ""],  # short: fixed-width text
        ["x" * 40, "b", "x" * 40, "a"],  # long: Python strings
        ["a\x00", "a", "b"],  # a NUL: Python strings
    ],
)
def test_by_key_finds_the_same_rows_whatever_the_key_storage(keys):
    frame = pd.DataFrame({"k": pd.Series(keys, dtype="str"), "row": range(len(keys))})
    by = ByKey(frame, "k")
    for key in {*(k if k is not None else "" for k in keys), "zz", "a\x00"}:
        want = [i for i, k in enumerate(keys) if (k if k is not None else "") == key]
        assert by.rows(key)["row"].tolist() == want, key
        assert (key in by) == bool(want)


def test_unique_index_shares_the_data_unless_rows_are_dropped():
    frame = pd.DataFrame({"id": pd.Series(["a", "b", "c"], dtype="str"), "v": [1.0, 2.0, 3.0]})
    out = unique_index(frame, "id")
    assert out.index.tolist() == ["a", "b", "c"] and out.index.name is None
    assert np.shares_memory(out["v"].to_numpy(), frame["v"].to_numpy())
    dup = pd.DataFrame({"id": pd.Series(["a", "b", "a"], dtype="str"), "v": [1.0, 2.0, 3.0]})
    assert unique_index(dup, "id")["v"].tolist() == [1.0, 2.0]
