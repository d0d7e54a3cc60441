"""The CI summary of failed tasks: ignored failures (a loop's too) are left out, real ones kept."""

import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
# Loaded from its file: ansible-test's path hooks claim the path, so runpy.run_path cannot read it.
_SPEC = importlib.util.spec_from_file_location(
    "failed_tasks", os.path.join(HERE, "..", "..", "testbed", "failed_tasks.py"))
_MODULE = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_MODULE)
failures = _MODULE.failures

LOG = """
TASK [target : Refused on purpose] ***********************************
fatal: [testhost]: FAILED! => {"msg": "expected"}
...ignoring

TASK [target : A loop with an expected failure] **********************
failed: [testhost] (item=a) => {"msg": "one"}
ok: [testhost] => (item=b)
failed: [testhost] (item=c) => {"msg": "two"}
...ignoring

TASK [target : The real failure] *************************************
fatal: [testhost]: FAILED! => {"msg": "the guest did not converge"}

TASK [target : Cleanup] *********************************************
ok: [testhost]

PLAY RECAP *********************************************************************
testhost                   : ok=3    changed=0    unreachable=0    failed=1
"""


def test_only_the_failure_not_ignored_is_reported():
    found = failures(LOG.splitlines(True))
    assert found == [("target : The real failure", 'fatal: [testhost]: FAILED! => {"msg": "the guest did not converge"}')]


def test_a_failure_at_the_end_of_the_log_is_kept():
    found = failures(["TASK [t : Last] ***\n", "fatal: [h]: FAILED! => {}\n"])
    assert found == [("t : Last", "fatal: [h]: FAILED! => {}")]
