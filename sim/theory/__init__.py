"""Bargaining theory, computed without simulating: the bargaining problem of a scenario
(``problem``), its Pareto frontier (``frontier``), the Nash, Kalai-Smorodinsky and utilitarian
solutions (``axiomatic``) and Rubinstein's (``rubinstein``), and everything for one scenario or a
batch, with how far simulated agreements lie from it (``results``). Pure functions. It may import
``sim.core`` (preferences, offers, red lines) and ``sim.scenario``.
"""
