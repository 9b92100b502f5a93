"""The instructor dashboard in the browser (the ``viz`` extra): a live run stepped round by round,
knobs that rebuild the scenario, plots, the server command and the offline browser assets. It sits
above ``sim.cli`` (its command ends like every other, through ``sim.cli.guard``) and may import
any layer below ``sim.api``; only the API's docs point at it, nothing imports it.
"""
