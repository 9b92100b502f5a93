"""Package versions and the git commit recorded in results folders."""

from __future__ import annotations

import platform
import re
from importlib import metadata

from sim.outputs.provenance import git_commit, versions


def test_versions_in_the_order_asked_with_python_and_missing_packages():
    found = versions(("python", "numpy", "no-such-package-negsim"))
    assert list(found) == ["python", "numpy", "no-such-package-negsim"]
    assert found["python"] == platform.python_version()
    assert found["numpy"] == metadata.version("numpy")
    assert found["no-such-package-negsim"] == "not installed"


def test_git_commit_is_a_hash_or_none():
    commit = git_commit()
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}", commit)
