"""The bounds of every request the read model answers, defined once.

The HTTP API declares them in its parameters and schemas (so a request out of bounds
gets a 422 before anything runs), and :class:`~guanxi.service.GraphService` checks
them again with :func:`bounded` (so the CLI and the views get the same limits, as a
:class:`~guanxi.errors.ConfigError`).
"""

from __future__ import annotations

from guanxi.errors import ConfigError

__all__ = [
    "MAX_HOPS",
    "MAX_NODES",
    "DEFAULT_NODES",
    "MAX_PAGE_SIZE",
    "MAX_SEEDS",
    "MAX_EXCLUDE",
    "MAX_CASCADE_DEPTH",
    "bounded",
]

#: deepest neighbourhood served (hops from the customer)
MAX_HOPS = 3
#: most nodes in any graph answer or view (network, group, circle, cascade, overview)
MAX_NODES = 2000
#: nodes in a neighbourhood when the caller does not say
DEFAULT_NODES = 300
#: most rows in one page of any list
MAX_PAGE_SIZE = 500
#: most campaign seeds per request
MAX_SEEDS = 100
#: most customer ids a seed request may exclude
MAX_EXCLUDE = 1000
#: deepest referral generation a cascade answer walks to
MAX_CASCADE_DEPTH = 50


def bounded(value: int, low: int, high: int, what: str) -> int:
    """``value`` as an int, checked to lie in ``[low, high]``.

    Parameters
    ----------
    value : int
        What the caller asked for.
    low, high : int
        The bounds, both included.
    what : str
        The parameter's name, for the message.

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        ``value`` is out of bounds.

    Examples
    --------
    >>> bounded(2, 1, MAX_HOPS, "hops")
    2
    >>> bounded(9, 1, MAX_HOPS, "hops")
    Traceback (most recent call last):
    ...
    guanxi.errors.ConfigError: hops must be between 1 and 3, got 9
    """
    v = int(value)
    if not low <= v <= high:
        raise ConfigError(f"{what} must be between {low} and {high}, got {value}")
    return v
