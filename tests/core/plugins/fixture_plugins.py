"""Make the fixture plugins in ``tests/plugins`` installed third-party plugins.

A minimal ``*.dist-info`` folder (METADATA + entry_points.txt in the group ``kontakt.plugins``)
is written to a temporary site folder; that folder and ``tests/plugins`` go on ``sys.path`` for
this process and on ``PYTHONPATH`` for the ``kontakt`` processes the tests start, so
``importlib.metadata`` finds the entry points exactly as it would for a pip-installed plugin.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PLUGINS_DIR = ROOT / "tests" / "plugins"
NAMES = ("kt_sample", "kt_not_ready", "kt_bad_creds", "kt_broken", "kt_needs_sample")
# Installed only while a test needs it: an installed plugin with an invalid manifest is
# reported as broken (by `plugins list` and `doctor`), which other tests need not see.
BAD_NAMES = ("kt_bad_manifest",)
DIST_NAME = "kontakt_fixture_plugins-0.1.dist-info"
BAD_DIST_NAME = "kontakt_fixture_bad_plugins-0.1.dist-info"

_site: Path | None = None


def write_dist_info(site: Path, dist_name: str = DIST_NAME, names: tuple[str, ...] = NAMES) -> Path:
    """Write a dist-info folder that declares the fixture plugins' entry points."""
    dist = site / dist_name
    dist.mkdir(parents=True, exist_ok=True)
    project = dist_name.split("-")[0].replace("_", "-")
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project}\nVersion: 0.1\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {name}\n" for name in names)
    (dist / "entry_points.txt").write_text(f"[kontakt.plugins]\n{lines}", encoding="utf-8")
    return dist


def install(base: Path) -> Path:
    """Install the fixture plugins for this process and its children (once per session)."""
    global _site
    if _site is not None:
        return _site
    site = base / "site"
    write_dist_info(site)
    paths = [str(PLUGINS_DIR), str(site)]
    for path in paths:
        if path not in sys.path:
            sys.path.append(path)
    current = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [*paths, *(p for p in current.split(os.pathsep) if p and p not in paths)]
    )
    importlib.invalidate_caches()
    _site = site
    return site


def subprocess_env(*sites: Path) -> dict[str, str]:
    """Extra environment for a ``kontakt`` child that should also see ``sites``."""
    paths = [str(ROOT), *(str(site) for site in sites), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}
