"""NumPy's default random generator (`numpy.random.default_rng(seed)`: PCG64 seeded through a
SeedSequence) in plain Python, for the draws `nn` makes: a seed gives the same weights with or
without NumPy (in the browser NumPy is a separate download), to the last bit.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

__all__ = ["Generator", "default_rng"]

_MASK32, _MASK64, _MASK128 = (1 << 32) - 1, (1 << 64) - 1, (1 << 128) - 1
_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645  # PCG's 128-bit LCG multiplier
# SeedSequence's hash constants (O'Neill's seed_seq_fe), on 32-bit words
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_LEFT, _MIX_RIGHT, _POOL_SIZE = 0xCA01F9DD, 0x4973F715, 4


def _words(entropy: int) -> list[int]:
    """A non-negative int as 32-bit words, least significant first ([0] for 0)."""
    words = []
    while True:
        words.append(entropy & _MASK32)
        entropy >>= 32
        if not entropy:
            return words


def _seed_state(entropy: int, count: int) -> list[int]:
    """SeedSequence(entropy).generate_state(count, uint64): the entropy hashed into a pool of
    four words, then the pool hashed out into `count` 64-bit words."""
    hash_a = _INIT_A

    def hashmix(value: int) -> int:
        nonlocal hash_a
        value ^= hash_a
        hash_a = (hash_a * _MULT_A) & _MASK32
        value = (value * hash_a) & _MASK32
        return value ^ (value >> 16)

    def mix(x: int, y: int) -> int:
        result = (_MIX_LEFT * x - _MIX_RIGHT * y) & _MASK32
        return result ^ (result >> 16)

    entropy_words = _words(entropy)
    pool = [hashmix(entropy_words[i] if i < len(entropy_words) else 0) for i in range(_POOL_SIZE)]
    for source in range(_POOL_SIZE):
        for target in range(_POOL_SIZE):
            if source != target:
                pool[target] = mix(pool[target], hashmix(pool[source]))
    for word in entropy_words[_POOL_SIZE:]:
        for target in range(_POOL_SIZE):
            pool[target] = mix(pool[target], hashmix(word))
    hash_b, out = _INIT_B, []
    for i in range(2 * count):
        value = pool[i % _POOL_SIZE] ^ hash_b
        hash_b = (hash_b * _MULT_B) & _MASK32
        value = (value * hash_b) & _MASK32
        out.append(value ^ (value >> 16))
    return [out[2 * i] | out[2 * i + 1] << 32 for i in range(count)]


class Generator:
    """PCG64 (XSL-RR output) with `uniform`, as `numpy.random.default_rng(seed)` draws it."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is None:
            seed = int.from_bytes(os.urandom(16), "little")
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"a seed must be a whole number >= 0, got {seed!r}")
        words = _seed_state(seed, 4)
        self._increment = ((words[2] << 64 | words[3]) << 1 | 1) & _MASK128
        self._state = self._increment  # the first step from state 0
        self._state = (self._state + (words[0] << 64 | words[1])) & _MASK128
        self._step()

    def _step(self) -> None:
        self._state = (self._state * _MULTIPLIER + self._increment) & _MASK128

    def next_uint64(self) -> int:
        """The next 64 random bits."""
        self._step()
        state = self._state
        value, rotation = ((state >> 64) ^ state) & _MASK64, state >> 122
        return ((value >> rotation) | (value << (64 - rotation))) & _MASK64

    def random(self) -> float:
        """A float in [0, 1) with 53 random bits."""
        return (self.next_uint64() >> 11) * (1.0 / 9007199254740992.0)

    def uniform(self, low: float = 0.0, high: float = 1.0,
                size: int | Sequence[int] | None = None) -> float | list:
        """Draws from [low, high): one number, a list of `size`, or nested lists for a shape."""
        if size is None:
            return low + (high - low) * self.random()
        shape = (size,) if isinstance(size, int) else tuple(size)
        if len(shape) == 1:
            return [low + (high - low) * self.random() for _ in range(shape[0])]
        return [self.uniform(low, high, shape[1:]) for _ in range(shape[0])]


def default_rng(seed=None):
    """A generator drawing what `numpy.random.default_rng(seed)` draws: this one for no seed
    or a whole number >= 0; NumPy's own for any other seed (its checks and messages too)."""
    if seed is None or type(seed) is int and seed >= 0:
        return Generator(seed)
    import numpy
    return numpy.random.default_rng(seed)
