"""Writing a file so that no reader ever sees part of it.

Every file guanxi writes for someone else to read (results, reports, views, keys) is
written beside its final name and renamed over it: a reader sees the old file whole or
the new file whole, and a write that fails leaves the old file as it was and nothing
else behind.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text"]


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    mode: int | None = None,
    fsync: bool = False,
) -> Path:
    """Write ``path`` through ``write(temporary_path)``, then rename it into place.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; missing parent folders are created.
    write : callable
        ``write(tmp)`` writes the whole content to the file ``tmp`` (a new, empty file
        in the same folder as ``path``, which it may reopen or replace), e.g.
        ``lambda tmp: frame.to_csv(tmp, index=False)``. What it returns is ignored.
    mode : int, optional
        Permission bits of a new file (``0o600`` for a secret). By default those of a
        file created with :func:`open`: ``0o666`` less the process's umask.
    fsync : bool
        Flush the content to disk before the rename, so the new file survives a power
        cut (a crash of the process never leaves a partial file either way).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        The folder cannot be written, or the rename fails (``path`` is a folder, say).
        Whatever ``write`` raises is raised unchanged. In every case the old file is
        left as it was and the temporary file is removed.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> target = atomic_write(folder / "out.txt", lambda tmp: tmp.write_text("new"))
    >>> target.read_text(), sorted(p.name for p in folder.iterdir())
    ('new', ['out.txt'])
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never clobber another writer's temporary file; the umask applies as it
    # would to open()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    os.close(fd)
    try:
        write(tmp)
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(
    path: str | os.PathLike[str],
    text: str,
    *,
    encoding: str = "utf-8",
    newline: str | None = None,
    mode: int | None = None,
    fsync: bool = False,
) -> Path:
    """Write ``text`` to ``path`` with :func:`atomic_write`.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; missing parent folders are created.
    text : str
    encoding : str
        UTF-8 by default.
    newline : str, optional
        As :func:`open`'s (``"\\n"`` writes Unix line ends on every system).
    mode, fsync
        As :func:`atomic_write`'s.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        As :func:`atomic_write`.
    UnicodeEncodeError
        ``text`` cannot be encoded; the old file is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "page.html"
    >>> atomic_write_text(target, "<p>关系</p>").read_text(encoding="utf-8")
    '<p>关系</p>'
    """

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding=encoding, newline=newline) as fh:
            fh.write(text)

    return atomic_write(path, write, mode=mode, fsync=fsync)
