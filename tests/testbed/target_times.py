"""Pass ansible-test's integration output through unchanged and, at its end, print how long each
target ran (from one "Running <target> integration test role" line to the next), longest first:
the suite must stay within its time budget, and this shows where the time goes."""

import sys
import time


def main():
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


if __name__ == "__main__":
    main()
