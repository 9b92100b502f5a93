"""The model core: one bargaining round for every replication at once.

Preferences and utilities, red lines, efficient offers, state agents, concession strategies,
protocols, events, pressures, beliefs, the round-by-round trace, the random streams and the Mesa
model that ties them together. It may import ``sim.scenario`` only. Protocols, events, pressures,
beliefs and the trace see the model through the session interface (``sim.core.session``), never
through the concrete ``NegotiationModel``.
"""
