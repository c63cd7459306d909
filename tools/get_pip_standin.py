"""Stand-in for get-pip.py, used by tools/sanity.sh.

ansible-test bootstraps pip into its isolated virtualenvs with a get-pip.py that it downloads from
a host outside PyPI, which this project's machines cannot reach. ansible-test runs the cached
script as ``__main__`` with get-pip's arguments (pip options, pinned packages such as
``pip==24.2``, and get-pip's own ``--no-setuptools`` / ``--no-wheel``); this stand-in does the
same job from PyPI: it installs the interpreter's bundled pip with ``ensurepip`` (in a subprocess:
ensurepip sets PIP_CONFIG_FILE=/dev/null in its own process, which would hide the machine's pip
configuration from the install that follows), lets that pip install exactly the requested
packages, and leaves setuptools out when asked to.
"""

import subprocess
import sys

OWN_FLAGS = {"--no-setuptools", "--no-wheel"}


def main():
    args = [arg for arg in sys.argv[1:] if arg not in OWN_FLAGS]
    steps = [
        [sys.executable, "-m", "ensurepip", "--upgrade"],
        [sys.executable, "-m", "pip", "install", "--upgrade", *args],
    ]
    if "--no-setuptools" in sys.argv:
        steps.append([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", "setuptools"])
    for step in steps:
        status = subprocess.call(step)
        if status:
            return status
    return 0


sys.exit(main())
