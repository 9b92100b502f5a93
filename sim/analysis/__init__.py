"""Analysis of finished runs: numbers derived from the Monte Carlo tables, such as the tactical
pause (cooperation with and without pressure, the pause window, core movement), for
qualified-majority scenarios coalitions and voting power, and tournaments (ranking, pairwise
tests, agreement rates). Numbers only; words and figures belong to ``sim.outputs``. It may import
``sim.engine``, ``sim.theory``, ``sim.core`` and ``sim.scenario``.
"""
