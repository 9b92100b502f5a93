"""One build step beyond pyproject.toml: a wheel carries the top-level data folders (``conf/``,
``scenarios/``, ``sensitivity/``) inside the package as ``sim/_data/<folder>``, where
``sim.scenario.shipped`` finds them. An editable install copies nothing: it reads the
repository's folders, so new scenario files need no reinstall."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_FOLDERS = ("conf", "scenarios", "sensitivity")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder in DATA_FOLDERS:
            for source in sorted(Path(folder).rglob("*.yaml")):
                target = Path(self.build_lib, "sim", "_data", source)
                self.mkpath(str(target.parent))
                self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildWithData})
