"""Random draws the generation steps share: weighted choices, distinct codes, pools.

Every function takes the generator (``numpy.random.Generator``) it draws from; none
keeps state of its own, so a bank's randomness is one stream, consumed in the order
the steps run (see :mod:`guanxi.loaders.synthetic.build`).

Examples
--------
>>> import numpy as np
>>> codes = affine_codes(np.random.default_rng(0), 5, 10)
>>> len(set(codes.tolist())), bool(((codes >= 0) & (codes < 10)).all())
(5, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["ReservedPool", "affine_codes", "weighted_choice"]


def weighted_choice(rng: np.random.Generator, n: int, p: Sequence[float]) -> np.ndarray:
    """``n`` indices 0..len(p)-1 drawn with probabilities ``p`` (normalized).

    Draws ``n`` uniform numbers from ``rng``, then inverts the cumulative weights: a
    zero weight is never drawn. (``Generator.choice`` with ``p`` draws the same kind
    of numbers but is slower at bank scale.)

    Parameters
    ----------
    rng : numpy.random.Generator
        Consumed: one ``rng.random(n)`` call.
    n : int
        How many indices.
    p : sequence of float
        Non-negative weights, not all zero; they need not sum to one.

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> import numpy as np
    >>> idx = weighted_choice(np.random.default_rng(1), 1000, (3, 0, 1))
    >>> sorted(set(idx.tolist()))
    [0, 2]
    """
    cdf = np.cumsum(np.asarray(p, dtype=float))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)


def affine_codes(rng: np.random.Generator, n: int, modulus: int) -> np.ndarray:
    """``n`` distinct random integers in ``[0, modulus)``.

    A random affine bijection of ``[0, modulus)`` applied to a random permutation of
    ``0..n-1``: distinct by construction, with no pattern between neighbouring customers.
    This is how phone numbers, e-mail numbers, addresses and passport numbers are made
    unique without a uniqueness check.

    Parameters
    ----------
    rng : numpy.random.Generator
        Consumed: two ``rng.integers`` calls and one ``rng.permutation(n)``.
    n : int
        How many codes.
    modulus : int
        The codes are below it.

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    ValueError
        If ``n > modulus`` (there are not that many distinct codes).

    Examples
    --------
    >>> import numpy as np
    >>> sorted(affine_codes(np.random.default_rng(3), 4, 4).tolist())
    [0, 1, 2, 3]
    """
    if n > modulus:
        raise ValueError(f"cannot draw {n} distinct codes below {modulus}")
    a = int(rng.integers(modulus // 3, modulus)) | 1
    while math.gcd(a, modulus) != 1:
        a += 2
    b = int(rng.integers(0, modulus))
    return (rng.permutation(n).astype(np.int64) * a + b) % modulus


class ReservedPool:
    """Customers drawn one by one in a fixed order, skipping those already reserved.

    The planted structures must not share customers (a customer in two structures
    would merge them); every pool over the same ``reserved`` mask sees the customers
    the others took.

    Parameters
    ----------
    members : numpy.ndarray of int
        The customers (indices) the pool draws from.
    reserved : numpy.ndarray of bool
        One flag per customer, shared with other pools and updated in place: a
        customer taken is marked reserved.
    rng : numpy.random.Generator
        Shuffles ``members`` (one ``rng.permutation``) unless ``shuffle=False``; no
        other draw.
    shuffle : bool, default True
        Draw ``members`` in a random order (True) or in the order given.

    Examples
    --------
    >>> import numpy as np
    >>> reserved = np.zeros(5, dtype=bool)
    >>> reserved[1] = True
    >>> pool = ReservedPool(np.arange(5), reserved, np.random.default_rng(0), shuffle=False)
    >>> pool.take(2), pool.take(1), pool.take(5)
    ([0, 2], [3], None)
    >>> reserved.tolist()
    [True, True, True, True, False]
    """

    def __init__(
        self,
        members: np.ndarray,
        reserved: np.ndarray,
        rng: np.random.Generator,
        *,
        shuffle: bool = True,
    ):
        self.order = rng.permutation(members) if shuffle else np.asarray(members)
        self.reserved = reserved
        self.pos = 0

    def take(self, k: int = 1) -> list[int] | None:
        """The next ``k`` unreserved customers, now reserved; None if fewer are left.

        A draw that cannot be completed takes nobody and leaves the pool as it was.
        """
        got: list[int] = []
        pos = self.pos
        while len(got) < k and pos < len(self.order):
            c = int(self.order[pos])
            pos += 1
            if not self.reserved[c]:
                got.append(c)
        if len(got) < k:
            return None
        self.pos = pos
        self.reserved[got] = True
        return got
