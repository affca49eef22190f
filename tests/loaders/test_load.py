"""Loading folders of extracts: every bad input of the contract gets a clear report and
leaves the store exactly as it was. Runs on every store of the ``store`` fixture
(embedded DuckDB and a real Neo4j over Bolt)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from guanxi.errors import ConfigError, InputError, InvalidInput
from guanxi.graph.schema import LOAD_ORDER, Entity
from guanxi.loaders.load import REJECTS_DIR, REPORT_NAME, load_folder

BASE = {
    "customers.csv": (
        "customer_id,kind,name,aum,joined_on,rm_id\n"
        '0001234,person,"张三, ""the boss""",100.5,2024-03-31,RM1\n'
        '0002,company,"Acme ""Holdings"", Ltd.",,2020-01-01,\n'
        "0003,person,O'Brien,0,2019-06-30,RM2\n"
    ),
    "accounts.csv": (
        "account_id,customer_id,product,credit_limit,outstanding,ccf,status\n"
        "A1,0002,loan,100,50,0.5,open\n"
        "A2,0001234,mortgage,200,150,,open\n"
    ),
    "referrals.csv": "referrer_id,referee_id,referred_on\n0001234,0002,2024-04-01\n",
}


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return folder


def snapshot(store) -> dict:
    return {e: store.fetch(e) for e in LOAD_ORDER} | {"counts": store.counts()}


def assert_unchanged(store, before: dict) -> None:
    after = snapshot(store)
    assert after["counts"] == before["counts"]
    for e in LOAD_ORDER:
        pd.testing.assert_frame_equal(after[e], before[e])


@pytest.fixture
def loaded(store, tmp_path):
    """A store holding the BASE folder."""
    load_folder(write(tmp_path / "base", BASE), store)
    return store


# Each case: files of a second folder, and the (file, line, column, reason fragment)
# the report must contain.
BAD = {
    "missing required column": (
        {"customers.csv": "customer_id,name\n0009,X\n"},
        ("customers.csv", 1, "kind", "missing required column"),
    ),
    "missing required value": (
        {"customers.csv": "customer_id,kind\n0009,\n"},
        ("customers.csv", 2, "kind", "missing required value"),
    ),
    "duplicate ids": (
        {"customers.csv": "customer_id,kind\n0009,person\n0010,person\n0009,company\n"},
        ("customers.csv", 4, "customer_id", "duplicate customer_id"),
    ),
    "unknown customer": (
        {"accounts.csv": "account_id,customer_id,product\nA9,0404,loan\n"},
        ("accounts.csv", 2, "customer_id", "unknown customer_id"),
    ),
    "unknown account": (
        {"account_holders.csv": "account_id,customer_id,role\nA404,0003,joint\n"},
        ("account_holders.csv", 2, "account_id", "unknown account_id"),
    ),
    "unknown kind": (
        {"customers.csv": "customer_id,kind\n0009,alien\n"},
        ("customers.csv", 2, "kind", "unknown kind"),
    ),
    "unknown product": (
        {"accounts.csv": "account_id,customer_id,product\nA9,0003,bitcoin\n"},
        ("accounts.csv", 2, "product", "unknown product"),
    ),
    "unknown role": (
        {"households.csv": "household_id,customer_id,role\nH1,0003,butler\n"},
        ("households.csv", 2, "role", "unknown role"),
    ),
    "negative money": (
        {"accounts.csv": "account_id,customer_id,product,balance\nA9,0003,savings,-0.01\n"},
        ("accounts.csv", 2, "balance", "negative amount"),
    ),
    "money not a number": (
        {"customers.csv": "customer_id,kind,aum\n0009,person,1'000\n"},
        ("customers.csv", 2, "aum", "not a number"),
    ),
    "share above 1": (
        {"ownership.csv": "owner_id,company_id,share,role\n0003,0002,1.2,shareholder\n"},
        ("ownership.csv", 2, "share", "between 0 and 1"),
    ),
    "ccf below 0": (
        {"accounts.csv": "account_id,customer_id,product,ccf\nA9,0003,loan,-0.5\n"},
        ("accounts.csv", 2, "ccf", "between 0 and 1"),
    ),
    "unparseable date": (
        {"customers.csv": "customer_id,kind,joined_on\n0009,person,31/03/2024\n"},
        ("customers.csv", 2, "joined_on", "not a date"),
    ),
    "impossible date": (
        {"customers.csv": "customer_id,kind,born_on\n0009,person,2023-02-29\n"},
        ("customers.csv", 2, "born_on", "not a date"),
    ),
    "self-referral": (
        {"referrals.csv": "referrer_id,referee_id\n0003,0003\n"},
        ("referrals.csv", 2, "referee_id", "self-referral"),
    ),
    "self-guarantee": (
        {"guarantees.csv": "guarantor_id,borrower_id,amount\n0003,0003,10\n"},
        ("guarantees.csv", 2, "borrower_id", "self-guarantee"),
    ),
    "second referrer in one file": (
        {"referrals.csv": "referrer_id,referee_id\n0002,0003\n0001234,0003\n"},
        ("referrals.csv", 3, "referee_id", "more than one referrer"),
    ),
    "second referrer against the store": (
        # 0002 was referred by 0001234 in the base load
        {"referrals.csv": "referrer_id,referee_id\n0003,0002\n"},
        ("referrals.csv", 2, "referee_id", "more than one referrer"),
    ),
    "referral cycle in one file": (
        {
            "customers.csv": "customer_id,kind\n0010,person\n0011,person\n",
            "referrals.csv": "referrer_id,referee_id\n0010,0011\n0011,0010\n",
        },
        ("referrals.csv", 3, "referee_id", "closes a referral cycle"),
    ),
    "referral cycle through the store": (
        # stored: 0001234 -> 0002; this would close 0002 -> 0003 -> 0001234 -> 0002
        {"referrals.csv": "referrer_id,referee_id\n0002,0003\n0003,0001234\n"},
        ("referrals.csv", 3, "referee_id", "closes a referral cycle"),
    ),
    "valid_to before valid_from": (
        {
            "guarantees.csv": "guarantor_id,borrower_id,valid_from,valid_to\n"
            "0003,0002,2024-05-01,2024-04-30\n"
        },
        ("guarantees.csv", 2, "valid_to", "before valid_from"),
    ),
    "empty file": (
        {"customers.csv": ""},
        ("customers.csv", 1, "", "empty"),
    ),
    "not CSV at all": (
        {"customers.csv": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary\x00\x00"},
        ("customers.csv", 1, "", "binary"),
    ),
    "not Parquet at all": (
        {"customers.parquet": b"customer_id,kind\n0009,person\n"},
        ("customers.parquet", 1, "", "not a readable Parquet file"),
    ),
    "not UTF-8": (
        {"customers.csv": "customer_id,kind,name\n0009,person,Zoë\n".encode("latin-1")},
        ("customers.csv", 2, "", "not UTF-8"),
    ),
    "ragged CSV": (
        {"customers.csv": "customer_id,kind\n0009,person,extra,fields\n"},
        ("customers.csv", 2, "", "this row has 4 fields, the header has 2"),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_reported_and_store_unchanged(loaded, tmp_path, case):
    files, (file, line, column, reason) = BAD[case]
    before = snapshot(loaded)
    folder = write(tmp_path / "bad", files)
    with pytest.raises(InvalidInput) as info:
        load_folder(folder, loaded)
    assert "nothing was written" in str(info.value)
    report = pd.read_csv(folder / REPORT_NAME, dtype=str, keep_default_na=False)
    assert info.value.problems == len(report)
    hits = report[
        (report["file"] == file)
        & (report["line"] == str(line))
        & (report["column"] == column)
        & report["reason"].str.contains(reason, regex=False)
    ]
    assert len(hits) == 1, report.to_string()
    assert_unchanged(loaded, before)


def test_every_bad_row_is_reported_not_the_first(store, tmp_path):
    rows = "".join(f"{i:04d},alien\n" for i in range(50))
    folder = write(tmp_path / "many", {"customers.csv": "customer_id,kind\n" + rows})
    with pytest.raises(InvalidInput):
        load_folder(folder, store)
    report = pd.read_csv(folder / REPORT_NAME, dtype=str)
    assert report["line"].astype(int).tolist() == list(range(2, 52))
    assert store.counts()["customers"] == 0


def test_line_numbers_count_physical_lines_of_multiline_records(store, tmp_path):
    text = 'customer_id,kind,name\n0001,person,"two\nlines"\n0002,alien,x\n'
    folder = write(tmp_path / "ml", {"customers.csv": text})
    with pytest.raises(InvalidInput):
        load_folder(folder, store)
    report = pd.read_csv(folder / REPORT_NAME, dtype=str)
    assert report[["line", "column"]].values.tolist() == [["4", "kind"]]


def test_leading_zeros_and_awkward_names_round_trip(loaded):
    customers = loaded.fetch(Entity.CUSTOMERS).set_index("customer_id")
    assert list(customers.index) == ["0001234", "0002", "0003"]
    assert customers.loc["0001234", "name"] == '张三, "the boss"'
    assert customers.loc["0002", "name"] == 'Acme "Holdings", Ltd.'
    assert customers.loc["0003", "name"] == "O'Brien"
    assert pd.isna(customers.loc["0002", "aum"])
    assert customers.loc["0001234", "aum"] == 100.5
    assert loaded.existing_ids(Entity.CUSTOMERS, ["1234", "0001234"]) == {"0001234"}


def test_loading_the_same_folder_twice_changes_nothing(loaded, tmp_path):
    before = snapshot(loaded)
    load_folder(tmp_path / "base", loaded)
    assert_unchanged(loaded, before)


def test_a_later_folder_references_stored_customers(loaded, tmp_path):
    folder = write(
        tmp_path / "later",
        {
            "account_holders.csv": "account_id,customer_id,role\nA2,0003,joint\n",
            "guarantees.csv": "guarantor_id,borrower_id,amount,account_id,valid_from,valid_to\n"
            "0003,0002,80,A1,2024-01-01,2030-12-31\n",
            "referrals.csv": "referrer_id,referee_id\n0002,0003\n",
        },
    )
    outcome = load_folder(folder, loaded, mode="delta")
    assert outcome.stats.rows == {
        Entity.ACCOUNT_HOLDERS: 1,
        Entity.REFERRALS: 1,
        Entity.GUARANTEES: 1,
    }
    counts = loaded.counts()
    assert counts["customers"] == 3
    assert counts["referrals"] == 2
    assert loaded.fetch(Entity.GUARANTEES)["amount"].tolist() == [80.0]


def test_first_load_needs_customers(store, tmp_path):
    folder = write(tmp_path / "nocust", {"referrals.csv": "referrer_id,referee_id\n1,2\n"})
    with pytest.raises(InputError, match="customers"):
        load_folder(folder, store)


def test_folder_without_contract_files(store, tmp_path):
    folder = write(tmp_path / "other", {"notes.txt": "hello"})
    with pytest.raises(InputError, match="none of the contract's files"):
        load_folder(folder, store)


def test_csv_and_parquet_of_one_entity_is_refused(store, tmp_path):
    folder = write(tmp_path / "both", {"customers.csv": "customer_id,kind\n1,person\n"})
    pq.write_table(
        pa.table({"customer_id": ["1"], "kind": ["person"]}), folder / "customers.parquet"
    )
    with pytest.raises(InputError, match="keep one"):
        load_folder(folder, store)


def test_skip_invalid_loads_good_rows_and_copies_bad_rows_untouched(store, tmp_path):
    customers = (
        "customer_id,kind,name\n"
        "0001,person,Good\n"
        '0002,alien,"Bad, ""quoted""\nover two lines"\n'
        "0003,company,Also good\n"
    )
    accounts = (
        "account_id,customer_id,product\n"
        "A1,0001,loan\n"
        "A2,0002,loan\n"  # its customer is rejected, so it is too
    )
    folder = write(tmp_path / "mixed", {"customers.csv": customers, "accounts.csv": accounts})
    outcome = load_folder(folder, store, skip_invalid=True)
    assert outcome.stats.rows == {Entity.CUSTOMERS: 2, Entity.ACCOUNTS: 1}
    assert sorted(store.fetch(Entity.CUSTOMERS)["customer_id"]) == ["0001", "0003"]
    rejects = folder / REJECTS_DIR
    assert (rejects / "customers.csv").read_text(encoding="utf-8") == (
        'customer_id,kind,name\n0002,alien,"Bad, ""quoted""\nover two lines"\n'
    )
    assert (rejects / "accounts.csv").read_text(encoding="utf-8") == (
        "account_id,customer_id,product\nA2,0002,loan\n"
    )
    report = pd.read_csv(folder / REPORT_NAME, dtype=str)
    assert set(report["reason"].str.split(" ").str[0]) == {"unknown", "refers"}


def test_skip_invalid_does_not_rescue_an_unusable_file(store, tmp_path):
    folder = write(
        tmp_path / "broken",
        {"customers.csv": "customer_id,kind\n1,person\n", "accounts.csv": b"\xff\xfe\x00junk"},
    )
    with pytest.raises(InvalidInput, match="unusable"):
        load_folder(folder, store, skip_invalid=True)
    assert store.counts()["customers"] == 0


def test_parquet_and_csv_mixed(store, tmp_path):
    folder = tmp_path / "mixed_formats"
    folder.mkdir()
    pq.write_table(
        pa.table(
            {
                "customer_id": ["0007", "0008"],
                "kind": ["person", "company"],
                "name": ["Zoë", None],
                "aum": [1.25, None],
                "joined_on": pa.array([pd.Timestamp("2024-01-31").date(), None], pa.date32()),
            }
        ),
        folder / "customers.parquet",
    )
    write(folder, {"referrals.csv": "referrer_id,referee_id\n0007,0008\n"})
    load_folder(folder, store)
    customers = store.fetch(Entity.CUSTOMERS)
    assert customers["customer_id"].tolist() == ["0007", "0008"]
    assert customers["aum"].tolist()[0] == 1.25
    assert customers["joined_on"].tolist()[0] == "2024-01-31"
    assert customers["name"].tolist()[0] == "Zoë"
    assert pd.isna(customers["name"].tolist()[1])  # a null stays missing, never "nan"
    assert store.counts()["referrals"] == 1


def test_extra_columns_are_refused_unless_asked_to_keep_them(store, tmp_path):
    folder = write(
        tmp_path / "extra",
        {"customers.csv": "customer_id,kind,loyalty_tier\n0001,person,gold\n0002,person,\n"},
    )
    with pytest.raises(InvalidInput, match="--keep-extra-columns") as info:
        load_folder(folder, store)
    assert "loyalty_tier" in str(info.value)
    assert store.counts()["customers"] == 0
    load_folder(folder, store, keep_extra_columns=True)
    customers = store.fetch(Entity.CUSTOMERS)
    assert customers["loyalty_tier"].tolist()[0] == "gold"
    assert pd.isna(customers["loyalty_tier"].tolist()[1])


@pytest.mark.parametrize("name", ["Loyalty Tier", "_private", "key", "9lives"])
def test_extra_column_with_an_unusable_name_is_refused(store, tmp_path, name):
    folder = write(
        tmp_path / "badname", {"customers.csv": f"customer_id,kind,{name}\n1,person,x\n"}
    )
    with pytest.raises(InvalidInput) as info:
        load_folder(folder, store, keep_extra_columns=True)
    assert "plain name" in str(info.value) or "keeps for itself" in str(info.value)


# -- a misspelt or misnamed input is refused with the fix ------------------------------
@pytest.mark.parametrize(
    ("file", "header", "wrong", "right"),
    [
        (
            "accounts.csv",
            "account_id,customer_id,product,credit_limt",
            "credit_limt",
            "credit_limit",
        ),
        (
            "accounts.csv",
            "account_id,customer_id,product,Outstanding",
            "Outstanding",
            "outstanding",
        ),
        ("customers.csv", "customer_id,kind,Name", "Name", "name"),
        ("customers.csv", "customer_id,kind,AUM", "AUM", "aum"),
        ("customers.csv", "customer_id,kind,segmnt", "segmnt", "segment"),
    ],
)
def test_a_misspelt_column_is_refused_with_the_contract_name(
    loaded, tmp_path, file, header, wrong, right
):
    rows = {
        "accounts.csv": "\nA9,0002,loan,100",
        "customers.csv": "\n0001234,person,x",
    }
    before = snapshot(loaded)
    folder = write(tmp_path / "misspelt", {file: header + rows[file] + "\n"})
    for keep in (False, True):  # refused even when extra columns are kept
        with pytest.raises(InvalidInput) as info:
            load_folder(folder, loaded, mode="delta", keep_extra_columns=keep)
        assert f"did you mean {right!r}" in str(info.value), str(info.value)
        assert wrong in str(info.value)
    assert_unchanged(loaded, before)


def test_a_misspelt_required_column_names_the_misspelling(store, tmp_path):
    folder = write(tmp_path / "m", {"customers.csv": "customer_id,knd\n0001,person\n"})
    with pytest.raises(InvalidInput) as info:
        load_folder(folder, store)
    assert "missing required column 'kind'" in str(info.value)


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("guarantee.csv", "guarantees.csv"),
        ("Accounts.csv", "accounts.csv"),
        ("CUSTOMERS.parquet", "customers.parquet"),
        ("acounts.csv", "accounts.csv"),
        ("notes.csv", None),
    ],
)
def test_a_file_that_is_not_a_contract_file_is_refused(store, tmp_path, name, suggestion):
    folder = write(tmp_path / "f", {**BASE, name: "a,b\n1,2\n"})
    with pytest.raises(InputError) as info:
        load_folder(folder, store)
    message = str(info.value)
    assert f"{name}: not a contract file" in message
    if suggestion:
        assert f"did you mean {suggestion}?" in message
    assert store.counts()["customers"] == 0


def test_the_load_report_of_an_earlier_load_is_not_a_contract_file_problem(store, tmp_path):
    folder = write(tmp_path / "f", {**BASE, REPORT_NAME: "file,line\n"})
    load_folder(folder, store)
    assert store.counts()["customers"] == 3


def test_a_row_with_fewer_fields_than_the_header_is_invalid(store, tmp_path):
    folder = write(
        tmp_path / "short",
        {"customers.csv": "customer_id,kind,name,aum\n0001,person,Zhao,5\n0002,person,Zha\n"},
    )
    with pytest.raises(InvalidInput):
        load_folder(folder, store)
    report = pd.read_csv(folder / REPORT_NAME, dtype=str, keep_default_na=False)
    assert report[["file", "line"]].values.tolist() == [["customers.csv", "3"]]
    assert "3 field(s), the header has 4" in report["reason"].iloc[0]
    assert store.counts()["customers"] == 0
    # with --skip-invalid the short row goes to rejects, untouched
    outcome = load_folder(folder, store, skip_invalid=True)
    assert outcome.stats.rows == {Entity.CUSTOMERS: 1}
    rejected = outcome.rejects[Entity.CUSTOMERS].read_text(encoding="utf-8")
    assert rejected == "customer_id,kind,name,aum\n0002,person,Zha\n"


def test_a_parquet_column_of_lists_is_refused(store, tmp_path):
    folder = tmp_path / "lists"
    folder.mkdir()
    table = pa.table(
        {"customer_id": ["1", "2"], "kind": ["person", "person"], "phone": [["1", "2"], []]}
    )
    pq.write_table(table, folder / "customers.parquet")
    with pytest.raises(InvalidInput, match="lists or records"):
        load_folder(folder, store)


def test_an_id_with_a_control_character_is_invalid(store, tmp_path):
    # a separator inside an id could make two relationship keys collide
    folder = write(
        tmp_path / "ctl",
        {
            "customers.csv": "customer_id,kind\nP,person\nQ\x1fR,person\nP\x1fQ,person\nR,person\n",
        },
    )
    with pytest.raises(InvalidInput):
        load_folder(folder, store)
    report = pd.read_csv(folder / REPORT_NAME, dtype=str, keep_default_na=False)
    assert report["line"].tolist() == ["3", "4"]
    assert report["reason"].str.contains("control characters").all()


# -- snapshots: full and delta loads ---------------------------------------------------
def test_a_full_load_removes_rows_absent_from_its_files(loaded, tmp_path):
    fewer = {**BASE, "referrals.csv": "referrer_id,referee_id,referred_on\n"}
    outcome = load_folder(write(tmp_path / "m2", fewer), loaded, as_of="2024-07-31")
    assert outcome.stats.removed[Entity.REFERRALS] == 1
    assert loaded.counts()["referrals"] == 0
    assert loaded.current_snapshot()["as_of"] == "2024-07-31"


def test_a_full_load_may_not_leave_stored_rows_pointing_at_removed_customers(loaded, tmp_path):
    before = snapshot(loaded)
    # 0002 left the customer file, but the stored account A1 and referral still name it
    folder = write(
        tmp_path / "m2",
        {"customers.csv": "customer_id,kind\n0001234,person\n0003,person\n"},
    )
    with pytest.raises(InvalidInput) as info:
        load_folder(folder, loaded, skip_invalid=True)
    report = pd.read_csv(folder / REPORT_NAME, dtype=str, keep_default_na=False)
    assert set(report["file"]) == {"stored accounts", "stored referrals"}
    assert report["reason"].str.contains("include accounts in the load").any()
    assert "--skip-invalid cannot help" in str(info.value)
    assert_unchanged(loaded, before)
    # carrying the accounts and referrals too, the same load goes through
    folder = write(
        folder,
        {
            "accounts.csv": "account_id,customer_id,product\nA2,0001234,mortgage\n",
            "referrals.csv": "referrer_id,referee_id\n",
        },
    )
    (folder / REPORT_NAME).unlink()
    outcome = load_folder(folder, loaded)
    assert outcome.stats.removed == {
        Entity.CUSTOMERS: 1,
        Entity.ACCOUNTS: 1,
        Entity.REFERRALS: 1,
    }


def test_references_in_a_full_load_must_resolve_within_the_load(loaded, tmp_path):
    folder = write(
        tmp_path / "m2",
        {
            "customers.csv": "customer_id,kind\n0003,person\n",
            "accounts.csv": "account_id,customer_id,product\nA9,0002,loan\n",
        },
    )
    with pytest.raises(InvalidInput):
        load_folder(folder, loaded)
    report = pd.read_csv(folder / REPORT_NAME, dtype=str, keep_default_na=False)
    assert report["reason"].str.contains("which replaces the stored ones").any()


def test_a_delta_load_upserts_and_removes_what_it_names(loaded, tmp_path):
    folder = write(
        tmp_path / "d1",
        {
            "customers.csv": "customer_id,kind\n0009,person\n",
            "removed_referrals.csv": "referrer_id,referee_id\n0001234,0002\n",
        },
    )
    outcome = load_folder(folder, loaded, mode="delta", as_of="2024-07-15")
    assert outcome.stats.rows == {Entity.CUSTOMERS: 1}
    assert outcome.stats.removed == {Entity.REFERRALS: 1}
    assert loaded.counts()["customers"] == 4 and loaded.counts()["referrals"] == 0
    snap = loaded.current_snapshot()
    assert (snap["mode"], snap["as_of"]) == ("delta", "2024-07-15")


def test_removal_files_belong_to_delta_loads(loaded, tmp_path):
    folder = write(
        tmp_path / "d1", {"removed_referrals.csv": "referrer_id,referee_id\n0001234,0002\n"}
    )
    with pytest.raises(ConfigError, match="--mode delta"):
        load_folder(folder, loaded)


def test_a_removal_file_carries_exactly_the_key_columns(loaded, tmp_path):
    folder = write(
        tmp_path / "d1",
        {"removed_referrals.csv": "referrer_id,referee_id,channel\n0001234,0002,x\n"},
    )
    with pytest.raises(InputError, match="exactly the key columns"):
        load_folder(folder, loaded, mode="delta")
    assert loaded.counts()["referrals"] == 1


def test_a_reload_without_amount_columns_keeps_the_stored_amounts(loaded, tmp_path):
    before = loaded.fetch(Entity.ACCOUNTS)
    thin = {
        "accounts.csv": "account_id,customer_id,product,status\nA1,0002,loan,open\n"
        "A2,0001234,mortgage,open\n"
    }
    outcome = load_folder(write(tmp_path / "thin", thin), loaded)
    assert "credit_limit" in outcome.not_carried[Entity.ACCOUNTS]
    pd.testing.assert_frame_equal(loaded.fetch(Entity.ACCOUNTS), before)


@pytest.mark.parametrize("as_of", ["2024-02-30", "31/01/2024", "yesterday"])
def test_a_bad_as_of_date_is_refused_before_anything(store, tmp_path, as_of):
    with pytest.raises(ConfigError, match="--as-of"):
        load_folder(write(tmp_path / "x", BASE), store, as_of=as_of)
    assert store.counts()["customers"] == 0
