"""Running a benchmark's playbook: one ansible-playbook on localhost from a given venv, timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def run_playbook(venv, playbook, extra, workdir, env):
    """Wall seconds and stdout of ``playbook`` run with ``extra`` vars by ``venv``'s Ansible (and
    its Python for the modules); a failed run ends the benchmark with its output."""
    command = [os.path.join(venv, "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", json.dumps(dict(extra, ansible_python_interpreter=os.path.join(venv, "bin", "python"))),
               playbook]
    start = time.monotonic()
    proc = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("%s failed:\n%s%s" % (playbook, proc.stdout[-4000:], proc.stderr[-2000:]))
    return elapsed, proc.stdout
