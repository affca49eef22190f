"""Every Cypher query in ``docs/cypher.md`` runs, and answers right, on a small bank.

The ```cypher blocks are parsed out of the document, each under its ``###`` heading,
and run on each Neo4j of the session (the test Neo4j 5.26 always, another one when
``GUANXI_TEST_NEO4J_URI`` is set) after loading the bank below and writing its
analysis results back, as ``guanxi analyze`` would. None is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from guanxi.graph.schema import Entity, canonical_frame
from guanxi.graph.store import Result, RunRecord

pytestmark = pytest.mark.bolt

DOC = Path(__file__).resolve().parents[2] / "docs" / "cypher.md"


@dataclass(frozen=True)
class DocQuery:
    heading: str
    text: str


def doc_queries(text: str) -> list[DocQuery]:
    """The ```cypher blocks of a Markdown text, each with the ### heading above it."""
    queries: list[DocQuery] = []
    heading, block = "", None
    for line in text.splitlines():
        if block is not None:
            if line.strip() == "```":
                queries.append(DocQuery(heading, "\n".join(block)))
                block = None
            else:
                block.append(line)
        elif line.startswith("### "):
            heading = line[4:].strip()
        elif line.strip() == "```cypher":
            block = []
    return queries


QUERIES = doc_queries(DOC.read_text(encoding="utf-8"))

#: the values given to the $parameters of the queries
PARAMS = {
    "customer_id": "P001",
    "group_id": "C001",
    "circle_id": "C002",
    "company_id": "C002",
    "household_id": "H001",
}
CREDIT = "loan"


# -- the bank --------------------------------------------------------------------------
def docs_bank() -> dict[Entity, pd.DataFrame]:
    """A small bank with one of everything the queries look for.

    - a group C001 of five: P006 controls C001, C001 owns 80% of C002 (control), C002
      and C003 guarantee each other (valid today; also a circle), P001 holds C001's
      loan jointly (joint credit); C004's guarantee of C001 expired in 2020;
    - a referral cascade P001 -> P002 -> P003 -> P004 and P001 -> P005;
    - a household H001: P001 (head), P002 (spouse), P003 (child).
    """
    ids = ["C001", "C002", "C003", "C004", "P001", "P002", "P003", "P004", "P005", "P006"]
    frames = {
        Entity.CUSTOMERS: pd.DataFrame(
            {
                "customer_id": ids,
                "kind": ["company"] * 4 + ["person"] * 6,
                "name": [
                    "Dragon Holdings",
                    "Dragon Trading",
                    "Phoenix Steel",
                    "Old Partner Ltd",
                    "Wang Wei",
                    "Li Na",
                    "Wang Xiao",
                    "Chen Jie",
                    "Zhou Min",
                    "Zhao Lei",
                ],
                "aum": [
                    None,
                    None,
                    None,
                    None,
                    500_000.0,
                    80_000.0,
                    20_000.0,
                    5_000.0,
                    1_000.0,
                    None,
                ],
                "rm_id": ["RM01"] * 4 + ["RM02"] * 6,
            }
        ),
        Entity.ACCOUNTS: pd.DataFrame(
            {
                "account_id": ["A001", "A002", "A003", "A004", "A005"],
                "customer_id": ["P001", "C002", "C001", "C003", "P002"],
                "product": ["savings", "credit_line", CREDIT, CREDIT, "current"],
                "balance": [120_000.0, None, None, None, 3_000.0],
                "credit_limit": [None, 5.0e6, 2.0e6, 1.0e6, None],
                "outstanding": [None, 1.0e6, 1.5e6, 0.5e6, None],
                "status": ["open", "open", "open", None, "open"],
            }
        ),
        Entity.ACCOUNT_HOLDERS: pd.DataFrame(
            {"account_id": ["A003"], "customer_id": ["P001"], "role": ["joint"]}
        ),
        Entity.HOUSEHOLDS: pd.DataFrame(
            {
                "household_id": ["H001", "H001", "H001"],
                "customer_id": ["P001", "P002", "P003"],
                "role": ["head", "spouse", "child"],
            }
        ),
        Entity.REFERRALS: pd.DataFrame(
            {
                "referrer_id": ["P001", "P002", "P003", "P001"],
                "referee_id": ["P002", "P003", "P004", "P005"],
                "referred_on": ["2021-01-05", "2021-06-01", "2022-02-02", "2023-03-03"],
            }
        ),
        Entity.GUARANTEES: pd.DataFrame(
            {
                "guarantor_id": ["C002", "C003", "C004"],
                "borrower_id": ["C003", "C002", "C001"],
                "amount": [1.0e6, 2.0e6, 3.0e5],
                "account_id": ["A004", "A002", "A003"],
                "valid_from": ["2020-01-01", "2020-01-01", "2018-01-01"],
                "valid_to": ["2099-12-31", None, "2020-12-31"],
            }
        ),
        Entity.OWNERSHIP: pd.DataFrame(
            {
                "owner_id": ["P006", "C001", "P001"],
                "company_id": ["C001", "C002", "C003"],
                "share": [None, 0.8, 0.1],
                "role": ["controller", "shareholder", "shareholder"],
            }
        ),
    }
    return {entity: canonical_frame(entity, frame) for entity, frame in frames.items()}


GROUP = ["C001", "C002", "C003", "P001", "P006"]
RUN = "2026-06-30T12:00:00.000000Z"
#: the links of group C001 (a, b, reason, source_entity, source_key)
LINKS = [
    ("C001", "C002", "control", "ownership", "C001|C002|shareholder"),
    ("C001", "P001", "joint_credit", "account_holders", "A003|P001"),
    ("C002", "C003", "guarantee", "guarantees", "C002|C003|A004|2020-01-01"),
    ("C003", "C002", "guarantee", "guarantees", "C003|C002|A002|2020-01-01"),
    ("P006", "C001", "control", "ownership", "P006|C001|controller"),
]


def results() -> dict[Result, pd.DataFrame]:
    """What ``guanxi analyze`` would write back for :func:`docs_bank`."""
    exposure = {"C001": 2.0e6, "C002": 5.0e6, "C003": 1.0e6, "P001": 2.0e6, "P006": 0.0}
    return {
        Result.EXPOSURE_GROUPS: pd.DataFrame(
            {
                "group_id": ["C001"],
                "size": [5],
                "exposure": [8.0e6],
                "pct_tier1": [0.16],
                "status": ["large"],
            }
        ),
        Result.GROUP_MEMBERS: pd.DataFrame(
            {
                "customer_id": GROUP,
                "group_id": ["C001"] * 5,
                "single_name_exposure": [exposure[c] for c in GROUP],
            }
        ),
        Result.GROUP_LINKS: pd.DataFrame(
            {
                "group_id": ["C001"] * len(LINKS),
                "a": [x[0] for x in LINKS],
                "b": [x[1] for x in LINKS],
                "reason": [x[2] for x in LINKS],
                "source_entity": [x[3] for x in LINKS],
                "source_key": [x[4] for x in LINKS],
            }
        ),
        Result.GUARANTEE_CIRCLES: pd.DataFrame(
            {"circle_id": ["C002"], "size": [2], "guarantees": [2], "amount": [3.0e6]}
        ),
        Result.CIRCLE_MEMBERS: pd.DataFrame(
            {"customer_id": ["C002", "C003"], "circle_id": ["C002", "C002"]}
        ),
        Result.CUSTOMER_METRICS: pd.DataFrame(
            {
                "customer_id": ["C001", "C002", "C003", "P001", "P002", "P003", "P006"],
                "group_id": ["C001", "C001", "C001", "C001", None, None, "C001"],
                "single_name_exposure": [2.0e6, 5.0e6, 1.0e6, 2.0e6, None, None, 0.0],
                "circle_id": [None, "C002", "C002", None, None, None, None],
                "direct": pd.array([None, None, None, 2, 1, 1, None], dtype="Int64"),
                "cascade": pd.array([None, None, None, 4, 2, 1, None], dtype="Int64"),
                "depth": pd.array([None, None, None, 3, 2, 1, None], dtype="Int64"),
                "downstream_aum": [None, None, None, 106_000.0, 25_000.0, 5_000.0, None],
                "influence_rank": pd.array([None, None, None, 1, 2, 3, None], dtype="Int64"),
                "influence_score": [None, None, None, 0.42, 0.21, 0.09, None],
                "community_id": ["C001", "C001", "C001", "P001", "P001", "P001", "C001"],
            }
        ),
    }


# -- what each query must answer ------------------------------------------------------
def _column(rows: list[dict], name: str) -> list:
    return [r[name] for r in rows]


EXPECTED = {
    "A customer's neighbourhood": lambda rows: len(rows) >= 8,
    "Two steps out, as paths": lambda rows: len(rows) >= 8,
    "The largest groups": lambda rows: (
        rows
        == [
            {
                "group_id": "C001",
                "size": 5,
                "exposure": 8.0e6,
                "pct_tier1": 0.16,
                "status": "large",
            }
        ]
    ),
    "A group's members": lambda rows: (
        _column(rows, "customer_id") == ["C002", "C001", "P001", "C003", "P006"]
    ),
    "Why a group's members are linked": lambda rows: (
        [(r["source"], r["reason"], r["target"]) for r in rows]
        == [
            ("C001", "control", "C002"),
            ("C001", "joint_credit", "P001"),
            ("C002", "guarantee", "C003"),
            ("C003", "guarantee", "C002"),
            ("P006", "control", "C001"),
        ]
        and rows[0]["source_entity"] == "ownership"
    ),
    "Who controls a company, through how many levels": lambda rows: (
        [(r["controller"], r["levels"], r["chain"]) for r in rows]
        == [("C001", 1, ["C001", "C002"]), ("P006", 2, ["P006", "C001", "C002"])]
    ),
    "Joint credit accounts": lambda rows: (
        _column(rows, "account_id") == ["A003"]
        and sorted(rows[0]["holders"]) == ["C001 (primary)", "P001 (joint)"]
    ),
    "Every circle and its members": lambda rows: (
        rows == [{"circle_id": "C002", "members": 2, "customers": ["C002", "C003"]}]
    ),
    "The guarantees inside one circle": lambda rows: len(rows) == 2,
    "Top influencers": lambda rows: (
        _column(rows, "customer_id") == ["P001", "P002", "P003"]
        and _column(rows, "rank") == [1, 2, 3]
    ),
    "A customer's referral cascade, generation by generation": lambda rows: (
        [(r["generation"], r["customer_id"]) for r in rows]
        == [(1, "P002"), (1, "P005"), (2, "P003"), (3, "P004")]
    ),
    "The cascade in one line": lambda rows: (
        rows == [{"direct": 2, "cascade": 4, "depth": 3, "downstream_aum": 106_000.0}]
    ),
    "Communities": lambda rows: (
        rows == [{"community_id": "C001", "size": 4}, {"community_id": "P001", "size": 3}]
    ),
    "A household's members and what they hold": lambda rows: (
        [(r["customer_id"], r["role"], r["accounts"], r["deposits"]) for r in rows]
        == [
            ("P001", "head", 2, 120_000.0),
            ("P002", "spouse", 1, 3_000.0),
            ("P003", "child", 0, 0.0),
        ]
    ),
    "The household of a customer": lambda rows: (
        _column(rows, "customer_id") == ["P001", "P002", "P003"]
    ),
    "Analysis runs, newest first": lambda rows: (
        rows == [{"run_id": RUN, "as_of": "2026-06-30", "kind": "official", "published": True}]
    ),
    "Loads, newest first": lambda rows: (
        len(rows) >= 1 and rows[0]["status"] == "complete" and rows[0]["started"] is not None
    ),
}


# -- the tests ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def loaded(request):
    """The bank and its results in each Neo4j (loaded once per server)."""
    return {}


@pytest.fixture
def docs_store(bolt_target, loaded):
    if bolt_target.name not in loaded:
        store = bolt_target.store(batch_size=1000)
        store.clear()
        store.load(docs_bank())
        store.write_run(
            RunRecord(run_id=RUN, snapshot_id=None, as_of="2026-06-30", created_at=RUN),
            results(),
        )
        loaded[bolt_target.name] = store
    return loaded[bolt_target.name]


def test_the_document_has_the_queries_the_issue_asks_for():
    headings = [q.heading for q in QUERIES]
    assert len(QUERIES) >= 10
    assert len(set(headings)) == len(headings), "one query per heading"
    assert set(headings) == set(EXPECTED), "every query has an expected answer here"
    text = "\n".join(q.text for q in QUERIES)
    for needle in ("IN_CIRCLE", "REFERRED*1..", "influence_rank", "MEMBER_OF", "OWNS*1.."):
        assert needle in text


def test_the_parser_reads_headings_and_cypher_blocks():
    text = (
        "### One\n\n```cypher\nRETURN 1\n```\n\n"
        "### Two\n```cypher\nCALL db.x()\n"
        "YIELD y RETURN y\n```\n```\nnot cypher\n```\n"
    )
    assert doc_queries(text) == [
        DocQuery("One", "RETURN 1"),
        DocQuery("Two", "CALL db.x()\nYIELD y RETURN y"),
    ]


@pytest.mark.parametrize("query", QUERIES, ids=[q.heading for q in QUERIES])
def test_each_documented_query_runs_and_answers_right(bolt_target, docs_store, query):
    names = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", query.text))
    assert names <= set(PARAMS), f"no test value for {names - set(PARAMS)}"
    with bolt_target.driver.session(database=bolt_target.database) as session:
        rows = session.run(query.text, {n: PARAMS[n] for n in names}).data()
    assert EXPECTED[query.heading](rows), rows
