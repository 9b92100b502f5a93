"""negsim's Hydra sweeper (Hydra finds plugins only in the ``hydra_plugins`` namespace); the
work is done in :mod:`sim.cli.sweeper`."""
