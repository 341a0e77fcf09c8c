"""Small numeric helpers that work the same on Python floats and numpy arrays.

The agent engine calls the rules with one patient's floats; vectorised code
calls them with arrays of many patients. These helpers take the fast path for floats and
the vectorised path for arrays, and give the same values either way.
"""

from __future__ import annotations

import math

import numpy as np

from alliance_sim.rules.types import Bool, Number

__all__ = ["both", "clip", "clip01", "either", "exp", "logit", "negate", "rint", "sigmoid", "where"]


def clip(x: Number, low: Number, high: Number) -> Number:
    """Limit ``x`` to ``[low, high]`` (bounds may be arrays, elementwise)."""
    if isinstance(x, np.ndarray) or isinstance(low, np.ndarray) or isinstance(high, np.ndarray):
        return np.clip(x, low, high)
    return min(max(x, low), high)


def clip01(x: Number) -> Number:
    """Limit ``x`` to ``[0, 1]``.

    The agent engine calls this about 40,000 times a run, so a Python float takes a
    short path with the same result as ``min(max(x, 0.0), 1.0)`` (NaN and -0.0 included).
    """
    if type(x) is float:
        bounded = 0.0 if x < 0.0 else x
        return 1.0 if bounded > 1.0 else bounded
    return clip(x, 0.0, 1.0)


def sigmoid(x: Number) -> Number:
    """The logistic function, written with tanh so that ±inf are safe."""
    if isinstance(x, np.ndarray):
        return 0.5 * (1.0 + np.tanh(0.5 * x))
    return 0.5 * (1.0 + math.tanh(0.5 * x))


def logit(p: Number) -> Number:
    """The inverse of :func:`sigmoid` (0 → -inf, 1 → inf).

    An array (e.g. one probability per replicate of a stack) is computed element
    by element with the scalar formula, so each value is exactly the scalar's.
    """
    if isinstance(p, np.ndarray):
        return np.array([logit(x) for x in p.ravel().tolist()], dtype=float).reshape(p.shape)
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p / (1.0 - p))


def where(condition: object, if_true: Number, if_false: Number) -> Number:
    """``if_true`` where ``condition`` holds, else ``if_false`` (elementwise for arrays)."""
    if isinstance(condition, np.ndarray):
        return np.where(condition, if_true, if_false)
    return if_true if condition else if_false


def rint(x: Number) -> Number:
    """Round to the nearest whole number, halves to even (as ``np.rint``)."""
    if isinstance(x, np.ndarray):
        return np.rint(x)
    return float(round(x))


def exp(x: Number) -> Number:
    """The exponential function."""
    if isinstance(x, np.ndarray):
        return np.exp(x)
    return math.exp(x)


def both(a: Bool, b: Bool) -> Bool:
    """``a and b`` (elementwise for arrays)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.logical_and(a, b)
    return bool(a) and bool(b)


def either(a: Bool, b: Bool) -> Bool:
    """``a or b`` (elementwise for arrays)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.logical_or(a, b)
    return bool(a) or bool(b)


def negate(a: Bool) -> Bool:
    """``not a`` (elementwise for arrays)."""
    if isinstance(a, np.ndarray):
        return np.logical_not(a)
    return not a
