"""The sweeper ``negsim -m`` uses (``conf/hydra/sweeper/negsim.yaml``): Hydra's grid syntax,
with the points that differ only in numbers run as one vectorised simulation
(:mod:`sim.cli.sweeper`). Hydra imports this module whenever it starts, so it imports nothing
of negsim until a sweep begins."""

from __future__ import annotations

from typing import Any

from hydra.plugins.sweeper import Sweeper


class NegsimSweeper(Sweeper):
    def __init__(
        self,
        vectorise: bool = True,
        jobs: int | None = None,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        self.vectorise = vectorise
        self.jobs = jobs
        self.max_batch_size = max_batch_size
        self.params = params or {}
        self.hydra_context = self.config = self.launcher = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        from hydra.core.plugins import Plugins

        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        from sim.cli.sweeper import sweep

        return sweep(self, arguments)
