"""Bargaining theory, computed without simulating: the bargaining problem of a scenario, its Pareto
frontier, the Nash, Kalai-Smorodinsky, utilitarian and Rubinstein solutions, and how far simulated
agreements lie from them. Pure functions. It may import ``sim.core`` (preferences, offers, red
lines) and ``sim.scenario``.
"""
