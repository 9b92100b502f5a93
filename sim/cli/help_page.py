"""``negsim --help`` drawn without Hydra's help machinery, which lists the config groups by
composing the configuration dozens of times (seconds) to fill one line per group.

The page is the same: the template of ``conf/hydra/help/negsim.yaml`` with the groups of
``conf/`` and the options negsim stores (scenarios, protocols) in Hydra's format. Anything the
short route cannot be sure of (another argument that Hydra would check or that changes the help
config, a template naming more than ``$APP_CONFIG_GROUPS``) goes the usual way, through Hydra.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from pathlib import Path

HELP_FLAGS = ("-h", "--help")
HELP_CONFIG = Path("hydra") / "help" / "negsim.yaml"


def _groups(conf_dir: Path, stored: Mapping[str, list[str]]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {group: set(options) for group, options in stored.items()}
    for path in conf_dir.rglob("*.yaml"):
        group = path.parent.relative_to(conf_dir).as_posix()
        if group != "." and group.split("/")[0] != "hydra":
            groups.setdefault(group, set()).add(path.stem)
    return groups


def help_page(
    args: list[str], conf_dir: Path, stored: Callable[[], Mapping[str, list[str]]]
) -> str | None:
    """The page ``negsim --help`` prints for ``args``, or None when Hydra should answer.

    ``stored()``: group -> the options negsim keeps in Hydra's ConfigStore (asked only for a
    help page: listing the protocols reads their modules' source)."""
    if not any(arg in HELP_FLAGS for arg in args):
        return None
    if any(arg not in HELP_FLAGS and arg.partition("=")[0] != "scenario" for arg in args):
        return None
    from omegaconf import OmegaConf  # only for a help page: other answers may need none

    try:
        help_cfg = OmegaConf.create({"hydra": {"help": OmegaConf.load(conf_dir / HELP_CONFIG)}})
        template = str(help_cfg.hydra.help.template)
        groups = _groups(conf_dir, stored())
        listing = "".join(
            f"{group}: {', '.join(sorted(groups[group]))}\n" for group in sorted(groups)
        )
        return string.Template(template).substitute(APP_CONFIG_GROUPS=listing)
    except Exception:  # anything unusual in the help config: Hydra's own route
        return None
