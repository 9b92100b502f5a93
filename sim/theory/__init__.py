"""Bargaining theory, computed without simulating: the bargaining problem of a scenario
(``problem``), for two agents its Pareto frontier (``frontier``) and the Nash, weighted Nash,
Kalai-Smorodinsky and utilitarian solutions along it (``axiomatic``) and Rubinstein's
(``rubinstein``); for any number of agents the same solutions over packages (``many``, on the
convex programs of ``package_space``, ``barrier`` and ``steps``); and everything for one scenario
or a batch, with how far simulated agreements lie from it (``results``, ``comparison``). Pure
functions. It may import ``sim.core`` (preferences, offers, red lines) and ``sim.scenario``.
"""
