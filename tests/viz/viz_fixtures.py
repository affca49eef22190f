"""Small, realistic views of every kind, built the way ``guanxi.service`` builds them.

``View`` has the shape of ``guanxi.service.NetworkView``; the viz package only reads its
attributes, so the tests do not depend on the service.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "HOSTILE",
    "View",
    "make_view",
    "group_view",
    "circle_view",
    "cascade_view",
    "network_view",
    "overview_view",
    "hostile_view",
    "large_view",
    "chinese_view",
    "hub_cascade",
    "control_group",
    "hub_neighbourhood",
    "VIEWS",
    "report_inputs",
]

HOSTILE = "<script>alert(1)</script>"

NODE_COLUMNS = ("id", "kind", "label", "title", "value", "level", "highlight", "cluster")
EDGE_COLUMNS = ("source", "target", "type", "label", "title", "directed", "highlight")


@dataclass
class View:
    nodes: pd.DataFrame
    edges: pd.DataFrame
    title: str = ""
    subtitle: str = ""
    as_of: str = "2026-06-30"
    source: str = "guanxi embedded store (guanxi.duckdb), run 2026-07-01T06:00:00Z"
    truncated: bool = False
    omitted_nodes: int = 0
    notes: list[str] = field(default_factory=list)


def make_view(nodes: list[dict], edges: list[dict], **kw) -> View:
    """A view from row dicts, with the service's column types."""
    n = pd.DataFrame(nodes, columns=list(NODE_COLUMNS)).astype(object)
    n["id"] = n["id"].astype(str)
    n["kind"] = n["kind"].fillna("person").astype(str)
    n["label"] = n["label"].fillna(n["id"]).astype(str)
    n["title"] = n["title"].fillna("").astype(str)
    n["value"] = pd.to_numeric(n["value"].astype("float64"))
    n["level"] = pd.array(n["level"].tolist(), dtype="Int64")
    n["highlight"] = n["highlight"].fillna(False).astype(bool)
    n["cluster"] = n["cluster"].fillna("").astype(str)
    e = pd.DataFrame(edges, columns=list(EDGE_COLUMNS)).astype(object)
    for c in ("source", "target", "type", "label", "title"):
        e[c] = e[c].fillna("").astype(str)
    for c in ("directed", "highlight"):
        e[c] = e[c].fillna(False).astype(bool)
    return View(nodes=n, edges=e, **kw)


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _node(id, kind, label, value=np.nan, level=None, highlight=False, **facts) -> dict:
    lines = [f"{label} ({kind})", f"id: {id}"]
    lines += [f"{k.replace('_', ' ')}: {v}" for k, v in facts.items()]
    return {
        "id": id,
        "kind": kind,
        "label": label,
        "title": "\n".join(lines),
        "value": value,
        "level": level,
        "highlight": highlight,
    }


def _edge(s, t, type, label="", directed=True, highlight=False, title=None) -> dict:
    return {
        "source": s,
        "target": t,
        "type": type,
        "label": label,
        "title": title
        if title is not None
        else f"{type}: {s} -> {t}" + (f"\n{label}" if label else ""),
        "directed": directed,
        "highlight": highlight,
    }


COMPANIES = [
    "Huaxin Holdings",
    "Huaxin Steel",
    "Huaxin Logistics",
    "Pearl River Trading",
    "Jade Harbour Shipping",
    "Golden Lotus Textiles",
    "Eastbridge Components",
    "Summit Agri Foods",
    "Lotus Property Dev.",
    "Northstar Mining",
]
PEOPLE = [
    "Chen Wei",
    "Li Na",
    "Wang Fang",
    "Zhang Min",
    "Liu Yang",
    "Huang Jie",
    "Zhao Lei",
    "Wu Xia",
    "Zhou Qiang",
    "Xu Jing",
    "Sun Hao",
    "Ma Lin",
    "Zhu Tao",
    "Hu Yan",
    "Guo Ping",
    "He Bin",
    "Lin Hui",
    "Luo Kai",
    "Gao Xin",
    "Zheng Yu",
]


def group_view() -> View:
    """An exposure group of 15 members: a holding, its subsidiaries, guarantees, owners."""
    rng = random.Random(1)
    members = []
    ids = []
    for i, name in enumerate(COMPANIES[:9]):
        cid = f"c:1000{i:04d}"
        exposure = rng.choice([4.2e6, 8.5e6, 12e6, 21e6, 36e6, 2.5e6, 60e6])
        if i == 0:
            exposure = 74e6
        members.append(
            _node(
                cid,
                "company",
                name,
                exposure,
                highlight=(i == 0),
                exposure=_money(exposure),
                industry="manufacturing",
            )
        )
        ids.append(cid)
    for i, name in enumerate(PEOPLE[:6]):
        pid = f"c:2000{i:04d}"
        exposure = rng.choice([0.3e6, 0.8e6, 1.5e6])
        members.append(
            _node(
                pid, "person", name, exposure, exposure=_money(exposure), segment="private banking"
            )
        )
        ids.append(pid)
    e = [
        _edge(ids[0], ids[1], "control", "share 82%"),
        _edge(ids[0], ids[2], "control", "share 100%"),
        _edge(ids[1], ids[3], "control", "share 55%"),
        _edge(ids[2], ids[4], "control", "controller"),
        _edge(ids[9], ids[0], "control", "share 61%"),
        _edge(ids[10], ids[5], "control", "share 70%"),
        _edge(ids[0], ids[5], "guarantee", "12,000,000"),
        _edge(ids[5], ids[6], "guarantee", "3,500,000"),
        _edge(ids[3], ids[7], "guarantee", "8,000,000"),
        _edge(ids[7], ids[8], "guarantee", "2,000,000"),
        _edge(ids[4], ids[1], "guarantee", "15,000,000"),
        _edge(ids[9], ids[10], "joint_credit", "mortgage a:77001", directed=False),
        _edge(ids[11], ids[12], "joint_credit", "loan a:77002", directed=False),
        _edge(ids[12], ids[8], "joint_credit", "credit line a:77003", directed=False),
        _edge(ids[13], ids[6], "joint_credit", "loan a:77004", directed=False),
        _edge(ids[14], ids[2], "joint_credit", "overdraft a:77005", directed=False),
    ]
    total = sum(m["value"] for m in members)
    return make_view(
        members,
        e,
        title="Exposure group g-000017 (Huaxin Holdings)",
        subtitle=f"Total exposure {total / 1e6:,.1f} m = {100 * total / 1.5e9:.1f} % of Tier 1 "
        "capital: large exposure (limit 25 %)",
        notes=["15 members; 6 control, 5 guarantee and 5 joint-credit links"],
    )


def circle_view() -> View:
    """A 4-member guarantee circle with a chord, and a guarantor outside the circle."""
    names = [
        "Pearl River Trading",
        "Jade Harbour Shipping",
        "Golden Lotus Textiles",
        "Eastbridge Components",
        "Summit Agri Foods",
    ]
    ids = [f"c:3000{i:04d}" for i in range(5)]
    values = [18e6, 9.5e6, 14e6, 6e6, 3e6]
    nodes = [
        _node(ids[i], "company", names[i], values[i], highlight=i < 4, exposure=_money(values[i]))
        for i in range(5)
    ]
    e = [
        _edge(ids[0], ids[1], "GUARANTEES", "5,000,000", highlight=True),
        _edge(ids[1], ids[2], "GUARANTEES", "7,500,000", highlight=True),
        _edge(ids[2], ids[3], "GUARANTEES", "4,000,000", highlight=True),
        _edge(ids[3], ids[0], "GUARANTEES", "9,000,000", highlight=True),
        _edge(ids[0], ids[2], "GUARANTEES", "2,500,000", highlight=True),  # the chord
        _edge(ids[4], ids[3], "GUARANTEES", "1,000,000"),
    ]
    return make_view(
        nodes,
        e,
        title="Guarantee circle gc-0003",
        subtitle="4 firms, 5 guarantees, 28,000,000 guaranteed; 2 cycles",
        notes=["Cycles: A->B->C->D->A and A->C->D->A"],
    )


def cascade_view(generations=(1, 4, 12, 20, 23), seed=3) -> View:
    """A referral cascade of 60 customers over 5 generations, sized by AUM."""
    rng = random.Random(seed)
    nodes, e = [], []
    previous = []
    counter = 0
    for level, count in enumerate(generations):
        current = []
        for _ in range(count):
            cid = f"c:4{counter:07d}"
            counter += 1
            name = PEOPLE[counter % len(PEOPLE)] + f" {counter}"
            aum = round(rng.lognormvariate(12, 1.2), 2)
            nodes.append(
                _node(
                    cid,
                    "person",
                    name,
                    aum,
                    level=level,
                    highlight=level == 0,
                    generation=level,
                    aum=_money(aum),
                )
            )
            if previous:
                parent = rng.choice(previous)
                e.append(_edge(parent, cid, "REFERRED", title=f"referred {cid}\nchannel: app"))
            current.append(cid)
        previous = current
    return make_view(
        nodes,
        e,
        title=f"Referral cascade of {nodes[0]['label']}",
        subtitle=f"{len(nodes) - 1} customers reached over {len(generations) - 1} generations",
    )


def network_view() -> View:
    """A customer's neighbourhood of 40 nodes: accounts, household, firms, referrals."""
    me = "c:50000000"
    nodes = [
        _node(
            me,
            "person",
            "Chen Wei",
            2.4e6,
            highlight=True,
            segment="private banking",
            aum=_money(2.4e6),
            risk_rating="B",
        )
    ]
    e = []
    for i in range(8):
        a = f"a:5100{i:04d}"
        product = [
            "current",
            "savings",
            "mortgage",
            "credit_card",
            "wealth",
            "term_deposit",
            "loan",
            "credit_line",
        ][i]
        bal = 50_000 * (i + 1)
        nodes.append(
            _node(a, "account", f"{product} {a[-4:]}", bal, product=product, balance=_money(bal))
        )
        e.append(_edge(me, a, "HOLDS", directed=False))
    h = "h:52000001"
    nodes.append(_node(h, "household", "Chen household", np.nan, members=4))
    e.append(_edge(me, h, "MEMBER_OF", "head", directed=False))
    for i, name in enumerate(["Li Na", "Chen Xiao", "Chen Bo"]):
        pid = f"c:5300{i:04d}"
        nodes.append(_node(pid, "person", name, 3e5 * (i + 1)))
        e.append(_edge(pid, h, "MEMBER_OF", ["spouse", "child", "parent"][i], directed=False))
    for i, name in enumerate(COMPANIES[:4]):
        cid = f"c:5400{i:04d}"
        nodes.append(_node(cid, "company", name, 8e6 + 1e6 * i))
        e.append(_edge(me, cid, "OWNS", f"{[60, 35, 100, 12][i]}%"))
    e.append(_edge("c:54000000", "c:54000001", "GUARANTEES", "3,000,000"))
    e.append(_edge("c:54000002", me, "GUARANTEES", "1,200,000"))
    for i in range(20):
        pid = f"c:5500{i:04d}"
        nodes.append(_node(pid, "person", PEOPLE[i], 2e4 * (i + 1)))
        src = me if i < 6 else f"c:5500{(i - 6) // 3:04d}"
        e.append(_edge(src, pid, "REFERRED"))
    nodes.append(_node("c:56000000", "person", "Zhang Min", 1e5))
    e.append(_edge("c:56000000", me, "REFERRED"))
    e.append(_edge("c:53000001", "a:51000002", "HOLDS", "joint", directed=False))
    return make_view(
        nodes,
        e,
        title="Chen Wei (c:50000000): 2 hops",
        subtitle="Private banking · RM r:0042 · AUM 2,400,000",
    )


def overview_view() -> View:
    """The overview as the read model builds it: the largest exposure groups and the top
    referral hubs, each a set of nodes sharing a ``cluster`` key (the key is the id of
    the node that names it), with one hub's referral reaching into a group."""
    rng = random.Random(5)
    nodes, e = [], []
    for g in range(4):
        gid = f"g:7000{g:04d}"
        size = [9, 6, 4, 3][g]
        nodes.append(
            _node(
                gid,
                "group",
                f"{COMPANIES[g]}\nGroup {gid[2:]}\n{30 - 6 * g}.0 % of Tier 1",
                (40 - 8 * g) * 1e7,
                highlight=True,
                size=size,
            )
        )
        nodes[-1]["cluster"] = gid
        members = []
        for m in range(size):
            cid = f"c:71{g:02d}{m:04d}"
            nodes.append(
                _node(
                    cid,
                    "company" if m % 3 else "person",
                    f"{COMPANIES[(g + m) % 10]} {m}",
                    rng.uniform(1e6, 6e7),
                )
            )
            nodes[-1]["cluster"] = gid
            if members:
                e.append(_edge(rng.choice(members), cid, rng.choice(["control", "guarantee"])))
            members.append(cid)
    for h in range(3):
        hid = f"c:6000{h:04d}"
        nodes.append(_node(hid, "person", PEOPLE[h], (5 - h) * 1e7, highlight=True, rank=h + 1))
        nodes[-1]["cluster"] = hid
        previous = [hid]
        for gen in range(1, 3):
            current = []
            for k in range(4 - gen + h):
                rid = f"c:61{h:02d}{gen}{k:03d}"
                nodes.append(
                    _node(
                        rid,
                        "person",
                        f"{PEOPLE[(h + gen + k) % 20]} {gen}{k}",
                        rng.uniform(1e3, 1e5),
                        level=gen,
                    )
                )
                nodes[-1]["cluster"] = hid
                e.append(_edge(rng.choice(previous), rid, "REFERRED"))
                current.append(rid)
            previous = current
    e.append(_edge("c:60000000", "c:71000003", "REFERRED"))  # a hub's referral into a group
    return make_view(
        nodes,
        e,
        title="Overview: largest exposure groups and top referral hubs",
        subtitle="4 groups and 3 hubs",
        notes=["the 4 largest exposure groups by exposure"],
    )


CHINESE_PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞"]
CHINESE_COMPANIES = [
    "北京永安贸易有限公司",
    "上海金盛实业集团有限公司",
    "深圳华信科技有限公司",
    "广州珠江物流有限公司",
]


def chinese_view() -> View:
    """A neighbourhood whose customers have Chinese names, and a Chinese title."""
    me = "c:80000000"
    nodes = [_node(me, "person", CHINESE_PEOPLE[0], 2e6, highlight=True)]
    e = []
    for i, name in enumerate(CHINESE_PEOPLE[1:], start=1):
        nodes.append(_node(f"c:8000{i:04d}", "person", name, 1e5 * i))
        e.append(_edge(me, f"c:8000{i:04d}", "REFERRED"))
    for i, name in enumerate(CHINESE_COMPANIES):
        nodes.append(_node(f"c:8100{i:04d}", "company", name, 5e6))
        e.append(_edge(me, f"c:8100{i:04d}", "OWNS", f"{20 * (i + 1)}%"))
    return make_view(
        nodes, e, title=f"客户 {CHINESE_PEOPLE[0]} (c:80000000)", subtitle="关系网络 · 2 hops"
    )


def hub_cascade(direct: int = 300, second: int = 60, third: int = 10, *, seed: int = 4) -> View:
    """A referral hub with ``direct`` referees; ``second`` of the next generation under
    a few of them, ``third`` under those."""
    rng = random.Random(seed)
    root = "c:90000000"
    nodes = [_node(root, "person", CHINESE_PEOPLE[0], 2.4e7, level=0, highlight=True)]
    e = []
    previous = [root]
    for gen, count in enumerate((direct, second, third), start=1):
        if count == 0:
            break
        parents = previous if gen == 1 else rng.sample(previous, max(1, len(previous) // 8))
        current = []
        for k in range(count):
            cid = f"c:9{gen}{k:06d}"
            name = (CHINESE_PEOPLE[k % 10] + str(k)) if k % 2 else f"{PEOPLE[k % 20]} {k}"
            nodes.append(
                _node(
                    cid,
                    "person" if k % 7 else "company",
                    name,
                    round(rng.lognormvariate(11, 1.2), 2),
                    level=gen,
                )
            )
            e.append(_edge(rng.choice(parents), cid, "REFERRED"))
            current.append(cid)
        previous = current
    return make_view(
        nodes,
        e,
        title=f"Referral cascade of {root[2:]}",
        subtitle=f"{direct} direct referrals, {len(nodes) - 1} in all",
    )


def control_group(trees: int = 30, depth: int = 14, *, seed: int = 6) -> View:
    """An exposure group of ``trees`` owners, each controlling a chain of ``depth``
    companies, with guarantees between the chains: more nodes than a view draws one by
    one."""
    rng = random.Random(seed)
    nodes, e = [], []
    heads = []
    for t in range(trees):
        owner = f"c:5{t:03d}0000"
        nodes.append(_node(owner, "person", f"{PEOPLE[t % 20]} {t}", 1e6, highlight=t == 0))
        heads.append(owner)
        parent = owner
        for d in range(depth):
            cid = f"c:5{t:03d}{d + 1:04d}"
            nodes.append(
                _node(cid, "company", f"{COMPANIES[(t + d) % 10]} {t}-{d}", rng.uniform(1e6, 4e7))
            )
            e.append(_edge(parent, cid, "control", "60%"))
            parent = cid if rng.random() < 0.6 else parent
    for t in range(trees - 1):
        e.append(_edge(f"c:5{t:03d}0003", f"c:5{t + 1:03d}0002", "guarantee", "1,000,000"))
    return make_view(nodes, e, title="Exposure group g-000900", subtitle=f"{len(nodes)} members")


def hub_neighbourhood(referees: int = 200, accounts: int = 2, *, seed: int = 8) -> View:
    """A customer's 2-hop neighbourhood: ``referees`` referred customers, each holding
    ``accounts`` accounts, and the customer's own accounts and companies."""
    rng = random.Random(seed)
    me = "c:40000000"
    nodes = [_node(me, "person", "Chen Wei", 3e6, level=0, highlight=True)]
    e = []
    for i in range(6):
        a = f"a:4100{i:04d}"
        nodes.append(_node(a, "account", f"savings {i}", 1e4 * (i + 1), level=1))
        e.append(_edge(me, a, "HOLDS", directed=False))
    for i in range(3):
        cid = f"c:4200{i:04d}"
        nodes.append(_node(cid, "company", COMPANIES[i], 5e6, level=1))
        e.append(_edge(me, cid, "OWNS", "51%"))
    for r in range(referees):
        rid = f"c:43{r:06d}"
        nodes.append(_node(rid, "person", f"{PEOPLE[r % 20]} {r}", rng.uniform(1e3, 1e6), level=1))
        e.append(_edge(me, rid, "REFERRED"))
        for k in range(accounts):
            a = f"a:44{r:04d}{k:02d}"
            nodes.append(_node(a, "account", f"current {r}-{k}", 5e3, level=2))
            e.append(_edge(rid, a, "HOLDS", directed=False))
    return make_view(nodes, e, title="Chen Wei (c:40000000): 2 hops")


def hostile_view() -> View:
    """A customer whose name, tooltip and link carry markup."""
    nodes = [
        _node("c:hostile", "person", HOSTILE, 1e5, highlight=True),
        _node("c:img", "company", '<img src=x onerror="alert(2)">', 2e5),
        _node("c:amp", "person", "Tom & Jerry </script><!-- \u2028", 3e5),
    ]
    nodes[0]["title"] = f"name: {HOSTILE}\nnote: <b>bold?</b> & </script>"
    e = [
        _edge("c:hostile", "c:img", "OWNS", "<i>51%</i>", title="<script>alert(3)</script>"),
        _edge("c:amp", "c:hostile", "REFERRED"),
    ]
    return make_view(
        nodes,
        e,
        title=f"Customer {HOSTILE}",
        subtitle="<b>not bold</b>",
        source="<script>alert(4)</script>",
        notes=[HOSTILE],
    )


def large_view(n: int, *, seed: int = 11, extra: float = 0.5) -> View:
    """``n`` nodes: a random tree plus ``extra * n`` further links, vectorized."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"c:{i:08d}" for i in range(n)], dtype=object)
    kinds = rng.choice(
        ["person", "company", "account", "household"], size=n, p=[0.6, 0.2, 0.15, 0.05]
    )
    value = rng.lognormal(11, 1.5, size=n)
    value[rng.random(n) < 0.1] = np.nan
    nodes = pd.DataFrame(
        {
            "id": ids,
            "kind": kinds,
            "label": [f"Customer {i}" for i in range(n)],
            "title": [f"id: {i}\nvalue: {v:,.0f}" for i, v in zip(ids, value, strict=True)],
            "value": value,
            "level": pd.array([pd.NA] * n, dtype="Int64"),
            "highlight": np.arange(n) == 0,
        }
    )
    parent = (rng.random(n - 1) * np.arange(1, n)).astype(int) if n > 1 else np.array([], int)
    m_extra = int(extra * n)
    src = np.concatenate([parent, rng.integers(0, n, m_extra)])
    dst = np.concatenate([np.arange(1, n), rng.integers(0, n, m_extra)])
    keep = src != dst
    src, dst = src[keep], dst[keep]
    types = rng.choice(["REFERRED", "OWNS", "GUARANTEES", "HOLDS"], size=len(src))
    edges = pd.DataFrame(
        {
            "source": ids[src],
            "target": ids[dst],
            "type": types,
            "label": "",
            "title": [f"{t}" for t in types],
            "directed": types != "HOLDS",
            "highlight": False,
        }
    )
    return View(nodes=nodes, edges=edges, title=f"Synthetic network of {n:,} nodes")


#: one realistic view per kind
VIEWS = {
    "network": network_view,
    "group": group_view,
    "circle": circle_view,
    "cascade": cascade_view,
    "overview": overview_view,
}


def report_inputs(*, tier1: float | None = 1.5e9) -> dict:
    """Keyword arguments of ``render_report`` shaped like ``guanxi analyze``'s frames."""
    rng = np.random.default_rng(2)
    n = 40
    exposure = np.sort(rng.lognormal(17.2, 0.9, n))[::-1]
    exposure[0], exposure[1] = 0.31 * 1.5e9, 0.18 * 1.5e9
    pct = 100 * exposure / tier1 if tier1 else np.full(n, np.nan)
    status = np.where(pct > 25, "breach", np.where(pct >= 10, "large", "ok")) if tier1 else ""
    groups = pd.DataFrame(
        {
            "group_id": [f"g-{i:06d}" for i in range(n)],
            "size": rng.integers(2, 40, n),
            "exposure": exposure,
            "pct_tier1": pct,
            "status": status,
            "largest_member": [f"c:{7000000 + i:08d}" for i in range(n)],
            "links": rng.integers(1, 60, n),
            "reasons": ["control;guarantee", "control", "guarantee;joint_credit", "joint_credit"]
            * 10,
        }
    )
    circles = pd.DataFrame(
        {
            "circle_id": ["gc-0001", "gc-0002", "gc-0003"],
            "size": [4, 6, 3],
            "guarantees": [5, 9, 3],
            "guaranteed_amount": [28e6, 61e6, 7.5e6],
            "exposure": [47.5e6, 120e6, 12e6],
            "cycles_found": [2, 100, 1],
            "cycles_truncated": [False, True, False],
        }
    )
    cascade = np.concatenate(
        [rng.integers(1, 3, 300), rng.integers(3, 20, 80), rng.integers(20, 400, 12), [1250]]
    )
    reach = pd.DataFrame(
        {
            "customer_id": [f"c:{8000000 + i:08d}" for i in range(len(cascade))],
            "direct": np.minimum(cascade, rng.integers(1, 6, len(cascade))),
            "cascade": cascade,
            "depth": np.minimum(cascade, rng.integers(1, 7, len(cascade))),
            "downstream_aum": cascade * 85_000.0,
            "generations": "",
        }
    )
    infl = reach.sort_values("cascade", ascending=False).head(10).reset_index(drop=True)
    infl = infl.assign(rank=np.arange(1, 11), score=np.linspace(0.02, 0.004, 10))
    # names as the caller passes them: id -> name (the frames carry ids only)
    names = {cid: f"{PEOPLE[i % 20]} {i}" for i, cid in enumerate(reach["customer_id"])}
    names.update({cid: CHINESE_COMPANIES[i % 4] for i, cid in enumerate(groups["largest_member"])})
    breaches = int((groups["status"] == "breach").sum()) if tier1 else 0
    headline = {
        "Customers": 100_000,
        "Tier 1 capital": tier1 if tier1 else "not given",
        "Exposure groups": n,
        "Groups in breach": {
            "value": breaches,
            "alert": breaches > 0,
            "note": "above 25 % of Tier 1",
        },
        "Guarantee circles": 3,
        "Referrers": len(reach),
    }
    return {
        "headline": headline,
        "exposure_groups": groups,
        "circle_summary": circles,
        "referral_reach": reach,
        "influencers": infl,
        "thresholds": {"large_pct": 10.0, "breach_pct": 25.0, "name": "basel"},
        "title": "guanxi analysis",
        "as_of": "2026-06-30",
        "source": "guanxi embedded store (guanxi.duckdb)",
        "notes": ["Suspected links (shared phone, address) were not used to form groups."],
        "generated_at": "2026-07-01 06:00 UTC",
        "names": names,
    }
