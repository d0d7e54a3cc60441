"""Capture the TCP traffic of one link of the test bed and tell whether a marker crossed it in clear.

``start`` runs in the bridge's network namespace (``ip netns exec virtops-it-br``), capturing every
TCP segment on one host's port of the bridge with a raw packet socket, until ``stop``. Each TCP
stream is put back in order by sequence number and searched for the marker as it goes (a marker
split across two segments is still found), so nothing large is kept. ``stop`` prints, per stream
(address:port pairs), the bytes seen, whether the marker was in them, and the gaps (bytes never
seen: a capture that missed data proves nothing, so the tests assert there were none).

  link_capture.py start --namespace NS --interface IF --marker M --state DIR [--ports 49152-49215]
  link_capture.py stop --state DIR
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6


class Stream:
    """One direction of a TCP connection, reassembled as it arrives."""

    def __init__(self, marker):
        self.marker = marker
        self.next_seq = None
        self.pending = {}  # seq -> payload arrived ahead of what is missing
        self.tail = b""
        self.bytes = 0
        self.found = False
        self.gaps = 0

    def add(self, seq, payload):
        if self.next_seq is None:
            self.next_seq = seq
        offset = (seq - self.next_seq) & 0xFFFFFFFF
        if offset >= 0x80000000:  # old data (a retransmission of what was seen)
            start = (self.next_seq - seq) & 0xFFFFFFFF
            if start >= len(payload):
                return
            payload, offset = payload[start:], 0
        if offset:
            self.pending[(self.next_seq + offset) & 0xFFFFFFFF] = payload
            if len(self.pending) > 4096:  # the missing segment will not come: count it as a gap
                first = min(self.pending, key=lambda key: (key - self.next_seq) & 0xFFFFFFFF)
                self.gaps += (first - self.next_seq) & 0xFFFFFFFF
                self.next_seq = first
                self._drain()
            return
        self._consume(payload)
        self._drain()

    def _drain(self):
        while self.next_seq in self.pending:
            self._consume(self.pending.pop(self.next_seq))

    def _consume(self, payload):
        data = self.tail + payload
        if self.marker in data:
            self.found = True
        self.tail = data[-(len(self.marker) - 1):] if len(self.marker) > 1 else b""
        self.bytes += len(payload)
        self.next_seq = (self.next_seq + len(payload)) & 0xFFFFFFFF

    def finish(self):
        if self.pending:  # what never arrived before the last segments
            first = min(self.pending, key=lambda key: (key - self.next_seq) & 0xFFFFFFFF)
            self.gaps += (first - self.next_seq) & 0xFFFFFFFF
            self.next_seq = first
            self._drain()
            while self.pending:
                first = min(self.pending, key=lambda key: (key - self.next_seq) & 0xFFFFFFFF)
                self.gaps += (first - self.next_seq) & 0xFFFFFFFF
                self.next_seq = first
                self._drain()


def capture(interface, marker, ports, out, ready):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, 33, 256 * 1024 * 1024)  # SO_RCVBUFFORCE: no drops at migration speed
    sock.bind((interface, 0))
    sock.settimeout(0.2)
    streams = {}
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with open(ready, "w"):
        pass
    while not stopping:
        try:
            frame, address = sock.recvfrom(262144)
        except socket.timeout:
            continue
        if address[2] == socket.PACKET_OUTGOING and interface.startswith("lo"):
            continue
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue  # IPv4 only: the test bed's addresses
        ip = frame[14:]
        header = (ip[0] & 0x0F) * 4
        if ip[9] != 6:
            continue
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[header:total]
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        if ports and not (ports[0] <= sport <= ports[1] or ports[0] <= dport <= ports[1]):
            continue
        payload = tcp[(tcp[12] >> 4) * 4:]
        if not payload:
            continue
        key = "%s:%d>%s:%d" % (socket.inet_ntoa(ip[12:16]), sport, socket.inet_ntoa(ip[16:20]), dport)
        stream = streams.get(key)
        if stream is None:
            stream = streams[key] = Stream(marker)
        stream.add(seq, payload)
    dropped = struct.unpack("II", sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]
    for stream in streams.values():
        stream.finish()
    result = dict(dropped=dropped, streams={key: dict(bytes=stream.bytes, marker=stream.found, gaps=stream.gaps)
                                            for key, stream in streams.items()})
    result["bytes"] = sum(stream.bytes for stream in streams.values())
    result["gaps"] = sum(stream.gaps for stream in streams.values())
    result["marker_found"] = any(stream.found for stream in streams.values())
    with open(out, "w") as handle:
        json.dump(result, handle, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop", "run"))
    parser.add_argument("--state", required=True, help="a directory for the capture's pid, readiness and result")
    parser.add_argument("--namespace")
    parser.add_argument("--interface")
    parser.add_argument("--marker")
    parser.add_argument("--ports", help="only streams with a port in this range (LOW-HIGH)")
    args = parser.parse_args()
    os.makedirs(args.state, exist_ok=True)
    pid_file, ready, out = (os.path.join(args.state, name) for name in ("capture.pid", "ready", "result.json"))
    ports = tuple(int(port) for port in args.ports.split("-")) if args.ports else None
    if args.command == "run":  # the capture itself, inside the namespace
        capture(args.interface, args.marker.encode(), ports, out, ready)
    elif args.command == "start":
        for path in (ready, out):
            if os.path.exists(path):
                os.remove(path)
        command = ["ip", "netns", "exec", args.namespace, sys.executable, os.path.abspath(__file__), "run",
                   "--state", args.state, "--interface", args.interface, "--marker", args.marker]
        if args.ports:
            command += ["--ports", args.ports]
        log = open(os.path.join(args.state, "capture.log"), "w")
        process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        with open(pid_file, "w") as handle:
            handle.write(str(process.pid))
        deadline = time.time() + 10
        while not os.path.exists(ready):
            if process.poll() is not None or time.time() > deadline:
                raise SystemExit("the capture did not start; see %s" % log.name)
            time.sleep(0.05)
    else:
        with open(pid_file) as handle:
            pid = int(handle.read())
        os.kill(pid, signal.SIGTERM)  # ip netns exec passes it on (it execs the capture)
        deadline = time.time() + 30
        while not os.path.exists(out) and time.time() < deadline:
            time.sleep(0.1)
        if not os.path.exists(out):
            raise SystemExit("the capture wrote no result; see %s" % os.path.join(args.state, "capture.log"))
        with open(out) as handle:
            print(handle.read())


if __name__ == "__main__":
    main()
