"""Reading CSV files: pyarrow's fast reader takes only what it reads exactly as pandas does.

The pandas reader (``dtype=str``, no NA parsing, blank lines skipped) is the reference:
whatever text pyarrow accepts must give the same frame, cell for cell; whatever pandas
refuses, pyarrow must leave to pandas (which gives the detailed message).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.graph.schema import Entity
from guanxi.loaders.read import (
    _FileProblem,
    _RaggedRows,
    _read_csv_arrow,
    _read_csv_pandas,
    read_file,
)

# characters that make CSV hard: separators, quotes, line ends, spaces of all kinds
TRICKY = st.sampled_from(
    ["a", "b", "0", ",", '"', "\n", "\r", "\r\n", " ", "\t", "é", "中", "\u3000", "\u2028", "\x1f"]
)


def _pandas_rows(text: str):
    try:
        frame = _read_csv_pandas(text)
    except (_FileProblem, _RaggedRows):
        return None
    return [list(frame.columns)] + frame.to_numpy(dtype=object).tolist()


def _arrow_rows(text: str):
    frame = _read_csv_arrow(text.encode("utf-8"))
    if frame is None:
        return None
    assert all(str(t) == "str" for t in frame.dtypes)
    return [list(frame.columns)] + frame.to_numpy(dtype=object).tolist()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.sampled_from(["a,b\n", "a,b,c\n", " a , b \r\n", "a,b", "a,a\n", "a,\n", '"a",b\n']),
    body=st.lists(TRICKY, max_size=40).map("".join),
)
def test_arrow_reads_exactly_what_pandas_reads(header, body):
    text = header + body
    fast = _arrow_rows(text)
    if fast is not None:
        assert fast == _pandas_rows(text)


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n",
        "a,b\r\n1,2\r\n",
        'a,b\n"x\ny",2\n',  # a record over two lines
        'a,b\n"x""y",2\n"",""\n',
        "a,b\n1,2\n\n\n3,4",  # blank lines are skipped
        "a,b\n 1 , 2 \n",  # spaces are kept
        'a,b\n"x"y,2\n',
    ],
)
def test_well_formed_files_take_the_fast_path(text):
    fast = _arrow_rows(text)
    assert fast is not None
    assert fast == _pandas_rows(text)


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n  \n1,2\n",  # a line of spaces: pandas skips it, pyarrow would not
        "a,b\n1\n",  # too few fields: pandas pads them
        "a,b\n1,2,3\n",  # too many: ragged
        "\na,b\n1,2\n",  # blank line before the header
        "a,b\r1,2\r",  # bare \r line ends
        "a,a\n1,2\n",  # repeated column name: pandas renames it
        'a,"b"\n1,2\n',  # quotes in the header
        'a,b\n"open,2\n',  # unterminated quote
        'a,b\n,"',  # a quote left open at the end: pandas refuses, pyarrow would not
        'a,b\nx"y,"z"\n',  # a quote inside an unquoted field
        "x,y\r\n\r,a",  # a bare \r before a comma: pandas drops the empty field
    ],
)
def test_unusual_files_are_left_to_pandas(text):
    assert _arrow_rows(text) is None


def test_not_utf8_is_left_to_pandas_and_reported(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes("customer_id,kind,name\n0009,person,Zoë\n".encode("latin-1"))
    assert _read_csv_arrow(path.read_bytes()) is None
    src = read_file(Entity.CUSTOMERS, path)
    assert [p.reason.split(" (")[0] for p in src.problems] == ["not UTF-8 text"]


def test_frames_are_text_on_every_path(tmp_path):
    fast = tmp_path / "fast" / "customers.csv"
    slow = tmp_path / "slow" / "customers.csv"
    for p, body in ((fast, "0001,person\n"), (slow, "0001,person\n   \n")):
        p.parent.mkdir()
        p.write_text("customer_id,kind\n" + body, encoding="utf-8")
    for p in (fast, slow):
        src = read_file(Entity.CUSTOMERS, p)
        assert src.frame.to_dict("list") == {"customer_id": ["0001"], "kind": ["person"]}
        assert all(str(t) == "str" for t in src.frame.dtypes)
        assert src.record_lines().tolist() == [2]


def test_arrow_trims_exactly_the_whitespace_python_strips():
    """The validator strips ids with pyarrow; it must agree with str.strip everywhere."""
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    padded = pa.array([chr(c) + "x" + chr(c) for c in points], type=pa.large_string())
    trimmed = pc.utf8_trim_whitespace(padded).to_pylist()
    differ = [
        hex(c) for c, t in zip(points, trimmed, strict=True) if t != (chr(c) + "x" + chr(c)).strip()
    ]
    assert differ == []
