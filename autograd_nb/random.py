"""Randomness, exactly as PyTorch's CPU generator draws it (``torch.random``).

Every random number in autograd_nb comes from this module. After
``torch.manual_seed(0)``, ``torch.rand(3)`` prints ``tensor([0.4963, 0.7682, 0.0885])``
here as in every PyTorch tutorial, because this module *is* PyTorch's CPU generator,
rewritten in readable Python over numpy:

1. **The engine** is the 32-bit Mersenne Twister (MT19937). ``manual_seed(s)`` fills
   its 624 words of state from the low 32 bits of ``s``. Each call hands out one
   32-bit word (``random()``); a 64-bit draw (``random64()``) glues two words together,
   the first one high. numpy's ``MT19937`` bit generator runs the same engine in C, so
   we only hand it the state and ask it for words in bulk.
2. **Transformations** turn raw words into each distribution, one short function each
   below, in PyTorch's order of draws. Each docstring says how.

What is bit-exact with PyTorch 2.13 on the CPU (same seed, same calls, same numbers):
``rand``/``uniform_``, ``randint``/``random_``, ``randperm``, ``bernoulli`` (tensor or
scalar ``p``, so dropout masks too), ``multinomial``,
``exponential_``, ``geometric_``, ``cauchy_``, ``log_normal_``, ``randn``/``normal_``
in float64, and in float32 for fewer than 16 values, for non-contiguous tensors, and
(on x86 CPUs with AVX2, where PyTorch's vectorised Box-Muller kernel runs) for 16 to
65536 values in one call. Equal to print precision (a few ulp) only: float32 ``randn``
of more than 65536 values in one call (redoing PyTorch's polynomials step by step would
make a million values 15 times slower than PyTorch; numpy's own log/sin/cos keep it
within 2x), and of 16+ values on CPUs without AVX2 (PyTorch uses the C library's
``logf``/``sinf`` there, we use numpy's),
and ``randint``/``random_`` into float32 over a range of 2**32 or more (PyTorch warns
that float32 holds integers exactly only up to 2**24, and transforms them otherwise).
(Older PyTorch builds drew dropout masks from a separate MKL stream on Intel CPUs;
2.13's pip builds have that road switched off and take the default one everywhere.)
On ``cuda`` tensors the numbers are drawn here on the CPU and copied over: they are
*not* PyTorch's CUDA (Philox) numbers.
"""
from __future__ import annotations

import contextlib
import math
import os
import platform
import sys
from typing import Any, Iterator, Sequence

import numpy as np

from . import _backend as B
from ._tensor import Tensor

__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
    "set_rng_state", "fork_rng",
]

_DEFAULT_SEED = 67280421310721       # PyTorch's seed for a Generator nobody seeded
_N = 624                             # words of Mersenne Twister state
_STATE_BYTES = 5056                  # sizeof(torch's CPUGeneratorImplState)
_U64 = np.uint64


def _mt_key(seed: int) -> np.ndarray:
    """MT19937's 624 state words from a 32-bit seed (Knuth's multiplier 1812433253)."""
    key = np.empty(_N, np.uint32)
    s = seed & 0xFFFFFFFF
    key[0] = s
    for j in range(1, _N):
        s = (1812433253 * (s ^ (s >> 30)) + j) & 0xFFFFFFFF
        key[j] = s
    return key


class Generator:
    """A source of random numbers: PyTorch's CPU generator (``torch.Generator``).

    ``g = torch.Generator().manual_seed(0)`` and ``torch.rand(3, generator=g)`` draw
    the same numbers as PyTorch. A generator also remembers the second value of its
    last Box-Muller pair (``randn`` of fewer than 16 values draws normals two at a
    time and hands the second one out on the next call), so that, too, is part of
    its state (``get_state`` / ``set_state``).
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = B.device(device)
        self.manual_seed(_DEFAULT_SEED)

    # -- seeding and state ------------------------------------------------------------
    def manual_seed(self, seed: Any) -> "Generator":
        """Restart the stream from ``seed`` (an int; negative ones wrap to 64 bits)."""
        seed = int(seed)
        if not -2 ** 63 <= seed < 2 ** 64:
            raise RuntimeError("Overflow when unpacking long long" if seed < 0 else
                               "Overflow when unpacking unsigned long")
        seed &= 2 ** 64 - 1
        self._seed = seed
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": _mt_key(seed), "pos": _N}}
        self._words = np.random.Generator(self._bits)
        self._next_double_normal: float | None = None
        self._next_float_normal: float | None = None
        return self

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._seed

    def seed(self) -> int:
        """Seed from the operating system's entropy and return that seed."""
        s = int.from_bytes(os.urandom(8), "little") & (2 ** 63 - 1)
        self.manual_seed(s)
        return s

    def get_state(self) -> Tensor:
        """The whole state as PyTorch lays it out: a uint8 tensor of 5056 bytes.

        A state taken from real PyTorch can be set here, and the reverse.
        """
        st = self._bits.state["state"]
        raw = bytearray(_STATE_BYTES)
        mv = memoryview(raw)
        mv[0:8] = self._seed.to_bytes(8, "little")
        left, nxt = (1, 0) if st["pos"] >= _N else (_N - st["pos"] + 1, st["pos"])
        mv[8:12] = left.to_bytes(4, "little", signed=True)
        mv[12:16] = (1).to_bytes(4, "little")                      # seeded
        mv[16:24] = nxt.to_bytes(8, "little")
        mv[24:24 + 8 * _N] = np.asarray(st["key"], np.uint64).astype("<u8").tobytes()
        off = 24 + 8 * _N                                           # normal_x, normal_y, rho, valid
        if self._next_double_normal is not None:
            mv[off + 8:off + 16] = np.float64(self._next_double_normal).astype("<f8").tobytes()
            mv[off + 24:off + 28] = (1).to_bytes(4, "little")
        if self._next_float_normal is not None:
            mv[5048:5052] = np.float32(self._next_float_normal).astype("<f4").tobytes()
            mv[5052] = 1
        return Tensor._wrap(np.frombuffer(bytes(raw), np.uint8).copy())

    def set_state(self, new_state: Any) -> "Generator":
        """Restore a state from ``get_state`` (ours or PyTorch's)."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype != B.uint8:
            raise RuntimeError(f"expected torch.ByteTensor, but got {_legacy_name(new_state)}")
        raw = np.ascontiguousarray(B.to_device(new_state._data, B.CPU)).tobytes()
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found "
                               f"the input RNG state size to be {len(raw)}")
        seed = int.from_bytes(raw[0:8], "little")
        left = int.from_bytes(raw[8:12], "little", signed=True)
        seeded = int.from_bytes(raw[12:16], "little")
        nxt = int.from_bytes(raw[16:24], "little")
        if not (seeded and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        key = np.frombuffer(raw[24:24 + 8 * _N], "<u8").astype(np.uint32)
        off = 24 + 8 * _N
        self._seed = seed
        self._bits = np.random.MT19937()
        pos = _N if left == 1 else _N - left + 1
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._words = np.random.Generator(self._bits)
        valid = int.from_bytes(raw[off + 24:off + 28], "little")
        self._next_double_normal = (float(np.frombuffer(raw[off + 8:off + 16], "<f8")[0])
                                    if valid else None)
        self._next_float_normal = (float(np.frombuffer(raw[5048:5052], "<f4")[0])
                                   if raw[5052] else None)
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"

    # -- raw draws --------------------------------------------------------------------
    def random(self, n: int) -> np.ndarray:
        """``n`` raw 32-bit words (PyTorch's ``random()``), as uint64 for easy arithmetic."""
        return self.random32(n).astype(_U64)

    def random32(self, n: int) -> np.ndarray:
        """``n`` raw 32-bit words as uint32 (no widening: the fast road for ``rand``)."""
        return self._words.integers(0, 2 ** 32, size=n, dtype=np.uint32)

    def random64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws (``random64()``): two words each, the first one high."""
        return self._words.integers(0, 2 ** 64, size=n, dtype=np.uint64)


def _legacy_name(t: Tensor) -> str:
    return f"torch.{t.dtype.scalar_name}Tensor"


default_generator = Generator()


def _gen(generator: Generator | None) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator


def manual_seed(seed: Any) -> Generator:
    """Seed the default generator: after ``manual_seed(s)`` the same calls draw the same
    numbers, here and in PyTorch."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state: a uint8 tensor in PyTorch's layout."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state (from ``get_rng_state``, ours or PyTorch's)."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda") -> Iterator[None]:
    """Inside the block, draw as you like; afterwards the default generator is back where
    it was (``torch.random.fork_rng``)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# =====================================================================================
# Transformations: raw words -> one distribution each. ``n`` values, in PyTorch's order.
# =====================================================================================

_F32 = np.float32


def uniform(gen: Generator, n: int, dtype: np.dtype, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Uniform in ``[low, high)``.

    float64 takes one 64-bit draw per value and keeps its low 53 bits (a double's
    mantissa): ``x = bits * 2**-53``. float32 (and float16) takes one 32-bit word and
    keeps 24 bits. Then ``x * (high - low) + low`` in float32 (float16 rounds that),
    computed as one fused multiply-add, as PyTorch's compiled kernel does.
    """
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        x = (gen.random64(n) & _U64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
        lo, hi = np.float64(low), np.float64(high)
        if lo == 0 and hi == 1:
            return x
        return _fma64(x, hi - lo, lo)
    digits = 24                                   # (float16 too: drawn as a float32, then rounded)
    words = gen.random32(n)
    words &= np.uint32((1 << digits) - 1)
    x = words.view(_F32)                          # the floats take the words' place (a fresh
    np.copyto(x, words.view(np.int32), casting="unsafe")   # array costs page faults; int32
    x *= _F32(2.0 ** -digits)                     # converts in place, uint32 would be copied)
    lo, hi = dtype.type(low).astype(_F32), dtype.type(high).astype(_F32)
    if not (lo == 0 and hi == 1):
        x = _fma32(x, _F32(hi - lo), lo)
    return x.astype(dtype, copy=False)


def _fma32(a: Any, b: Any, c: Any) -> np.ndarray:
    """float32 ``a * b + c`` rounded once (a fused multiply-add): the product of two
    float32 numbers is exact in float64, so only the final rounding remains."""
    return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)).astype(_F32)


def _fma64(a: Any, b: Any, c: Any) -> np.ndarray:
    """float64 ``a * b + c`` rounded once, via Python's exact ``math.fma`` where it exists
    (3.13+), else via an error-free product (Dekker) and one final rounding."""
    a = np.asarray(a, np.float64)
    p = a * b
    if not np.isfinite(p).all():
        return p + c
    # Dekker's split: p + e == a * b exactly
    split = 134217729.0
    ah = a * split
    ah = ah - (ah - a)
    al = a - ah
    bh = b * split
    bh = bh - (bh - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c                                   # two-sum of p and c
    bb = s - p
    err = (p - (s - bb)) + (c - bb)
    return s + (err + e)


def normal(gen: Generator, n: int, dtype: np.dtype, mean: float = 0.0, std: float = 1.0,
           contiguous: bool = True) -> np.ndarray:
    """Normal values, by the Box-Muller transform of uniform pairs.

    PyTorch takes one of two roads:

    * **16 or more values into a contiguous tensor**: draw ``n`` uniforms first, then
      turn each block of 16 into 16 normals: with ``u1 = 1 - u[j]`` and ``u2 = u[j + 8]``,
      ``r = sqrt(-2 log u1)``, ``value[j] = r cos(2 pi u2)`` and ``value[j + 8] =
      r sin(2 pi u2)``. If ``n`` is not a multiple of 16, 16 fresh uniforms redo the last
      16 places. (float32 on x86 uses AVX2 polynomial log/sin/cos, emulated below.)
    * **otherwise**, value by value: draw two 53-bit uniforms ``u1, u2``; ``r =
      sqrt(-2 log(1 - u2))``; return ``r cos(2 pi u1)`` and keep ``r sin(2 pi u1)`` in the
      generator for the next value asked for (even by a later call).

    Then ``value * std + mean``.
    """
    dtype = np.dtype(dtype)
    if n >= 16 and contiguous and dtype == np.float16:
        # float16's kernel draws 16 uniforms (rounded to float16) per whole block, then 16 fresh
        # ones for the last 16 places; it computes in float16 steps (equal to print precision)
        full = (n // 16) * 16
        out = np.empty(n, np.float64)
        out[:full] = _box_muller_16(uniform(gen, full, dtype).astype(np.float64), mean, std)
        if n % 16:
            out[n - 16:] = _box_muller_16(uniform(gen, 16, dtype).astype(np.float64), mean, std)
        return out.astype(dtype)
    if n >= 16 and contiguous and dtype != np.float64:
        exact = _HAS_AVX2 and n <= _EXACT_AVX2_LIMIT
        full = (n // 16) * 16
        words = gen.random32(n)                  # n uniforms are drawn; the last n % 16 are redone
        _normal_blocks_f32(words[:full], _F32(mean), _F32(std), exact)    # (in the words' place)
        out = words.view(_F32)
        if n % 16:
            out[n - 16:] = _normal_blocks_f32(gen.random32(16), _F32(mean), _F32(std), exact)
        return out.astype(dtype, copy=False)
    if n >= 16 and contiguous:
        work = np.float64
        data = uniform(gen, n, work)
        full = (n // 16) * 16
        data[:full] = _box_muller_16(data[:full], work(mean), work(std))
        if n % 16:
            data[n - 16:] = _box_muller_16(uniform(gen, 16, work), work(mean), work(std))
        return data.astype(dtype)
    out = np.empty(n, np.float64)
    for i in range(n):
        out[i] = _normal_one(gen, mean, std)
    return out.astype(dtype)


def _normal_one(gen: Generator, mean: float, std: float) -> float:
    """One normal value the value-by-value way, using (and refilling) the cached one."""
    if gen._next_double_normal is not None:
        z, gen._next_double_normal = gen._next_double_normal, None
    else:
        u1, u2 = (gen.random64(2) & _U64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
        r = math.sqrt(-2.0 * math.log1p(-float(u2)))
        theta = 2.0 * math.pi * float(u1)
        gen._next_double_normal = r * math.sin(theta)
        z = r * math.cos(theta)
    return float(_fma64(np.float64(z), np.float64(std), np.float64(mean)))


def _halves(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and second 8 of every block of 16, each as one contiguous array (numpy
    is many times faster on those than on 8-element strided runs)."""
    return _half(data, 0), _half(data, 1)


def _interleave(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Blocks of 16 again: 8 values of ``first``, then 8 of ``second``, and so on."""
    out = np.empty(first.size * 2, first.dtype)
    _blocks(out)[:, 0] = _as_half_blocks(first)
    _blocks(out)[:, 1] = _as_half_blocks(second)
    return out


def _box_muller_16(data: np.ndarray, mean: Any, std: Any) -> np.ndarray:
    """Blocks of 16 uniforms -> 16 normals, with the C library's log/sin/cos (for float32
    numpy's, which may differ in the last bit)."""
    t = data.dtype.type
    first, u2 = _halves(data)
    u1 = t(1) - first
    log_u1 = _libm(math.log, u1) if t is np.float64 else np.log(u1)
    radius = np.sqrt(t(-2) * log_u1)
    theta = np.multiply(u2, 2.0 * np.pi, dtype=np.float64).astype(t, copy=False)
    if t is np.float64:
        return _interleave(_fma64(radius * np.cos(theta), std, mean), _fma64(radius * np.sin(theta), std, mean))
    if std == 1 and mean == 0:                      # the fused step changes nothing then
        return _interleave(radius * np.cos(theta), radius * np.sin(theta))
    return _interleave(_fma32(radius * np.cos(theta), std, mean), _fma32(radius * np.sin(theta), std, mean))


# --- PyTorch's AVX2 Box-Muller: Cephes-style float32 polynomials, step by step --------
# The kernel computes log, sin and cos with the polynomials of Julien Pommier's
# avx_mathfun (after Cephes), and the compiler fuses its multiply-adds. The functions
# below redo those steps in numpy float32 (a fused step rounds once: ``_fma32``), so the
# values come out bit for bit the same.

def _cpu_has_avx2() -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return " avx2" in line and " fma" in line
    except OSError:
        pass
    return sys.platform != "darwin"


_HAS_AVX2 = _cpu_has_avx2()
# Redoing the AVX2 kernel's float32 steps one by one costs ~15x numpy's own log/sin/cos:
# beyond this many values a call uses numpy's (a few ulp away, same printed digits).
_EXACT_AVX2_LIMIT = 1 << 16

_LOG_P = (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
          -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)


def _log_avx(x: np.ndarray) -> np.ndarray:
    """log(x) for float32 x in (0, 1]: split x = m * 2**e with m in [sqrt(1/2), sqrt(2)),
    then a degree-9 polynomial in m - 1 plus e * log(2) in two parts."""
    bits = np.maximum(x, _F32(1.1754944e-38)).view(np.int32)
    e = ((bits >> 23) - 0x7f).astype(_F32) + _F32(1)
    m = ((bits & ~0x7f800000) | 0x3f000000).view(_F32)          # mantissa in [0.5, 1)
    small = m < _F32(0.707106781186547524)
    e = e - small.astype(_F32)
    m = (m - _F32(1)) + np.where(small, m, _F32(0))
    z = m * m
    y = np.full_like(m, _F32(_LOG_P[0]))
    for p in _LOG_P[1:]:
        y = _fma32(y, m, _F32(p))
    y = y * m
    y = _fma32(y, z, e * _F32(-2.12194440e-4))
    y = y - z * _F32(0.5)
    return _fma32(e, _F32(0.693359375), m + y)


def _sincos_avx(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of float32 x >= 0: reduce by multiples of pi/4 (in three exact parts),
    then a cosine or sine polynomial on [-pi/4, pi/4], with the octant's signs."""
    j = (x * _F32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F32)
    for dp in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = _fma32(y, _F32(dp), x)
    z = x * x
    c = _fma32(_F32(2.443315711809948E-005), z, _F32(-1.388731625493765E-003))
    c = _fma32(c, z, _F32(4.166664568298827E-002))
    c = c * z
    c = _fma32(c, z, -(z * _F32(0.5))) + _F32(1)
    s = _fma32(_F32(-1.9515295891E-4), z, _F32(8.3321608736E-3))
    s = _fma32(s, z, _F32(-1.6666654611E-1))
    s = _fma32(s * z, x, x)
    use_sin_poly = (j & 2) == 0
    sin = np.where(use_sin_poly, s, c)
    cos = np.where(use_sin_poly, c, s)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where(((j - 2) & 4) == 0, -cos, cos)
    return sin, cos


def _libm(fn: Any, x: np.ndarray) -> np.ndarray:
    """``fn`` (from ``math``, i.e. the C library PyTorch's kernels call too) on each value:
    numpy's own vectorised log/exp/tan may differ from it in the last bit."""
    return np.fromiter(map(fn, x.tolist()), np.float64, x.size)


def _unit53(gen: Generator, n: int) -> np.ndarray:
    """``n`` uniforms in [0, 1) from 64-bit draws, 53 bits each (as ``uniform`` float64)."""
    return (gen.random64(n) & _U64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53


def _unit24(gen: Generator, n: int) -> np.ndarray:
    """``n`` float32 uniforms in [0, 1) from 32-bit words, 24 bits each."""
    return (gen.random(n) & _U64((1 << 24) - 1)).astype(_F32) * _F32(2.0 ** -24)


_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.int32): 2 ** 31 - 1, np.dtype(np.int64): 2 ** 63 - 1, np.dtype(np.bool_): 1}
_FLOAT_DIGITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}


def integers(gen: Generator, n: int, dtype: np.dtype, low: int, high: int) -> np.ndarray:
    """Integers in ``[low, high)`` (``randint``, ``random_(low, high)``): ``word % (high - low)
    + low``. One 32-bit word per value while the range fits in 32 bits, else (for int64
    and floating dtypes) one 64-bit draw. (The modulo favours small remainders a tiny
    bit, exactly as PyTorch's does.)"""
    dtype = np.dtype(dtype)
    span = high - low
    wide = span >= 2 ** 32 and (dtype == np.int64 or dtype.kind == "f")
    words = gen.random64(n) if wide else gen.random(n)
    vals = (words % _U64(span)).astype(object if span >= 2 ** 63 else np.int64) + low
    return np.asarray(vals, np.int64).astype(dtype) if vals.dtype == object else vals.astype(dtype)


def full_range(gen: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """``random_()`` with no bounds: every value the dtype holds exactly, from 0 up.

    int64 and float64 take 64-bit draws, the rest 32-bit words; then ``word % (max + 1)``
    (bool: the lowest bit; floats: ``% (2**digits + 1)``)."""
    dtype = np.dtype(dtype)
    wide = dtype in (np.dtype(np.int64), np.dtype(np.float64))
    words = gen.random64(n) if wide else gen.random(n)
    if dtype == np.bool_:
        return (words & _U64(1)).astype(np.bool_)
    if dtype.kind == "f":
        return (words % _U64((1 << _FLOAT_DIGITS[dtype]) + 1)).astype(dtype)
    return (words % _U64(_INT_MAX[dtype] + 1)).astype(dtype)


def int64_any(gen: Generator, n: int) -> np.ndarray:
    """``random_(-2**63)``: a whole 64-bit draw read as a signed int64."""
    return gen.random64(n).view(np.int64)


def bernoulli_p(gen: Generator, n: int, p: float) -> np.ndarray:
    """``n`` draws of 0/1 with P(1) = ``p`` (``bernoulli_(p)``, and so dropout's mask).

    One 53-bit uniform ``u`` per value, 1 where ``u < p``.
    """
    return (_unit53(gen, n) < p).astype(np.float64)


def bernoulli_tensor(gen: Generator, p: np.ndarray) -> np.ndarray:
    """One 0/1 value per probability in ``p`` (``torch.bernoulli(p)``): a uniform below
    ``p`` gives 1. float64 ``p`` compares with 53-bit uniforms, other dtypes with
    24-bit float32 uniforms (one 32-bit word each)."""
    flat = p.reshape(-1)
    if p.dtype == np.float64:
        return (_unit53(gen, flat.size) < flat).astype(np.float64)
    return (_unit24(gen, flat.size) < flat.astype(_F32)).astype(np.float64)


def exponential(gen: Generator, n: int, lambd: float) -> np.ndarray:
    """Exponential(``lambd``): ``-log(1 - u) / lambd`` for a 53-bit uniform ``u``."""
    u = _unit53(gen, n)
    return -1.0 / lambd * _libm(math.log1p, -u)


def geometric(gen: Generator, n: int, p: float) -> np.ndarray:
    """Geometric(``p``), the number of trials up to the first success: ``ceil(log(u) /
    log(1 - p))`` for a 53-bit uniform ``u``."""
    u = _unit53(gen, n)
    return np.ceil(_libm(math.log, u) / math.log1p(-p))


def cauchy(gen: Generator, n: int, median: float, sigma: float) -> np.ndarray:
    """Cauchy(``median``, ``sigma``): ``median + sigma * tan(pi * (u - 1/2))``."""
    u = _unit53(gen, n)
    return _fma64(np.float64(sigma), _libm(math.tan, math.pi * (u - 0.5)), np.float64(median))


def log_normal(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """Log-normal: ``exp`` of a normal value drawn the value-by-value way (see ``normal``)."""
    return _libm(math.exp, np.array([_normal_one(gen, mean, std) for _ in range(n)], np.float64))


def permutation(gen: Generator, n: int) -> np.ndarray:
    """A random order of ``0 .. n-1`` (``randperm``), by Fisher-Yates swaps.

    Start from ``0, 1, ..., n-1``; for ``i`` from 0 to ``n - 2`` swap place ``i`` with
    place ``i + (word % (n - i))``. (For ``n`` of 2**32 / 20 or more PyTorch uses 64-bit
    draws and the "inside-out" variant.)
    """
    if n < (2 ** 32 - 1) // 20:
        if n < 2:
            return np.arange(n, dtype=np.int64)
        picks = (gen.random(n - 1) % np.arange(n, 1, -1, dtype=_U64)).astype(np.int64)
        picks += np.arange(n - 1, dtype=np.int64)
        r = list(range(n))                              # (a list swaps faster than an array)
        for i, z in enumerate(picks.tolist()):          # each swap depends on the last
            r[i], r[z] = r[z], r[i]
        return np.array(r, dtype=np.int64)
    r = np.empty(n, np.int64)
    draws = gen.random64(n)
    for i in range(n):
        z = int(draws[i] % _U64(i + 1))
        r[i] = r[z]
        r[z] = i
    return r


def multinomial(gen: Generator, probs: np.ndarray, num_samples: int, replacement: bool,
                strides: Any = None) -> np.ndarray:
    """Category indices drawn from each row of (unnormalised) ``probs``.

    Without replacement, or for one sample: the "exponential race": divide each weight
    by an Exponential(1) draw and keep the ``num_samples`` largest (one draw per weight,
    in the memory order of a tensor laid out as ``probs`` is: its element ``strides``,
    None for row by row). With replacement: per row, the running sums of the weights
    divided by their total; each sample is a 53-bit uniform placed among them by binary
    search.
    """
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement or num_samples == 1:
        q = exponential(gen, rows.size, 1.0).astype(rows.dtype)
        q = q.reshape(rows.shape) if strides is None else \
            np.lib.stride_tricks.as_strided(q, rows.shape, tuple(st * q.itemsize for st in strides))
        keys = rows / q
        if num_samples == 1:
            return keys.argmax(-1)[:, None]
        order = np.argsort(-keys, axis=-1, kind="stable")
        return order[:, :num_samples]
    out = np.empty((rows.shape[0], num_samples), np.int64)
    acc = np.float64 if rows.dtype == np.float64 else _F32
    for i, row in enumerate(rows):
        cum = np.cumsum(row.astype(acc), dtype=acc)
        total = cum[-1]
        cum = cum / total
        cum[-1] = 1
        u = _unit53(gen, num_samples)
        out[i] = np.searchsorted(cum, u, side="left")
    return out


# Values per pass of ``_normal_blocks_f32``: small enough that its temporaries stay in
# the CPU's cache and are reused from the heap (fresh megabyte arrays cost page faults).
_BLOCK_PASS = 1 << 15


def _normal_blocks_f32(words: np.ndarray, mean: Any, std: Any, exact: bool) -> np.ndarray:
    """float32 normals from raw words, 16 at a time (the road of ``normal`` above).

    Word ``j`` of a block gives ``u1 = 1 - (word & 0xFFFFFF) / 2**24`` (exactly
    ``(2**24 - bits) / 2**24``) and word ``j + 8`` gives ``u2``. The two halves of every
    block are gathered into contiguous arrays first (numpy is slow on 8-value runs), a
    slice of blocks at a time, and the normals are written in the words' place.
    ``exact``: the AVX2 kernel's polynomials, bit for bit; else numpy's float32
    log/sin/cos, a few ulp off.
    """
    w = words.reshape(-1, 16)
    out = words.view(_F32).reshape(-1, 16) if words.flags.c_contiguous else np.empty(w.shape, _F32)
    step = _BLOCK_PASS // 16
    for start in range(0, w.shape[0], step):
        _box_muller_pass(w[start:start + step], out[start:start + step], mean, std, exact)
    return out.reshape(-1)


def _box_muller_pass(w: np.ndarray, out: np.ndarray, mean: Any, std: Any, exact: bool) -> None:
    """One slice of ``_normal_blocks_f32``: blocks of 16 words ``w`` -> normals in ``out``
    (which may be ``w``'s own memory: both halves are copied out before it is written)."""
    mask = np.uint32(0xFFFFFF)
    a = _half(w, 0)
    a &= mask
    np.subtract(np.uint32(1 << 24), a, out=a)
    u1 = a.view(np.int32).astype(_F32)          # below 2**24 + 1: exact, and int32 -> float32
    u1 *= _F32(2.0 ** -24)                      # converts faster than uint32 does
    b = _half(w, 1)
    b &= mask
    u2 = b.view(np.int32).astype(_F32)
    if exact:
        radius = np.sqrt(_F32(-2) * _log_avx(u1))
        u2 *= _F32(2.0 ** -24)
        sin, cos = _sincos_avx(_F32(2.0 * np.pi) * u2)
    else:
        radius = np.log(u1, out=u1)
        radius *= _F32(-2)
        np.sqrt(radius, out=radius)
        u2 *= _F32(2.0 * np.pi * 2.0 ** -24)
        sin = np.sin(u2)
        cos = np.cos(u2, out=u2)
    if std == 1 and mean == 0:
        first, second = np.multiply(radius, cos, out=cos), np.multiply(radius, sin, out=sin)
    else:
        first, second = _fma32(radius * cos, std, mean), _fma32(radius * sin, std, mean)
    _blocks(out)[:, 0] = _as_half_blocks(first)
    _blocks(out)[:, 1] = _as_half_blocks(second)


# Eight values as one item (32 bytes for float32, 64 for float64): moving half-blocks
# this way is one copy per half-block instead of numpy's slow loop over runs of 8 numbers.
def _as_half_blocks(a: np.ndarray) -> np.ndarray:
    """A C-contiguous array of 8k values seen as k items of 8 values each."""
    return a.reshape(-1).view(np.dtype((np.void, 8 * a.itemsize)))


def _blocks(a: np.ndarray) -> np.ndarray:
    """A C-contiguous array of 16k values (or ``(k, 16)``) seen as ``(k, 2)`` half-blocks."""
    return _as_half_blocks(a).reshape(-1, 2)


def _half(w: np.ndarray, i: int) -> np.ndarray:
    """Half ``i`` (0: values 0-7, 1: values 8-15) of every block of ``w``, contiguous."""
    return np.ascontiguousarray(_blocks(w)[:, i]).view(w.dtype)
