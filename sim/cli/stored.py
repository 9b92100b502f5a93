"""Scenario files in Hydra's ConfigStore, read only when a composition picks them.

Hydra deep-copies the whole ConfigStore each time it composes a config or lists a group's options
(``negsim --help`` and the command-line check do that dozens of times), and a launcher pickles it
to each job. Stored as parsed data, every known scenario would be read at start-up and copied
every time; stored as a :class:`LazyScenario` it is a name and a path until a composition loads
it, and a load reads the file once per process as long as the file is unchanged (the cache is
keyed by path, modification time and size), so the jobs that a launcher worker runs one after
another reuse it. What reaches Hydra is always a fresh copy (``ConfigStore.load`` deep-copies the
node it hands out), so the cached node is never changed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hydra.core.config_store import ConfigNode, ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.cli.composition import file_version, read_data

GROUP = "scenario"


@lru_cache(maxsize=64)
def _node(path: str, source: str, mtime_ns: int, size: int) -> DictConfig:
    return OmegaConf.create(read_data(Path(path), source))


def read_node(path: Path, source: str) -> DictConfig:
    """The file as a config node (a stand-in carrying the error if it cannot be read), from the
    cache while the file is unchanged (the data read is shared with
    :func:`sim.cli.composition.read_data`)."""
    name, mtime_ns, size = file_version(path)
    return _node(name, source, mtime_ns, size)


class LazyScenario(ConfigNode):
    """A ConfigStore entry for a scenario file, read when Hydra loads it."""

    def __init__(self, name: str, path: Path, source: str):
        self.name = f"{name}.yaml"
        self.group = GROUP
        self.package = None
        self.provider = None
        self.path = path
        self.source = source
        self._loaded: DictConfig | None = None

    @property  # type: ignore[override]
    def node(self) -> DictConfig:
        return self._loaded if self._loaded is not None else read_node(self.path, self.source)

    @node.setter
    def node(self, value: DictConfig) -> None:  # ConfigStore.load sets its copy's node
        self._loaded = value

    def __deepcopy__(self, memo: dict) -> LazyScenario:
        # The stored entry is never changed (ConfigStore.load copies it before use), so the
        # copies Hydra makes of the whole store can share it.
        return self

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__


def store(name: str, path: Path, source: str) -> None:
    """Make ``scenario=<name>`` pick the file at ``path`` (``source`` names it in messages)."""
    ConfigStore.instance().repo.setdefault(GROUP, {})[f"{name}.yaml"] = LazyScenario(
        name, path, source
    )
