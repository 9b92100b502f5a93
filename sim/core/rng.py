"""Random streams that make a replication's result independent of how a run is cut up.

A run has one ``SeedSequence``. Replications are grouped in fixed blocks of ``BLOCK_SIZE``; block
``b`` draws from its own child sequence (``spawn_key=(b,)``, the same child ``spawn`` would give
as its b-th). Every draw asks the block's generator for a full block and keeps the rows it needs,
so replication k sees the same numbers whether it runs alone, in a partial last block, next to
other blocks, in another worker process or in another shard, or in a tile of a vectorised sweep
(:class:`TiledStreams`).
"""

from __future__ import annotations

import math

import numpy as np

BLOCK_SIZE = 1024


def block_generator(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def fresh_seed() -> int:
    """A new run seed from OS entropy (recorded with the run, so it can be replayed)."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


class BlockStreams:
    """Generators for replications ``[start, stop)``, cut along block boundaries."""

    def __init__(self, seed: int, start: int, stop: int):
        if stop <= start:
            raise ValueError("empty replication range")
        self.seed = seed
        self.start, self.stop = start, stop
        first, last = start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE
        self._slices = []
        for block in range(first, last + 1):
            lo = max(start, block * BLOCK_SIZE) - block * BLOCK_SIZE
            hi = min(stop, (block + 1) * BLOCK_SIZE) - block * BLOCK_SIZE
            self._slices.append((block_generator(seed, block), lo, hi))

    @property
    def size(self) -> int:
        return self.stop - self.start

    @property
    def tiles(self) -> tuple[BlockStreams, ...]:
        return (self,)

    def uniform(self, *tail: int) -> np.ndarray:
        """Uniform [0, 1) draws of shape (size, *tail)."""
        return np.concatenate(
            [gen.random((BLOCK_SIZE, *tail))[lo:hi] for gen, lo, hi in self._slices], axis=0
        )

    def normal(self, *tail: int) -> np.ndarray:
        """Standard normal draws of shape (size, *tail)."""
        return np.concatenate(
            [gen.standard_normal((BLOCK_SIZE, *tail))[lo:hi] for gen, lo, hi in self._slices],
            axis=0,
        )

    def draw(self, sampler) -> np.ndarray:
        """Apply ``sampler(generator, BLOCK_SIZE)`` per block and keep this range's rows."""
        return np.concatenate(
            [np.asarray(sampler(gen, BLOCK_SIZE))[lo:hi] for gen, lo, hi in self._slices], axis=0
        )


class TiledStreams:
    """Streams for a tiled batch: ``tiles`` copies of replications ``[start, stop)`` one after
    the other (a vectorised sweep's points). Every tile has its own generators, seeded alike, so
    tile p's rows get the numbers replications ``[start, stop)`` get in a run of their own, even
    when tiles draw different distributions (which use up different amounts of a stream)."""

    def __init__(self, seed: int, start: int, stop: int, tiles: int):
        self.seed = seed
        self.start, self.stop = start, stop
        self.tiles = tuple(BlockStreams(seed, start, stop) for _ in range(tiles))

    @property
    def size(self) -> int:
        return (self.stop - self.start) * len(self.tiles)

    def uniform(self, *tail: int) -> np.ndarray:
        return np.concatenate([tile.uniform(*tail) for tile in self.tiles], axis=0)

    def normal(self, *tail: int) -> np.ndarray:
        return np.concatenate([tile.normal(*tail) for tile in self.tiles], axis=0)

    def draw(self, sampler) -> np.ndarray:
        return np.concatenate([tile.draw(sampler) for tile in self.tiles], axis=0)


Streams = BlockStreams | TiledStreams


def shard_range(replications: int, shard: int, shards: int) -> tuple[int, int]:
    """Replications of shard ``shard`` of ``shards``: whole blocks, as even as possible."""
    blocks = math.ceil(replications / BLOCK_SIZE)
    first, last = shard * blocks // shards, (shard + 1) * blocks // shards
    return min(first * BLOCK_SIZE, replications), min(last * BLOCK_SIZE, replications)
