"""The Python API, documented in docs/api.md: scenarios loaded and changed (``loading``),
Monte Carlo runs held in memory as pandas objects and written on request, sweeps (``runs``), and
bargaining theory (``theory``). ``import sim`` exposes the public names (``sim.load``,
``sim.simulate``...), importing these modules on first use.

They run the same code as the commands: ``simulate`` is ``negsim`` without a folder,
``Result.save`` writes the folder ``negsim`` writes, ``solve`` is ``negsim-theory``. Bad input
raises :class:`~sim.scenario.errors.ScenarioError` with the one-line message the commands print.
The top layer: it may import every layer but ``sim.viz``; nothing in ``sim`` imports it.
"""
