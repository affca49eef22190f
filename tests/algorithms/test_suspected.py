"""guanxi.algorithms.suspected against a plain-Python reference."""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.suspected import (
    FIELDS,
    normalize_contact,
    suspected_links,
    suspected_pairs,
)
from guanxi.errors import ConfigError
from guanxi.graph.schema import Entity, canonical_frame

SETTINGS = settings(max_examples=30, deadline=None)
LINK_COLUMNS = ["suspected_link_id", "field", "value", "customer_ids", "size"]
PAIR_COLUMNS = ["a", "b", "fields", "shared"]


def customers(rows) -> pd.DataFrame:
    return canonical_frame(
        Entity.CUSTOMERS,
        pd.DataFrame([{"kind": "person", **r} for r in rows] or {"customer_id": [], "kind": []}),
    )


@pytest.fixture
def crowd():
    return customers(
        [
            {
                "customer_id": "A",
                "phone": "+86 138-0013-8000",
                "email": "Li@Bank.cn",
                "address": "1 Main  St",
            },
            {
                "customer_id": "B",
                "phone": "8613800138000",
                "email": " li@bank.CN ",
                "address": "2 Side St",
            },
            {"customer_id": "C", "phone": "  ", "email": None, "address": "1 main st"},
            {"customer_id": "D", "phone": "", "email": "", "id_number": "X1"},
            {"customer_id": "E", "id_number": "x1 "},
        ]
    )


def test_normalization():
    assert (
        normalize_contact(pd.Series(["+86 (10) 123", "--", None]), field="phone").tolist()[0]
        == "8610123"
    )
    assert normalize_contact(pd.Series([" A  B\tc "]), field="email").tolist() == ["a b c"]
    out = normalize_contact(pd.Series(["", "  ", None, "-"]), field="phone")
    assert out.isna().all() and out.dtype == "str"
    # Unicode: casefold (not just lower-case) and ideographic spaces collapse too
    out = normalize_contact(
        pd.Series(["Straße\u3000 1", " STRASSE 1 ", "上海市  大学城"]), field="address"
    )
    assert out.tolist() == ["strasse 1", "strasse 1", "上海市 大学城"]
    with pytest.raises(ConfigError):
        normalize_contact(pd.Series(["x"]), field="fax")


def test_hand_links(crowd):
    out = suspected_links(crowd)
    assert out.columns.tolist() == LINK_COLUMNS
    assert out.to_dict("records") == [
        {
            "suspected_link_id": "address:A",
            "field": "address",
            "value": "1 main st",
            "customer_ids": "A;C",
            "size": 2,
        },
        {
            "suspected_link_id": "email:A",
            "field": "email",
            "value": "li@bank.cn",
            "customer_ids": "A;B",
            "size": 2,
        },
        {
            "suspected_link_id": "id_number:D",
            "field": "id_number",
            "value": "x1",
            "customer_ids": "D;E",
            "size": 2,
        },
        {
            "suspected_link_id": "phone:A",
            "field": "phone",
            "value": "8613800138000",
            "customer_ids": "A;B",
            "size": 2,
        },
    ]


def test_hand_pairs(crowd):
    out = suspected_pairs(crowd)
    assert out.columns.tolist() == PAIR_COLUMNS
    assert out.to_dict("records") == [
        {"a": "A", "b": "B", "fields": "phone;email", "shared": 2},
        {"a": "A", "b": "C", "fields": "address", "shared": 1},
        {"a": "D", "b": "E", "fields": "id_number", "shared": 1},
    ]
    assert suspected_pairs(crowd, fields=["email"])["fields"].tolist() == ["email"]


def test_pairs_caps():
    many = customers(
        [{"customer_id": f"C{i}", "address": "branch"} for i in range(12)]
        + [{"customer_id": "X", "phone": "1"}, {"customer_id": "Y", "phone": "1"}]
    )
    links = suspected_links(many)
    assert links.set_index("field")["size"].to_dict() == {"address": 12, "phone": 2}
    pairs = suspected_pairs(many)  # the 12-customer address is above max_set_size=10
    assert pairs[["a", "b"]].values.tolist() == [["X", "Y"]]
    assert len(suspected_pairs(many, max_set_size=12)) == 66 + 1
    assert len(suspected_pairs(many, max_set_size=12, max_pairs=5)) == 5
    assert suspected_pairs(many, max_pairs=0).empty


def test_empty_and_single():
    for c in (None, customers([]), customers([{"customer_id": "A", "phone": "1"}])):
        links = suspected_links(c)
        assert links.empty and links.columns.tolist() == LINK_COLUMNS
        assert links["size"].dtype == "int64"
        pairs = suspected_pairs(c)
        assert pairs.empty and pairs.columns.tolist() == PAIR_COLUMNS


@pytest.mark.parametrize(
    "kw", [{"fields": ["fax"]}, {"max_set_size": 1}, {"max_pairs": -1}, {"max_set_size": 2.5}]
)
def test_bad_options_raise(kw):
    with pytest.raises(ConfigError):
        suspected_pairs(None, **kw)
    if "fields" in kw:
        with pytest.raises(ConfigError):
            suspected_links(None, **kw)


def reference_norm(v, field):
    if v is None:
        return None
    v = re.sub(r"\D", "", v) if field == "phone" else " ".join(v.split()).casefold()
    return v or None


@SETTINGS
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "phone": st.sampled_from([None, "", "1-2", "12", " 1 2 ", "34"]),
                "email": st.sampled_from([None, "a@b", "A@B ", "c@d"]),
                "address": st.sampled_from([None, "x  st", "X st", "y"]),
                "id_number": st.sampled_from([None, "ID1", "id1", "ID2"]),
            }
        ),
        max_size=8,
    )
)
def test_random_customers_match_reference(rows):
    rows = [{"customer_id": f"C{i}", **r} for i, r in enumerate(rows)]
    c = customers(rows)
    sets: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        for f in FIELDS:
            v = reference_norm(r[f], f)
            if v is not None:
                sets.setdefault((f, v), set()).add(r["customer_id"])
    expected = {k: s for k, s in sets.items() if len(s) >= 2}
    links = suspected_links(c)
    got = {
        (f, v): set(ids.split(";"))
        for f, v, ids in zip(links["field"], links["value"], links["customer_ids"], strict=True)
    }
    assert got == expected
    for lid, f, ids, size in zip(
        links["suspected_link_id"],
        links["field"],
        links["customer_ids"],
        links["size"],
        strict=True,
    ):
        assert lid == f"{f}:{min(ids.split(';'))}" and size == len(ids.split(";"))
    assert links["suspected_link_id"].is_unique
    pair_fields: dict[tuple[str, str], list[str]] = {}
    for (f, _), s in expected.items():
        for a, b in itertools.combinations(sorted(s), 2):
            pair_fields.setdefault((a, b), []).append(f)
    pairs = suspected_pairs(c)
    got_pairs = {
        (a, b): (fs, n)
        for a, b, fs, n in zip(
            pairs["a"], pairs["b"], pairs["fields"], pairs["shared"], strict=True
        )
    }
    assert got_pairs == {
        k: (";".join(sorted(v, key=FIELDS.index)), len(v)) for k, v in pair_fields.items()
    }
    assert pairs["shared"].is_monotonic_decreasing
