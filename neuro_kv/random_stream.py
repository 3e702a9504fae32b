"""Counter-based random numbers: each draw is a hash of (seed, neuron, time step, stream).

A run's randomness then depends on its own seed and nothing else: not on the other replicas
of a batch, the order of runs in a process, or the device. The hash is splitmix64's finaliser
(Steele, Lea & Flood 2014) chained over the four counters; its top 53 bits give a uniform
double in [0, 1). The same integer arithmetic is written for numpy, Cython and C++, so the
three devices draw identical numbers (tested through the spikes of ``kv-index`` runs, whose
input draws `exponential` intervals; the draws' statistics in ``tests/test_random_stream.py``).

- `exponential(seed, neuron, step, stream)`: a unit-mean exponential draw, ``-log(1 - u)``
  (Poisson inter-spike intervals);
- `normal(seed, neuron, step, stream)`: an approximately standard normal draw, the sum of
  four 16-bit uniforms of one hash, centred and scaled to unit variance (Irwin-Hall; exact
  integer arithmetic, tails cut at +/-3.46). Used for membrane noise, where the sum over
  many steps is Gaussian whatever the shape of one draw.
- `kept(seed, number, step, stream, fraction)`: 0 with probability ``fraction`` (a uniform
  draw below it), else 1; and `scaled_normal(seed, number, step, stream, sd)`: ``sd`` times
  `normal`. Both return at once, without drawing, when ``fraction`` or ``sd`` is 0, so an
  operation that runs every step costs a comparison except when it damages (synapse
  damage).

Seeds are integers in [0, 2**31) (Brian2's ``integer`` variables are 32-bit).
"""

from __future__ import annotations

import numpy as np
from brian2 import Function

__all__ = ["exponential", "normal", "kept", "scaled_normal", "uniform_numpy",
           "exponential_numpy", "normal_numpy", "kept_numpy", "scaled_normal_numpy",
           "MAX_SEED", "STREAMS"]

#: seeds must be below this (32-bit model variables)
MAX_SEED = 2**31
#: stream numbers by use, so two uses of one seed never draw the same numbers
STREAMS = {"input_onset": 0, "input_interval": 1, "noise": 2, "key_loss": 3,
           "value_loss": 4, "key_weight_noise": 5, "value_weight_noise": 6,
           "projection": 7, "excitability": 8, "excitability_drift": 9, "silencing": 10}

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STREAM_SHIFT = np.uint64(32)
#: sqrt(3) / 65536: scales the centred sum of four 16-bit uniforms to unit variance
NORMAL_SCALE = float(np.sqrt(3.0) / 65536.0)


def _mix(z: np.ndarray) -> np.ndarray:
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def _hash(seed, neuron, step, stream) -> np.ndarray:
    arrays = np.broadcast_arrays(*(np.asarray(x).astype(np.int64) for x in
                                   (seed, neuron, step, stream)))
    seed, neuron, step, stream = (a.astype(np.uint64) for a in arrays)
    with np.errstate(over="ignore"):
        h = _mix(seed ^ (stream << _STREAM_SHIFT))
        h = _mix(h ^ neuron)
        return _mix(h ^ step)


def uniform_numpy(seed, neuron, step, stream) -> np.ndarray:
    """Uniform draws in [0, 1) (numpy; broadcasts its arguments)."""
    return (_hash(seed, neuron, step, stream) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def exponential_numpy(seed, neuron, step, stream) -> np.ndarray:
    """Unit-mean exponential draws (numpy)."""
    return -np.log1p(-uniform_numpy(seed, neuron, step, stream))


def normal_numpy(seed, neuron, step, stream) -> np.ndarray:
    """Approximately standard normal draws (numpy; see the module docstring)."""
    h = _hash(seed, neuron, step, stream)
    mask = np.uint64(0xFFFF)
    total = sum(((h >> np.uint64(16 * k)) & mask).astype(np.int64) for k in range(4))
    return (total.astype(np.float64) - 131070.0) * NORMAL_SCALE


def kept_numpy(seed, number, step, stream, fraction) -> np.ndarray:
    """0 where a uniform draw falls below ``fraction``, else 1 (numpy)."""
    fraction = np.asarray(fraction, dtype=float)
    return np.where((fraction <= 0) | (uniform_numpy(seed, number, step, stream) >= fraction),
                    1.0, 0.0)


def scaled_normal_numpy(seed, number, step, stream, sd) -> np.ndarray:
    """``sd`` times `normal_numpy` (0 where ``sd`` is 0)."""
    sd = np.asarray(sd, dtype=float)
    return np.where(sd == 0, 0.0, sd * normal_numpy(seed, number, step, stream))


_CPP_COMMON = """
static inline uint64_t _neuro_kv_mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline uint64_t _neuro_kv_hash(int64_t seed, int64_t neuron, int64_t step,
                                      int64_t stream)
{
    uint64_t h = _neuro_kv_mix((uint64_t)seed ^ ((uint64_t)stream << 32));
    h = _neuro_kv_mix(h ^ (uint64_t)neuron);
    return _neuro_kv_mix(h ^ (uint64_t)step);
}
"""

_CPP_EXPONENTIAL = """
static inline double neuro_kv_exponential(int64_t seed, int64_t neuron, int64_t step,
                                          int64_t stream)
{
    const double u = (double)(_neuro_kv_hash(seed, neuron, step, stream) >> 11)
                     * 1.1102230246251565e-16;
    return -log1p(-u);
}
"""

_CPP_NORMAL = f"""
static inline double neuro_kv_normal(int64_t seed, int64_t neuron, int64_t step,
                                     int64_t stream)
{{
    const uint64_t h = _neuro_kv_hash(seed, neuron, step, stream);
    const int64_t total = (int64_t)(h & 0xFFFFULL) + (int64_t)((h >> 16) & 0xFFFFULL)
                        + (int64_t)((h >> 32) & 0xFFFFULL) + (int64_t)((h >> 48) & 0xFFFFULL);
    return ((double)total - 131070.0) * {NORMAL_SCALE!r};
}}
"""

_CPP_KEPT = """
static inline double neuro_kv_kept(int64_t seed, int64_t number, int64_t step,
                                   int64_t stream, double fraction)
{
    if (fraction <= 0.0)
        return 1.0;
    const double u = (double)(_neuro_kv_hash(seed, number, step, stream) >> 11)
                     * 1.1102230246251565e-16;
    return u >= fraction ? 1.0 : 0.0;
}
"""

_CPP_SCALED_NORMAL = """
static inline double neuro_kv_scaled_normal(int64_t seed, int64_t number, int64_t step,
                                            int64_t stream, double sd)
{
    if (sd == 0.0)
        return 0.0;
    return sd * neuro_kv_normal(seed, number, step, stream);
}
"""

_CYTHON_COMMON = """
ctypedef unsigned long long _nk_u64
cdef inline _nk_u64 _neuro_kv_mix(_nk_u64 z) nogil:
    z = z + <_nk_u64>0x9E3779B97F4A7C15
    z = (z ^ (z >> 30)) * <_nk_u64>0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * <_nk_u64>0x94D049BB133111EB
    return z ^ (z >> 31)
cdef inline _nk_u64 _neuro_kv_hash(long long seed, long long neuron, long long step,
                                   long long stream) nogil:
    cdef _nk_u64 h = _neuro_kv_mix((<_nk_u64>seed) ^ ((<_nk_u64>stream) << 32))
    h = _neuro_kv_mix(h ^ <_nk_u64>neuron)
    return _neuro_kv_mix(h ^ <_nk_u64>step)
"""

_CYTHON_EXPONENTIAL = """
from libc.math cimport log1p
cdef inline double neuro_kv_exponential(long long seed, long long neuron, long long step,
                                        long long stream) nogil:
    cdef double u = <double>(_neuro_kv_hash(seed, neuron, step, stream) >> 11) \\
        * 1.1102230246251565e-16
    return -log1p(-u)
"""

_CYTHON_NORMAL = f"""
cdef inline double neuro_kv_normal(long long seed, long long neuron, long long step,
                                   long long stream) nogil:
    cdef _nk_u64 h = _neuro_kv_hash(seed, neuron, step, stream)
    cdef long long total = <long long>(h & 0xFFFF) + <long long>((h >> 16) & 0xFFFF) \\
        + <long long>((h >> 32) & 0xFFFF) + <long long>((h >> 48) & 0xFFFF)
    return (<double>total - 131070.0) * {NORMAL_SCALE!r}
"""


_CYTHON_KEPT = """
cdef inline double neuro_kv_kept(long long seed, long long number, long long step,
                                 long long stream, double fraction) nogil:
    if fraction <= 0.0:
        return 1.0
    cdef double u = <double>(_neuro_kv_hash(seed, number, step, stream) >> 11) \\
        * 1.1102230246251565e-16
    return 1.0 if u >= fraction else 0.0
"""

_CYTHON_SCALED_NORMAL = """
cdef inline double neuro_kv_scaled_normal(long long seed, long long number, long long step,
                                          long long stream, double sd) nogil:
    if sd == 0.0:
        return 0.0
    return sd * neuro_kv_normal(seed, number, step, stream)
"""


def _function(pyfunc, name: str, cpp: str, cython: str,
              dependencies: dict[str, Function] | None = None,
              level: bool = False) -> Function:
    """A Brian2 function of (seed, counter, step, stream), and a float ``level`` after
    them if ``level``."""
    function = Function(pyfunc, arg_units=[1] * (5 if level else 4), return_unit=1,
                        arg_types=["integer"] * 4 + (["float"] if level else []),
                        return_type="float", stateless=True)
    function.implementations.add_implementation("cpp", cpp, name=name,
                                                dependencies=dependencies)
    function.implementations.add_implementation("cython", cython, name=name,
                                                dependencies=dependencies)
    return function


#: the shared hash (support code only: Brian2 includes it once per code object)
_hash_function = _function(lambda *args: _hash(*args), "_neuro_kv_hash", _CPP_COMMON,
                           _CYTHON_COMMON)


#: ``exponential(seed, neuron, step, stream)`` for Brian2 code (numpy, Cython, C++)
exponential = _function(exponential_numpy, "neuro_kv_exponential", _CPP_EXPONENTIAL,
                        _CYTHON_EXPONENTIAL, {"_neuro_kv_hash": _hash_function})
#: ``normal(seed, neuron, step, stream)`` for Brian2 code (numpy, Cython, C++)
normal = _function(normal_numpy, "neuro_kv_normal", _CPP_NORMAL, _CYTHON_NORMAL,
                   {"_neuro_kv_hash": _hash_function})
#: ``kept(seed, number, step, stream, fraction)`` for Brian2 code (numpy, Cython, C++)
kept = _function(kept_numpy, "neuro_kv_kept", _CPP_KEPT, _CYTHON_KEPT,
                 {"_neuro_kv_hash": _hash_function}, level=True)
#: ``scaled_normal(seed, number, step, stream, sd)`` for Brian2 code (numpy, Cython, C++)
scaled_normal = _function(scaled_normal_numpy, "neuro_kv_scaled_normal", _CPP_SCALED_NORMAL,
                          _CYTHON_SCALED_NORMAL, {"_neuro_kv_hash": _hash_function,
                                                  "neuro_kv_normal": normal}, level=True)
