"""guanxi.files: a file is replaced whole or not at all, and nothing is left behind."""

from __future__ import annotations

import doctest
import os
import stat
import threading
from pathlib import Path

import pandas as pd
import pytest

import guanxi.files
from guanxi.files import atomic_write, atomic_write_text


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_a_new_file_and_its_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.csv"
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], "exposure": [1.5, 2.0]})
    got = atomic_write(target, lambda tmp: frame.to_csv(tmp, index=False))
    assert got == target
    assert target.read_text() == "customer_id,exposure\nC1,1.5\nC2,2.0\n"
    assert names(target.parent) == ["out.csv"]


def test_replaces_an_existing_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert names(tmp_path) == ["out.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old report")
    seen: list[Path] = []

    def half_then_fail(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("half a rep")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(target, half_then_fail)
    assert target.read_text() == "old report"
    assert names(tmp_path) == ["report.csv"]
    # the writer was given a file in the same folder (so the rename is atomic)
    assert seen[0].parent == tmp_path and seen[0] != target


def test_an_interrupt_is_cleaned_up_too(tmp_path):
    target = tmp_path / "views.html"

    def interrupted(tmp: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, interrupted)
    assert names(tmp_path) == []


def test_a_failing_rename_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_text("kept")
    with pytest.raises(OSError):
        atomic_write_text(target, "a file cannot replace a folder")
    assert names(tmp_path) == ["taken"]
    assert (target / "inside").read_text() == "kept"


def test_text_that_cannot_be_encoded_leaves_the_old_file(tmp_path):
    target = tmp_path / "name.txt"
    target.write_text("Li Lei")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "张伟", encoding="ascii")
    assert target.read_text() == "Li Lei"
    assert names(tmp_path) == ["name.txt"]


def test_text_encoding_and_line_ends(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "关系\n", newline="\n")
    assert target.read_bytes() == "关系\n".encode()


def test_mode_of_a_secret_and_the_default_mode(tmp_path):
    secret = atomic_write_text(tmp_path / "keys.json", "{}", mode=0o600)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    plain = atomic_write_text(tmp_path / "plain.txt", "x")
    reference = tmp_path / "reference.txt"
    reference.write_text("x")  # what open() gives under this process's umask
    assert stat.S_IMODE(plain.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)


def test_fsync_writes_the_same(tmp_path):
    target = atomic_write_text(tmp_path / "out.txt", "durable", fsync=True)
    assert target.read_text() == "durable"
    assert names(tmp_path) == ["out.txt"]


def test_concurrent_writers_never_show_a_partial_file(tmp_path):
    target = tmp_path / "shared.txt"
    contents = {c * 200_000 for c in "abcd"}
    atomic_write_text(target, "a" * 200_000)
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_many() -> None:
        while not stop.is_set():
            text = target.read_text()
            if text not in contents:
                errors.append(AssertionError(f"partial file of {len(text)} characters"))

    reader = threading.Thread(target=read_many)
    reader.start()
    writers = [
        threading.Thread(
            target=lambda c=c: [atomic_write_text(target, c * 200_000) for _ in range(20)]
        )
        for c in "bcd"
    ]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    assert not errors
    assert target.read_text() in contents
    assert names(tmp_path) == ["shared.txt"]


def test_the_docstring_examples_run():
    assert doctest.testmod(guanxi.files, optionflags=doctest.ELLIPSIS).failed == 0


def test_the_temporary_file_is_hidden_and_unique(tmp_path):
    target = tmp_path / "out.txt"
    seen: list[str] = []
    for _ in range(2):
        atomic_write(target, lambda tmp: seen.append(tmp.name) or tmp.write_text("x"))
    assert seen[0] != seen[1]
    assert all(n.startswith(".out.txt.") and n.endswith(".tmp") for n in seen)
    assert str(os.getpid()) in seen[0]
