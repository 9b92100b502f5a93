"""The instructor dashboard in the browser (the ``viz`` extra): a live run stepped round by round,
knobs that rebuild the scenario, plots, and the offline browser assets. A top layer beside
``sim.cli``: it may import any layer but ``sim.cli``; nothing imports it.
"""
