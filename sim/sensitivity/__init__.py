"""Global sensitivity analysis and scenario discovery: the sensitivity config file, SALib designs
and indices (Sobol', Morris), a sample of parameter points evaluated in one vectorised run, and
PRIM boxes. It may import ``sim.engine``, ``sim.theory``, ``sim.core`` and ``sim.scenario``, not
``sim.analysis`` (its peer) nor anything above.
"""
