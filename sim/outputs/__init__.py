"""What a run leaves behind, in files, words and figures: the run folder (atomic writes, the
INCOMPLETE marker), summary.json, report.md, narrative.md, the registered run figures, the
animation, sweep tables and figures, the sensitivity reports, and a tournament's report and
figure. Numbers come from the layers below; this layer only writes them down. It may import
``sim.analysis``, ``sim.sensitivity``, ``sim.engine``, ``sim.theory``, ``sim.core`` and
``sim.scenario``; nothing below imports it.
"""
