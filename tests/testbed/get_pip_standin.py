"""Stand-in for the pip bootstrap script that ansible-test downloads (get-pip-24.2.py).

ansible-test runs it inside each new sanity venv with pip's install options plus
'--no-setuptools' and '--no-wheel'. It installs pip 24.2 from the wheel next to it (fetched from
PyPI by scripts/test.sh), which is what the downloaded script would install.
"""

import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WHEEL = sorted(glob.glob(os.path.join(HERE, "pip-24.2-*.whl")))[-1]
sys.path.insert(0, WHEEL)

from pip._internal.cli.main import main as pip_main  # noqa: E402  (importable only from the wheel)

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(pip_main(["install", "--no-index", "--find-links", HERE] + args))
