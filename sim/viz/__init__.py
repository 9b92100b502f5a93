"""Visualisation of negsim runs in the browser (the ``viz`` extra). The model never imports it."""
