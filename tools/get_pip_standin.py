"""Stand-in for get-pip.py, used by tools/sanity.sh.

ansible-test bootstraps pip into its isolated virtualenvs with a get-pip.py that it downloads from
a host outside PyPI, which this project's machines cannot reach. ansible-test runs the cached
script as ``__main__`` with get-pip's arguments (pip options, pinned packages such as
``pip==24.2``, and get-pip's own ``--no-setuptools`` / ``--no-wheel``); this stand-in does the
same job from PyPI, as get-pip itself does: it runs the pip wheel that the interpreter bundles for
``ensurepip`` straight from the wheel file (a wheel is a zip Python can run) and lets it install
exactly the requested packages, setuptools and wheel too unless get-pip's flags leave them out.
One pip run per virtualenv: about 2 CPU-s, where ``ensurepip`` followed by the upgrade (and the
removal of the setuptools that ensurepip puts in) took about 5. The machine's pip configuration
applies as it does to any pip.

Without a bundled pip wheel (some distributions strip ``ensurepip``'s), it falls back to
``ensurepip`` (in a subprocess: ensurepip sets PIP_CONFIG_FILE=/dev/null in its own process, which
would hide the machine's pip configuration from the install that follows), then the same install.
"""

import glob
import os
import re
import subprocess
import sys

OWN_FLAGS = {"--no-setuptools", "--no-wheel"}


def bundled_pip():
    """The pip wheel that ``ensurepip`` of this interpreter would install, or None."""
    try:
        import ensurepip  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))
    return wheels[-1] if wheels else None


def steps(argv, wheel):
    """The commands that do get-pip's job for its arguments ``argv``, with the bundled pip ``wheel``
    (None: ensurepip first)."""
    args = [arg for arg in argv if arg not in OWN_FLAGS]
    named = {re.split(r"[<>=!~\[; ]", arg, maxsplit=1)[0].lower() for arg in args if not arg.startswith("-")}
    for package, flag in (("pip", None), ("setuptools", "--no-setuptools"), ("wheel", "--no-wheel")):
        if package not in named and flag not in argv:
            args.append(package)
    if wheel:
        return [[sys.executable, os.path.join(wheel, "pip"), "install", "--upgrade", *args]]
    fallback = [
        [sys.executable, "-m", "ensurepip", "--upgrade"],
        [sys.executable, "-m", "pip", "install", "--upgrade", *args],
    ]
    if "--no-setuptools" in argv:  # ensurepip puts it in
        fallback.append([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", "setuptools"])
    return fallback


def main():
    for step in steps(sys.argv[1:], bundled_pip()):
        status = subprocess.call(step)
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
