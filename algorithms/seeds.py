"""Campaign seeding: whom to tell first so word of mouth reaches the most customers.

Influence maximization under the Independent Cascade (IC) model [1]_ on the bank's
referral ties, solved with the lazy-greedy CELF algorithm [2]_:

1. :func:`referral_probabilities` estimates, for every customer ``u``, the
   probability ``p_u`` that ``u`` passes a campaign on to each of their referral
   ties, from ``u``'s own referral history and a bank-wide Beta prior;
2. :func:`campaign_seeds` draws ``simulations`` random *live-edge worlds* (each tie
   ``u -> v`` live with probability ``p_u``, independently), and greedily picks the
   seed that adds the most customers reached, averaged over the worlds; CELF skips
   re-evaluating candidates whose earlier gain already falls short (submodularity).

The worlds are fixed for the whole run: an edge's coin in world ``r`` is a hash of
``(seed, r, edge)``, so it costs no memory, every candidate is compared on the same
worlds, and CELF returns exactly the seeds plain greedy would on them. Many worlds
are simulated at once: the frontier is a flat array of ``(world, customer)`` pairs
expanded along the CSR adjacency in one numpy step per generation.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

from guanxi import defaults
from guanxi.algorithms.referrals import (
    ReferralForest,
    referral_forest,
)
from guanxi.algorithms.referrals import (
    aggregate as _aggregate,
)
from guanxi.algorithms.referrals import (
    unique_sorted as _unique,
)
from guanxi.errors import ConfigError, NotFound

__all__ = ["referral_probabilities", "campaign_seeds"]

SEED_COLUMNS = (
    "rank",
    "customer_id",
    "marginal_gain",
    "expected_reach",
    "ci_low",
    "ci_high",
    "p_refer",
    "direct",
    "cascade",
    "cost",
)

#: z-value of a two-sided 95% normal interval
_Z95 = 1.959963984540054

#: how many (world, customer) pairs one batch of candidate evaluations may start with
_PAIR_BUDGET = 1 << 21


# --------------------------------------------------------------------------------------
# the estimator


def _month_number(dates: pd.Series) -> np.ndarray:
    """``year * 12 + month - 1`` of ISO dates (float, NaN when missing or malformed).

    Reads the digits of ``YYYY-MM`` straight from a fixed-width unicode array:
    ``pd.to_numeric`` on sliced strings takes seconds per million dates.
    """
    text = np.asarray(dates.astype("str").fillna("").to_numpy(dtype=object), dtype="U7")
    if text.size == 0:
        return np.zeros(0)
    digit = text.view(np.int32).reshape(-1, 7) - ord("0")
    pos = [0, 1, 2, 3, 5, 6]
    ok = np.all((digit[:, pos] >= 0) & (digit[:, pos] <= 9), axis=1)
    ok &= digit[:, 4] == ord("-") - ord("0")
    year = digit[:, 0] * 1000 + digit[:, 1] * 100 + digit[:, 2] * 10 + digit[:, 3]
    month = digit[:, 5] * 10 + digit[:, 6]
    ok &= (month >= 1) & (month <= 12)
    return np.where(ok, year * 12 + month - 1, np.nan).astype(np.float64)


def referral_probabilities(
    customers: pd.DataFrame,
    referrals: pd.DataFrame,
    *,
    as_of: str | None = None,
    prior_strength: float = 12.0,
    prior: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Each customer's monthly referral propensity, a Beta-Binomial posterior mean.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``joined_on``).
    referrals : pandas.DataFrame
        Canonical referrals frame (``referrer_id``, ``referee_id``, ``referred_on``).
    as_of : str, optional
        ISO date the history ends; the latest ``joined_on`` or ``referred_on`` seen
        when omitted.
    prior_strength : float, default 12.0
        ``a + b`` of the empirical-Bayes prior, in months of pseudo-history (> 0).
    prior : (float, float), optional
        An explicit Beta prior ``(a, b)`` (both > 0) instead of the empirical one.

    Returns
    -------
    pandas.DataFrame
        One row per customer (sorted by ``customer_id``): ``customer_id``,
        ``exposure`` (int64, months observed), ``successes`` (int64, months with a
        referral), ``p`` (float64, the posterior mean). ``attrs["prior"]`` holds
        ``(a, b)`` and ``attrs["as_of"]`` the date used.

    Raises
    ------
    guanxi.errors.ConfigError
        If ``prior_strength`` or a prior parameter is not positive.
    guanxi.errors.InvalidInput
        If a required column is missing.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b"],
    ...                           "joined_on": ["2024-01-01", "2024-12-01"]})
    >>> referrals = pd.DataFrame({"referrer_id": ["a"], "referee_id": ["b"],
    ...                           "referred_on": ["2024-12-01"]})
    >>> referral_probabilities(customers, referrals, prior=(1.0, 9.0))["p"].round(4).tolist()
    [0.0909, 0.0909]

    Notes
    -----
    Each month a customer has been with the bank is one Bernoulli trial: did they
    refer somebody that month? With ``m_u`` months of exposure (calendar months
    from the ``joined_on`` month through the ``as_of`` month, at least 1) and
    ``s_u`` months with at least one referral (distinct ``referred_on`` months; an
    undated referral counts as a month of its own; referrals dated after ``as_of``
    do not count; capped at ``m_u``), the posterior mean under a ``Beta(a, b)``
    prior is

    .. math:: p_u = \\frac{s_u + a}{m_u + a + b}

    The prior is empirical Bayes: its mean is the bank-wide rate
    ``mu = sum(s) / sum(m)`` and its weight ``a + b = prior_strength`` months, so a
    customer with one lucky referral in their first month is pulled towards the
    bank's rate instead of getting ``p = 1``, while a customer with years of steady
    referrals keeps close to their own rate. A customer without ``joined_on`` is
    given the median exposure of the others (12 months if nobody has one).

    Used as the IC probability of each tie ``u -> v``, ``p_u`` reads "in a campaign
    month, ``u`` passes the word on to a given contact with the probability that
    ``u`` referred someone in an ordinary month". Referral months are a proxy for
    exposure to word of mouth: the contract records successful referrals only,
    not the conversations that led nowhere.

    References
    ----------
    .. [1] Gelman, A. et al. (2013). Bayesian Data Analysis, 3rd ed., ch. 2 and 5
       (Beta-Binomial model, empirical-Bayes priors).
    """
    if prior is None and not prior_strength > 0:
        raise ConfigError(f"prior_strength must be positive, got {prior_strength}")
    if prior is not None and not (prior[0] > 0 and prior[1] > 0):
        raise ConfigError(f"prior parameters must be positive, got {prior}")
    forest = referral_forest(customers, referrals)
    return _probabilities(customers, referrals, forest, as_of, prior_strength, prior)


def _probabilities(customers, referrals, forest: ReferralForest, as_of, strength, prior):
    n = forest.n
    ids = forest.ids
    joined = np.full(n, np.nan)
    if "joined_on" in customers.columns:
        months = _month_number(customers["joined_on"])
        ok = forest.customer_rows >= 0
        joined[forest.customer_rows[ok][::-1]] = months[ok][::-1]  # first row wins
    who = forest.referral_rows
    if "referred_on" in referrals.columns:
        month = _month_number(referrals["referred_on"])
    else:
        month = np.full(who.size, np.nan)
    if as_of is None:
        seen = np.concatenate([joined, month])
        seen = seen[np.isfinite(seen)]
        end = float(seen.max()) if seen.size else np.nan
    else:
        end = float(_month_number(pd.Series([as_of]))[0])
        if np.isnan(end):
            raise ConfigError(f"as_of must be an ISO date, got {as_of!r}")

    exposure = end - joined + 1
    known = np.isfinite(exposure)
    fill = float(np.median(exposure[known])) if known.any() else 12.0
    exposure = np.where(known, exposure, fill)
    exposure = np.maximum(np.round(exposure), 1).astype(np.int64)

    # months with a referral: distinct (referrer, month) pairs, plus one month per
    # distinct undated referral
    has_month = np.isfinite(month)
    counted = has_month & (month <= end) if np.isfinite(end) else has_month
    span = 12 * 10_000
    dated = _unique(who[counted] * span + month[counted].astype(np.int64))
    successes = np.bincount(dated // span, minlength=n)
    undated = np.flatnonzero(~has_month)
    if undated.size:
        referee = forest.ids.get_indexer(
            referrals["referee_id"].iloc[undated].astype("str")
        ).astype(np.int64)
        pairs = _unique(who[undated] * n + referee)
        successes = successes + np.bincount(pairs // n, minlength=n)
    successes = np.minimum(successes, exposure).astype(np.int64)

    if prior is None:
        total = exposure.sum()
        mu = successes.sum() / total if total else 0.0
        mu = float(np.clip(mu, 1e-9, 1 - 1e-9))
        a, b = mu * float(strength), (1 - mu) * float(strength)
    else:
        a, b = float(prior[0]), float(prior[1])
    p = (successes + a) / (exposure + a + b)
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="str"),
            "exposure": exposure,
            "successes": successes,
            "p": p,
        }
    )
    frame.attrs["prior"] = (a, b)
    y, mth = divmod(int(end), 12) if np.isfinite(end) else (None, None)
    frame.attrs["as_of"] = None if y is None else f"{y:04d}-{mth + 1:02d}"
    return frame


# --------------------------------------------------------------------------------------
# the worlds

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix(state: np.ndarray) -> np.ndarray:
    """SplitMix64 output function of a uint64 array (wrapping arithmetic)."""
    z = state.copy()
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    return z


def _coins(key: np.ndarray, world: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) numbers, one per (world, edge) pair, fixed by ``key``.

    Element ``(r, e)`` is output number ``r * 2**32 + e`` of the SplitMix64 stream
    that starts at ``key``: a counter-based generator, so any coin can be drawn again
    at any time without storing it.
    """
    counter = (world.astype(np.uint64) << np.uint64(32)) | edge.astype(np.uint64)
    state = key + (counter + np.uint64(1)) * _GOLDEN
    return (_splitmix(state) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def _sorted_member(keys: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if sorted_set.size == 0 or keys.size == 0:
        return np.zeros(keys.size, dtype=bool)
    pos = np.searchsorted(sorted_set, keys)
    pos[pos == sorted_set.size] = 0
    return sorted_set[pos] == keys


@dataclass
class _Worlds:
    """``runs`` live-edge worlds over a directed graph in CSR form.

    ``indptr``/``indices`` hold the out-edges of every node; edge ``e`` (its CSR
    position) is live in world ``r`` when ``_coins(key, r, e) < prob[e]``.
    """

    indptr: np.ndarray
    indices: np.ndarray
    prob: np.ndarray
    n: int
    runs: int
    key: np.ndarray  # shape (1,), uint64

    def live(self, world: int) -> np.ndarray:
        """Boolean mask of the edges live in one world (for tests and inspection)."""
        edges = np.arange(self.indices.size, dtype=np.int64)
        return _coins(self.key, np.full(edges.size, world, dtype=np.int64), edges) < self.prob

    def reach(self, starts: np.ndarray, active: np.ndarray):
        """Customers newly reached from each start node, in every world.

        Parameters
        ----------
        starts : int64 array of ``B`` node numbers.
        active : sorted int64 array of ``world * n + node`` keys already reached.

        Returns
        -------
        counts : int64 array ``(B, runs)``, newly reached customers per start and world.
        keys : sorted int64 array of the ``world * n + node`` keys newly reached (all
            starts together; meaningful for ``B == 1``).
        """
        n, runs = self.n, self.runs
        b = starts.size
        group = np.arange(b * runs, dtype=np.int64)
        node = np.repeat(starts.astype(np.int64), runs)
        world = group % runs
        fresh = ~_sorted_member(world * n + node, active)
        group, node, world = group[fresh], node[fresh], world[fresh]
        visited = [group * n + node]
        seen = visited[0]  # sorted: groups ascending, one node per group
        while group.size:
            deg = self.indptr[node + 1] - self.indptr[node]
            total = int(deg.sum())
            if total == 0:
                break
            src = np.repeat(np.arange(group.size), deg)
            first = np.repeat(np.cumsum(deg) - deg, deg)
            edge = self.indptr[node][src] + (np.arange(total) - first)
            g, w = group[src], world[src]
            live = _coins(self.key, w, edge) < self.prob[edge]
            g, w, v = g[live], w[live], self.indices[edge[live]].astype(np.int64)
            keep = ~_sorted_member(w * n + v, active)
            g, w, v = g[keep], w[keep], v[keep]
            gk = g * n + v
            keep = ~_sorted_member(gk, seen)
            gk = _unique(gk[keep])
            if gk.size == 0:
                break
            visited.append(gk)
            seen = _unique(np.concatenate([seen, gk]))
            group, node = gk // n, gk % n
            world = group % runs
        allk = np.concatenate(visited)
        counts = np.bincount(allk // n, minlength=b * runs).reshape(b, runs)
        keys = _unique((allk // n % runs) * n + allk % n)
        return counts.astype(np.int64), keys


# --------------------------------------------------------------------------------------
# CELF


@dataclass
class _Pick:
    node: int
    gain: np.ndarray  # per world
    cost: float


def _celf(
    worlds: _Worlds,
    pool: np.ndarray,
    costs: np.ndarray,
    k: int,
    budget: float | None,
    ratio: bool,
    first: np.ndarray,
) -> list[_Pick]:
    """Lazy greedy (CELF) over ``pool``; ``first`` holds each candidate's gain total
    on the empty seed set. Priority is the total gain (or gain / cost with ``ratio``),
    ties broken by node number, which is exactly plain greedy's choice."""
    heap = []
    for i, node in enumerate(pool):
        prio = first[i] / costs[i] if ratio else float(first[i])
        heap.append((-prio, int(node), 0, i))
    heapq.heapify(heap)
    active = np.zeros(0, dtype=np.int64)
    picks: list[_Pick] = []
    spent = 0.0
    while heap and len(picks) < k:
        neg, node, rnd, i = heapq.heappop(heap)
        if budget is not None and spent + costs[i] > budget + 1e-12:
            continue  # never fits again: the remaining budget only shrinks
        if rnd == len(picks):
            if -neg <= 0:
                break  # nobody adds anyone any more
            counts, keys = worlds.reach(np.array([node]), active)
            active = _unique(np.concatenate([active, keys]))
            picks.append(_Pick(node, counts[0], float(costs[i])))
            spent += costs[i]
            continue
        counts, _ = worlds.reach(np.array([node]), active)
        gain = float(counts.sum())
        prio = gain / costs[i] if ratio else gain
        heapq.heappush(heap, (-prio, node, len(picks), i))
    return picks


def _first_gains(worlds: _Worlds, pool: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Total reach of every candidate alone, simulated in batches of many candidates."""
    out = np.zeros(pool.size, dtype=np.float64)
    est = np.maximum(expected, 1.0) * worlds.runs
    i = 0
    empty = np.zeros(0, dtype=np.int64)
    while i < pool.size:
        j = i + 1
        load = est[i]
        while j < pool.size and load + est[j] <= _PAIR_BUDGET:
            load += est[j]
            j += 1
        counts, _ = worlds.reach(pool[i:j], empty)
        out[i:j] = counts.sum(axis=1)
        i = j
    return out


def _expected_alone(forest: ReferralForest, p: np.ndarray) -> np.ndarray:
    """Exact expected IC reach of each node seeded alone, on the forest:
    ``E(u) = 1 + p_u * sum over children c of E(c)`` (used to size the batches)."""
    e = np.ones(forest.n)
    if forest.referee.size:
        order = np.argsort(forest.level, kind="stable")
        top = int(forest.level.max())
        bounds = np.searchsorted(forest.level[order], np.arange(top + 2))
        for gen in range(top, 0, -1):
            child = order[bounds[gen] : bounds[gen + 1]]
            up = forest.parent[child]
            np.add.at(e, up, p[up] * e[child])
    return e


def _build_worlds(forest: ReferralForest, p: np.ndarray, runs: int, seed) -> _Worlds:
    """The live-edge worlds of the referral ties ``referrer -> referee``, each live
    with the referrer's probability."""
    matrix = forest.matrix()
    return _Worlds(
        matrix.indptr.astype(np.int64),
        matrix.indices.astype(np.int64),
        np.repeat(p, np.diff(matrix.indptr)),
        forest.n,
        int(runs),
        _world_key(seed),
    )


def _world_key(seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, np.iinfo(np.int64).max, size=1, dtype=np.int64).astype(np.uint64)


def _names(values) -> pd.Index:
    if isinstance(values, str):
        values = [values]
    return pd.Index(pd.Series(list(values), dtype="object").astype("str"))


def _lookup(ids: pd.Index, values, what: str) -> np.ndarray:
    names = _names(values)
    pos = ids.get_indexer(names)
    if (pos < 0).any():
        raise NotFound(f"{what}: customer {names[pos < 0][0]} not found")
    return pos.astype(np.int64)


def campaign_seeds(
    customers: pd.DataFrame,
    referrals: pd.DataFrame,
    *,
    k: int,
    simulations: int = defaults.SEED_SIMULATIONS,
    seed=0,
    candidates=None,
    exclude=None,
    budget: float | None = None,
    costs: pd.Series | None = None,
    pool_size: int = 200,
    as_of: str | None = None,
    prior_strength: float = 12.0,
) -> pd.DataFrame:
    """Choose up to ``k`` campaign seeds that maximise expected word-of-mouth reach.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``joined_on``).
    referrals : pandas.DataFrame
        Canonical referrals frame (``referrer_id``, ``referee_id``, ``referred_on``).
    k : int
        Most seeds to choose (>= 0).
    simulations : int, default :data:`guanxi.defaults.SEED_SIMULATIONS`
        Live-edge worlds to average over (>= 1).
    seed : int or numpy.random.Generator seed, default 0
        Fixes the worlds: the same input and seed give the same answer.
    candidates : iterable of str, optional
        Customers allowed as seeds; by default the pool described in the Notes.
    exclude : iterable of str, optional
        Customers never chosen as seeds (they can still be reached).
    budget : float, optional
        Total cost the seeds may use (with ``costs``; each seed costs 1 otherwise).
    costs : pandas.Series, optional
        Cost of seeding each customer, indexed by ``customer_id`` (> 0; 1.0 for a
        customer not listed).
    pool_size : int, default 200
        Size of the default candidate pool (see Notes).
    as_of, prior_strength :
        Passed to :func:`referral_probabilities`.

    Returns
    -------
    pandas.DataFrame
        One row per seed in the order chosen: ``rank`` (int64, from 1),
        ``customer_id``, ``marginal_gain`` (expected customers the seed adds),
        ``expected_reach`` (expected customers reached by the seeds so far, seeds
        included), ``ci_low``/``ci_high`` (95% normal interval of that mean over the
        worlds), ``p_refer`` (float64 in ``(0, 1)``: the seed's estimated probability of
        passing the campaign on to each customer it once referred, its posterior
        monthly referral propensity from :func:`referral_probabilities`), ``direct``,
        ``cascade`` (its referees, first generation and all generations), ``cost``
        (float64: what seeding it used of the ``budget``, from ``costs``; 1.0 for a
        customer ``costs`` does not list, and for everyone without ``costs``). Fewer than ``k`` rows when the pool runs out, the
        budget is spent, or no candidate adds anyone. ``attrs`` holds
        ``simulations``, ``seed``, ``pool`` (pool size), ``prior`` and ``as_of``.

    Raises
    ------
    guanxi.errors.ConfigError
        If ``k < 0``, ``simulations < 1``, ``pool_size < 1``, ``budget < 0`` or a cost
        is not positive.
    guanxi.errors.NotFound
        If a customer in ``candidates`` or ``exclude`` does not exist (the message
        names the first one): leaving out a mistyped id would otherwise pass silently.
    guanxi.errors.InvalidInput
        If the referrals are not a forest.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": list("abcde"),
    ...                           "joined_on": ["2024-01-01"] * 5})
    >>> referrals = pd.DataFrame({"referrer_id": ["a", "a", "a", "d"],
    ...                           "referee_id": ["b", "c", "e", "b2"]})
    >>> seeds = campaign_seeds(customers, referrals, k=2, simulations=200)
    >>> seeds["customer_id"].tolist()
    ['a', 'd']

    See Also
    --------
    referral_probabilities : the per-customer probabilities used on the ties.

    Notes
    -----
    *Model.* Independent Cascade [1]_ on the referral ties, directed referrer ->
    referee: a customer reached by the campaign passes it on to each customer they
    once referred, independently, with probability ``p_u``
    (:func:`referral_probabilities`). The expected reach ``sigma(S)`` counts the
    seeds themselves. ``sigma`` is monotone and submodular [1]_, so greedy is within
    ``1 - 1/e`` of the best seed set *for the sampled worlds*; CELF [2]_ gives the
    same picks with far fewer evaluations.

    *Candidate pool.* Scoring every customer is neither needed nor affordable at
    1M customers: a customer who referred nobody reaches only themself. The default
    pool is the union of the ``pool_size`` customers with the largest cascades and
    the ``pool_size`` with the most direct referrals (ties by ``customer_id``),
    minus ``exclude``. Every candidate is simulated once on all worlds (in large
    batches); CELF then re-evaluates a handful per pick.

    *Budget.* With ``budget``, CELF is run twice, ranking candidates by gain and by
    gain per unit cost, skipping seeds that no longer fit, and the run with the
    larger reach is returned, as in [2]_. ``k`` still caps the number of seeds.

    *Uncertainty.* ``ci_low``/``ci_high`` are ``mean +- 1.96 sd / sqrt(R)`` over the
    ``R`` worlds: they measure the Monte Carlo error of ``expected_reach`` for the
    estimated probabilities, not the error of the probabilities themselves.

    References
    ----------
    .. [1] Kempe, D., Kleinberg, J., Tardos, E. (2003). Maximizing the spread of
       influence through a social network. KDD '03, 137-146.
    .. [2] Leskovec, J., Krause, A., Guestrin, C., Faloutsos, C., VanBriesen, J.,
       Glance, N. (2007). Cost-effective outbreak detection in networks. KDD '07,
       420-429.
    """
    if int(k) < 0:
        raise ConfigError(f"k must be >= 0, got {k}")
    if int(simulations) < 1:
        raise ConfigError(f"simulations must be >= 1, got {simulations}")
    if int(pool_size) < 1:
        raise ConfigError(f"pool_size must be >= 1, got {pool_size}")
    if budget is not None and not budget >= 0:
        raise ConfigError(f"budget must be >= 0, got {budget}")
    if prior_strength is not None and not prior_strength > 0:
        raise ConfigError(f"prior_strength must be positive, got {prior_strength}")
    forest = referral_forest(customers, referrals)
    probs = _probabilities(customers, referrals, forest, as_of, prior_strength, None)
    p = probs["p"].to_numpy()
    direct, cascade, _, _ = _aggregate(forest)
    n = forest.n

    cost = np.ones(n)
    if costs is not None:
        c = pd.Series(costs, dtype="float64")
        pos = forest.ids.get_indexer(pd.Index(c.index.astype("str")))
        if not np.all(np.isfinite(c.to_numpy())) or (c.to_numpy() <= 0).any():
            raise ConfigError("costs must be positive")
        cost[pos[pos >= 0]] = c.to_numpy()[pos >= 0]

    if candidates is not None:
        pool = _unique(_lookup(forest.ids, candidates, "candidates"))
    else:
        referrers = np.flatnonzero(direct > 0)
        by_cascade = referrers[np.lexsort((referrers, -cascade[referrers]))][: int(pool_size)]
        by_direct = referrers[np.lexsort((referrers, -direct[referrers]))][: int(pool_size)]
        pool = _unique(np.concatenate([by_cascade, by_direct]))
    if exclude is not None:
        gone = _lookup(forest.ids, exclude, "exclude")  # an unknown id is a mistake: said
        pool = pool[~_sorted_member(pool, _unique(gone))]
    pool = pool.astype(np.int64)

    runs = int(simulations)
    worlds = _build_worlds(forest, p, runs, seed)
    picks: list[_Pick] = []
    if int(k) > 0 and pool.size:
        first = _first_gains(worlds, pool, _expected_alone(forest, p)[pool])
        pool_cost = cost[pool]
        picks = _celf(worlds, pool, pool_cost, int(k), budget, False, first)
        if budget is not None:
            other = _celf(worlds, pool, pool_cost, int(k), budget, True, first)
            if sum(x.gain.sum() for x in other) > sum(x.gain.sum() for x in picks):
                picks = other

    frame = _frame(picks, forest, p, direct, cascade, runs)
    frame.attrs.update(
        simulations=runs,
        seed=seed,
        pool=int(pool.size),
        prior=probs.attrs["prior"],
        as_of=probs.attrs["as_of"],
    )
    return frame


def _frame(picks, forest, p, direct, cascade, runs) -> pd.DataFrame:
    nodes = np.array([x.node for x in picks], dtype=np.int64)
    gains = np.vstack([x.gain for x in picks]).astype(np.float64) if picks else np.zeros((0, runs))
    reach = np.cumsum(gains, axis=0)
    mean = reach.mean(axis=1) if picks else np.zeros(0)
    if runs > 1 and picks:
        half = _Z95 * reach.std(axis=1, ddof=1) / np.sqrt(runs)
    else:
        half = np.zeros(len(picks))
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(picks) + 1, dtype=np.int64),
            "customer_id": pd.Series(forest.ids[nodes], dtype="str"),
            "marginal_gain": gains.mean(axis=1) if picks else np.zeros(0),
            "expected_reach": mean,
            "ci_low": mean - half,
            "ci_high": mean + half,
            "p_refer": p[nodes],
            "direct": direct[nodes],
            "cascade": cascade[nodes],
            "cost": np.array([x.cost for x in picks], dtype=np.float64),
        }
    )
