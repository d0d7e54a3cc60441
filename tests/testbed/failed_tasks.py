"""Print the tasks that failed in an ansible-playbook or ansible-test log, without the ones marked
``...ignoring``.

A CI log is shown by its start and its end: a failure in the middle of a long integration target
is otherwise cut out, and only the play recap says that something failed. Each failure is printed
with its task's name and the first ``--width`` characters of its message.

Usage: python3 failed_tasks.py LOG [--width N]
"""

import argparse
import re

TASK = re.compile(r"^TASK \[(?P<name>.*)\] \**$")
FAILURE = re.compile(r"^(fatal|failed): \[")
RECAP = re.compile(r"^PLAY RECAP")
# What fails a run outside any task: a playbook that does not parse, ansible-test giving up.
ERROR = re.compile(r"^(\[ERROR\]|FATAL|ERROR):")


def failures(lines):
    """(task, failure line) of every failure whose task is not followed by ``...ignoring`` (a loop
    prints that once, after all its items)."""
    task, pending, found = None, [], []
    for line in lines:
        line = line.rstrip("\n")
        if line.strip() == "...ignoring":
            pending = []
            continue
        match = TASK.match(line)
        if match or RECAP.match(line):
            found.extend(pending)
            pending = []
        if match:
            task = match.group("name")
        elif FAILURE.match(line):
            pending.append((task, line))
    return found + pending


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--width", type=int, default=3000)
    args = parser.parse_args()
    with open(args.log, encoding="utf-8", errors="replace") as handle:
        lines = handle.readlines()
    found = failures(lines)
    for task, line in found:
        print("FAILED TASK: %s" % task)
        print("  %s" % line[:args.width])
    for line in lines:
        if ERROR.match(line) and not line.startswith("[ERROR]: Task failed"):  # a task's own: above
            print(line.rstrip("\n")[:args.width])
    if not found:
        print("no failed task found in %s" % args.log)


if __name__ == "__main__":
    main()
