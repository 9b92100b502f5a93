"""The model core: one bargaining round for every replication at once.

Preferences and utilities, red lines, efficient offers, state agents, concession strategies and
protocols (each a registry filled from its package), events, pressures, the cooperation index,
the misread belief, the round-by-round trace, the random streams, and the Mesa model with what
it delegates: building a run from a scenario, implementation and trust, stall diagnostics and
the outcome columns. It may import ``sim.scenario`` only. Protocols, events, pressures, the
cooperation index, beliefs and the trace see the model through the session interface
(``sim.core.session``), never through the concrete ``NegotiationModel``.
"""
