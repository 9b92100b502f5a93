"""The commands: ``negsim`` (Hydra), ``negsim-theory``, ``negsim-merge``, ``negsim-sweep``,
``negsim-sensitivity`` and ``negsim-tournament`` (with the student strategy files it imports),
the one function that takes validated inputs to a finished run folder, and negsim's Hydra sweeper
(points of a grid run as one vectorised simulation, each written as a run alone). Thin wrappers that
turn arguments into calls and errors into one line and an exit code. The top layer: it may
import any layer but ``sim.viz``.
"""
