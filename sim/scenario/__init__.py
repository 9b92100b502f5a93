"""The scenario layer: what a negotiation is, as data.

Reading scenario files (YAML data only, never code), checking them field by field, and the frozen
spec dataclasses the rest of negsim reads; distributions of uncertain numbers; dotted paths to a
scenario's numbers; several scenarios stacked into one with numbers per tile (a vectorised sweep); where shipped scenarios live; the one error users see for bad input. The bottom
layer: it imports nothing from the other layers of ``sim``. Names that only a higher layer knows
(strategies, protocols, utility shapes) reach validation as a catalogue passed in.
"""
