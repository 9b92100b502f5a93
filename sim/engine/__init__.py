"""The Monte Carlo engine: replications in blocks through the one vectorised model, in batches and
worker processes, with streaming statistics and confidence intervals, the run settings that size
it, many scenarios (a sweep's points) as tiles of one model, and tournaments (every pairing of a list of strategies as one lineup run per scenario). It
may import ``sim.theory``, ``sim.core`` and ``sim.scenario``; it never draws (no matplotlib) and
writes no files but the tables it streams.
"""
