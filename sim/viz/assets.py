"""Solara's browser assets, fetched once from the npm registry so the dashboard works offline.

Solara serves its JavaScript and CSS through ``/_solara/cdn``, a proxy that fetches them from a
public CDN on first use and keeps them in ``solara.server.settings.assets.proxy_cache_dir``
(inside the virtual environment). Without internet the page stays blank unless that folder
already holds them, so ``python -m sim.viz.assets`` (run by ``make``) unpacks the npm packages
that solara asks for there, as ``<name>@<version>/``. Packages already there are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# What solara 1.64 requests through its CDN proxy (grep its sources for '@<version>/').
PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/solara-vuetify3-app@5.2.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
)
TELEMETRY_OFF = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def cache_dir() -> Path:
    """Where solara's CDN proxy looks for assets (``SOLARA_ASSETS_PROXY_CACHE_DIR`` moves it)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(folder: Path | None = None) -> list[str]:
    """Packages not yet unpacked in the cache (an unpacked package has its package.json)."""
    folder = cache_dir() if folder is None else folder
    return [spec for spec in PACKAGES if not (folder / spec / "package.json").is_file()]


def _unpack(tarball: Path, target: Path) -> None:
    """Unpack an npm tarball (files under ``package/``) into ``target`` atomically."""
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the server may run as another user
    try:
        with tarfile.open(tarball) as archive:
            members = []
            for member in archive.getmembers():
                _, sep, rest = member.name.partition("/")
                if sep and rest and (member.isfile() or member.isdir()):
                    member.name = rest
                    members.append(member)
            archive.extractall(staging, members=members, filter="data")
        if target.exists():  # a half-filled folder from an interrupted run
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def fill(folder: Path | None = None, npm: str = "npm") -> list[str]:
    """``npm pack`` every missing package into the cache; returns the ones fetched."""
    folder = cache_dir() if folder is None else folder
    todo = missing(folder)
    if not todo:
        return []
    if shutil.which(npm) is None:
        raise RuntimeError(
            "npm is needed once to fetch solara's browser assets from the npm registry "
            "(Debian package 'npm')"
        )
    with tempfile.TemporaryDirectory() as downloads:
        result = subprocess.run(
            [npm, "pack", "--silent", "--pack-destination", downloads, *todo],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"npm pack failed: {result.stderr.strip() or result.stdout.strip()}")
        tarballs = [downloads + "/" + line.strip() for line in result.stdout.splitlines()]
        if len(tarballs) != len(todo):
            raise RuntimeError(f"npm pack returned {len(tarballs)} files for {len(todo)} packages")
        for spec, tarball in zip(todo, tarballs, strict=True):
            target = folder / spec
            target.parent.mkdir(parents=True, exist_ok=True)
            _unpack(Path(tarball), target)
    return todo


def main() -> None:
    folder = cache_dir()
    try:
        fetched = fill(folder)
    except RuntimeError as exc:
        print(f"negsim: error: solara assets: {exc}", file=sys.stderr)
        sys.exit(1)
    done = f"fetched {', '.join(fetched)}" if fetched else "already there"
    print(f"negsim: solara browser assets in {folder}: {done}")


if __name__ == "__main__":
    main()
