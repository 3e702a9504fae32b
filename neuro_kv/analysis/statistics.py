"""Statistics of trial outcomes: ROC area, slopes and confidence intervals (scipy.stats).

Intervals over seeds (`seed_interval`) are BCa bootstrap intervals of the mean: they never
leave the range of the seeds' values, so a fraction's interval stays within [0, 1] and any
other bounded metric's within its bounds (a Student-t interval, `t_interval`, does not)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

__all__ = ["auc", "pooled_auc", "slope", "first_crossing", "mean_ci", "proportion_ci",
           "t_interval", "seed_interval", "BOOTSTRAP_RESAMPLES"]

#: resamples of every bootstrap over seeds
BOOTSTRAP_RESAMPLES = 9999


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """Area under the ROC curve: P(positive > negative), ties counted half (Mann-Whitney)."""
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    u = stats.mannwhitneyu(positives, negatives, alternative="two-sided").statistic
    return float(u / (len(positives) * len(negatives)))


def pooled_auc(positives: list[np.ndarray], negatives: list[np.ndarray], seed: int,
               level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """The AUC of all runs' positives against all runs' negatives, pooled, with a bootstrap
    (percentile) interval that resamples whole runs (a run's trials are not independent)."""
    runs = len(positives)

    def pooled(chosen: np.ndarray) -> float:
        return auc(np.concatenate([np.asarray(positives[k], float) for k in chosen]),
                   np.concatenate([np.asarray(negatives[k], float) for k in chosen]))

    value = pooled(np.arange(runs))
    if runs < 2 or not np.isfinite(value):
        return value, (value, value)
    result = stats.bootstrap((np.arange(runs),), pooled, vectorized=False,
                             confidence_level=level, n_resamples=2000, method="percentile",
                             rng=np.random.default_rng(seed))
    interval = result.confidence_interval
    return value, (float(interval.low), float(interval.high))


def slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of y against x, over the finite points (NaN for fewer than 2)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    finite = np.isfinite(x) & np.isfinite(y)
    if finite.sum() < 2 or np.ptp(x[finite]) == 0:
        return float("nan")
    return float(stats.linregress(x[finite], y[finite]).slope)


def first_crossing(x: np.ndarray, y: np.ndarray, level: float) -> float:
    """The first x at which y, linearly interpolated between points (x ascending), reaches
    ``level``; NaN if it never does."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    for k in range(len(x)):
        if y[k] >= level:
            if k == 0:
                return float(x[0])
            return float(x[k - 1] + (level - y[k - 1]) / (y[k] - y[k - 1]) * (x[k] - x[k - 1]))
    return float("nan")


def mean_ci(samples: np.ndarray, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Bootstrap (percentile) confidence interval of the mean; NaNs for < 2 samples."""
    samples = np.asarray(samples, dtype=float)
    if len(samples) < 2 or np.ptp(samples) == 0:
        value = float(samples[0]) if len(samples) else float("nan")
        return (value, value) if len(samples) >= 2 else (float("nan"), float("nan"))
    result = stats.bootstrap((samples,), np.mean, confidence_level=level, n_resamples=2000,
                             method="percentile", rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def proportion_ci(successes: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (NaNs for no trial)."""
    if total == 0:
        return float("nan"), float("nan")
    interval = stats.binomtest(successes, total).proportion_ci(level, method="wilson")
    return float(interval.low), float(interval.high)


def _trivial_interval(samples: np.ndarray) -> tuple[float, float] | None:
    """The interval of a mean that needs no statistics: NaNs for no value, the mean itself
    for one value or no spread; None otherwise."""
    if len(samples) == 0:
        return float("nan"), float("nan")
    if len(samples) < 2 or np.ptp(samples) == 0:
        return float(samples.mean()), float(samples.mean())
    return None


def t_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t confidence interval of the mean of independent runs (the mean itself for
    one sample or no spread; NaNs for none)."""
    samples = np.asarray(samples, dtype=float)
    trivial = _trivial_interval(samples)
    if trivial is not None:
        return trivial
    mean = float(samples.mean())
    low, high = stats.t.interval(level, len(samples) - 1, loc=mean,
                                 scale=stats.sem(samples))
    return float(low), float(high)


def seed_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of the mean of independent runs (one value per seed): the BCa
    bootstrap (`scipy.stats.bootstrap`, 9,999 resamples, a fixed generator, so the same
    values give the same interval), which stays within the values' range; the percentile
    bootstrap where BCa is undefined (e.g. all values but one equal); the mean itself for
    one value or no spread; NaNs for none."""
    samples = np.asarray(samples, dtype=float)
    trivial = _trivial_interval(samples)
    if trivial is not None:
        return trivial
    mean = float(samples.mean())
    for method in ("BCa", "percentile"):
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BCa's degenerate cases are caught below
            interval = stats.bootstrap((samples,), np.mean, confidence_level=level,
                                       n_resamples=BOOTSTRAP_RESAMPLES, method=method,
                                       rng=np.random.default_rng(0)).confidence_interval
        low, high = float(interval.low), float(interval.high)
        if np.isfinite(low) and np.isfinite(high):
            # the resampled means lie within the values' range; rounding may not
            return max(low, float(samples.min())), min(high, float(samples.max()))
    return mean, mean
