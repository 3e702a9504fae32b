"""Statistics of trial outcomes: ROC area and confidence intervals (scipy.stats)."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["auc", "mean_ci", "proportion_ci", "t_interval"]


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """Area under the ROC curve: P(positive > negative), ties counted half (Mann-Whitney)."""
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    u = stats.mannwhitneyu(positives, negatives, alternative="two-sided").statistic
    return float(u / (len(positives) * len(negatives)))


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


def t_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t confidence interval of the mean of independent runs (the mean itself for
    one sample or no spread; NaNs for none)."""
    samples = np.asarray(samples, dtype=float)
    if len(samples) == 0:
        return float("nan"), float("nan")
    mean = float(samples.mean())
    if len(samples) < 2 or np.ptp(samples) == 0:
        return mean, mean
    low, high = stats.t.interval(level, len(samples) - 1, loc=mean,
                                 scale=stats.sem(samples))
    return float(low), float(high)
