"""guanxi.search: customers by the start of their name, id number or unified social
credit code, against a plain reference (``str.startswith`` on normalised text)."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.errors import ConfigError
from guanxi.graph.schema import Entity, canonical_frame
from guanxi.search import SEARCH_COLUMNS, CustomerSearch, normalise, search_customers

CUSTOMERS = canonical_frame(
    Entity.CUSTOMERS,
    pd.DataFrame(
        [
            ("C001", "company", "北京华信科技有限公司", "91110108MA01ABCD2X"),
            ("C002", "company", "Beijing Huaxin Trading Co., Ltd.", "91110105MA02XYZW7K"),
            ("C003", "person", "王伟", "110101199001011234"),
            ("C004", "person", "Wang Wei", "E12345678"),
            ("C005", "person", "王伟东", None),
            ("C006", "bank", "Bank of Huaxin", "91310000100000000X"),
            ("X910", "person", None, "91"),
        ],
        columns=["customer_id", "kind", "name", "id_number"],
    ),
)


def ids(answer) -> list[str]:
    return answer.customers["customer_id"].tolist()


def test_by_unified_social_credit_code_prefix_any_case_and_width():
    # by the matched text: 91110105... before 91110108...
    assert ids(search_customers(CUSTOMERS, "91110")) == ["C002", "C001"]
    assert ids(search_customers(CUSTOMERS, "91110108ma01")) == ["C001"]
    # full-width digits and letters, as a Chinese input method types them
    assert ids(search_customers(CUSTOMERS, "９１１１０１０８ＭＡ")) == ["C001"]


def test_by_name_prefix():
    assert ids(search_customers(CUSTOMERS, "王伟")) == ["C003", "C005"]
    assert ids(search_customers(CUSTOMERS, "  wang ")) == ["C004"]
    assert ids(search_customers(CUSTOMERS, "BEIJING hua")) == ["C002"]
    # a prefix, not a substring
    assert ids(search_customers(CUSTOMERS, "Huaxin")) == []


def test_by_id_number_and_customer_id_each_customer_once():
    answer = search_customers(CUSTOMERS, "X9")
    assert answer.customers[["customer_id", "matched"]].values.tolist() == [["X910", "customer_id"]]
    # "9" starts id numbers (C001, C002, C006 and X910's "91"): each listed once,
    # under the first field it matches
    found = search_customers(CUSTOMERS, "9").customers
    assert sorted(found["customer_id"]) == ["C001", "C002", "C006", "X910"]
    assert found.columns.tolist() == list(SEARCH_COLUMNS)
    assert set(found["matched"]) == {"id_number"}


def test_limit_and_truncation():
    answer = search_customers(CUSTOMERS, "c", limit=2)
    assert ids(answer) == ["C001", "C002"] and answer.truncated
    answer = search_customers(CUSTOMERS, "c", limit=10)
    assert len(answer.customers) == 6 and not answer.truncated


@pytest.mark.parametrize("text", ["", "   ", "\u3000"])
def test_empty_text_is_refused(text):
    with pytest.raises(ConfigError, match="start of a name"):
        search_customers(CUSTOMERS, text)


@pytest.mark.parametrize("limit", [0, 501])
def test_limit_out_of_bounds_is_refused(limit):
    with pytest.raises(ConfigError, match="limit"):
        search_customers(CUSTOMERS, "9", limit=limit)


def test_no_customers():
    assert search_customers(None, "9").customers.empty


def test_normalise():
    assert normalise("ＡＢＣ ") == "abc" and normalise("Straße") == "strasse"


NAMES = st.text(alphabet="abcABC王伟ａＡ9１ ", min_size=0, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(NAMES, NAMES), min_size=0, max_size=15), NAMES)
def test_matches_a_plain_reference(rows, text):
    frame = pd.DataFrame(
        {
            "customer_id": [f"K{i:03d}" for i in range(len(rows))],
            "kind": "person",
            "name": [n or None for n, _ in rows],
            "id_number": [i or None for _, i in rows],
        }
    )
    query = unicodedata.normalize("NFKC", text).strip().casefold()
    if not query:
        with pytest.raises(ConfigError):
            CustomerSearch(frame).find(text)
        return

    def key(v):
        return None if v is None else unicodedata.normalize("NFKC", v).strip().casefold()

    expected = {
        cid
        for cid, (name, idn) in zip(frame["customer_id"], rows, strict=True)
        if any(k and k.startswith(query) for k in (key(cid), key(idn or None), key(name or None)))
    }
    got = CustomerSearch(frame).find(text, limit=500).customers
    assert set(got["customer_id"]) == expected and len(got) == len(expected)


def test_docstring_examples_run():
    import doctest

    import guanxi.search

    found = doctest.testmod(guanxi.search)
    assert found.attempted > 0 and found.failed == 0
