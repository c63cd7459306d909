# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The versions a user reads: galaxy.yml's is the release under way (newer than the last release of
changelogs/changelog.yaml while fragments wait for it), and no plugin or option says it was added in a
version after that one (``ansible-doc`` prints ``version_added``)."""

import re
from pathlib import Path

import yaml
from ansible.module_utils.compat.version import LooseVersion

ROOT = Path(__file__).resolve().parents[2]
VERSION_ADDED = re.compile(r"^\s*version_added:\s*['\"]?([0-9][0-9.]*)['\"]?\s*$", re.MULTILINE)


def galaxy_version():
    return yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]


def releases():
    changelog = yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))
    return sorted((changelog.get("releases") or {}), key=LooseVersion)


def test_galaxy_names_the_release_under_way():
    released = releases()
    fragments = list((ROOT / "changelogs" / "fragments").glob("*.y*ml"))
    if released and fragments:
        assert LooseVersion(galaxy_version()) > LooseVersion(released[-1]), (
            f"galaxy.yml says {galaxy_version()}, already released (changelogs/changelog.yaml), while "
            f"{len(fragments)} fragments wait for the next release: set galaxy.yml's version to it"
        )


def test_nothing_is_added_in_a_version_after_the_one_under_way():
    current = LooseVersion(galaxy_version())
    found = {}
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        for version in VERSION_ADDED.findall(path.read_text(encoding="utf-8")):
            found.setdefault(version, []).append(path.relative_to(ROOT).as_posix())
    assert found, "no version_added found: the pattern no longer matches the documentation"
    later = {version: sorted(set(paths)) for version, paths in found.items() if LooseVersion(version) > current}
    assert not later, f"version_added after galaxy.yml's {current}: {later}"
