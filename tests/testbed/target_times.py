"""Pass ansible-test's integration output through unchanged and, at its end, print how long each
target ran (from one "Running <target> integration test role" line to the next), longest first,
and, given the directory of the junit callback's reports (ansible-test enables that callback for
every target), the slowest tasks: the suite must stay within its time budget, and this shows where
the time goes.

Usage: ansible-test integration ... | python3 target_times.py [JUNIT_DIR]"""

import glob
import os
import sys
import time
import xml.etree.ElementTree as ET

SLOWEST_TASKS = 40


def slowest_tasks(junit_dir, count=SLOWEST_TASKS):
    """(seconds, target, task) of the slowest tasks in the junit reports, slowest first."""
    tasks = []
    for path in glob.glob(os.path.join(junit_dir, "*.xml")):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        target = os.path.basename(path).split("-")[0]
        for case in root.iter("testcase"):
            tasks.append((float(case.get("time") or 0), target, case.get("name") or "?"))
    return sorted(tasks, reverse=True)[:count]


def main():
    junit_dir = sys.argv[1] if len(sys.argv) > 1 else None
    started = time.monotonic()
    current, since, times = None, started, []
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.startswith("Running ") and line.rstrip().endswith(" integration test role"):
            now = time.monotonic()
            if current:
                times.append((now - since, current))
            current, since = line.split()[1], now
    if current:
        times.append((time.monotonic() - since, current))
    if times:
        total = time.monotonic() - started
        print("integration target times (%.0f s in all):" % total, file=sys.stderr)
        for seconds, target in sorted(times, reverse=True):
            print("  %6.0f s  %s" % (seconds, target), file=sys.stderr)
    if junit_dir:
        tasks = slowest_tasks(junit_dir)
        if tasks:
            print("slowest tasks:", file=sys.stderr)
            for seconds, target, task in tasks:
                print("  %6.1f s  %s: %s" % (seconds, target, task[:140]), file=sys.stderr)


if __name__ == "__main__":
    main()
