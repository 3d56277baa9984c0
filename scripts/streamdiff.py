#!/usr/bin/env python3
"""Compare what two imapscope binaries reassemble, stream by stream.

Usage: scripts/streamdiff.py OLD NEW [--ports P] FILE...

Runs `read --format jsonl --workers 1` with both binaries on every FILE and
prints, for each capture whose output differs, every session (keyed by
client, server and start time) whose client bytes, server bytes, gaps, gap
bytes, midstream, closed or transaction count differ, plus exit codes.
A reassembly regression shows as bytes moving between sessions, a session
appearing or vanishing, or a gap growing. Example, every capture in the
repository against the binary of an older commit:

  scripts/streamdiff.py /tmp/imapscope.base bin/imapscope $(find pcaps -name '*.pcap*')
"""
import collections
import json
import os
import subprocess
import sys


def sessions(binary, path, ports):
    cmd = [binary, "read", "--format", "jsonl", "--quiet", "--workers", "1"]
    if ports:
        cmd += ["--ports", ports]
    p = subprocess.run(cmd + [path], capture_output=True, text=True)
    out = collections.OrderedDict()
    for line in p.stdout.splitlines():
        try:
            s = json.loads(line)
        except ValueError:
            continue
        if s.get("type") != "session":
            continue
        k = (s["client"], s["server"], s["start"])
        v = (s.get("client_bytes"), s.get("server_bytes"), s.get("gaps"), s.get("gap_bytes"),
             s.get("midstream"), s.get("closed"), len(s.get("transactions") or []))
        while k in out:
            k = k + ("again",)
        out[k] = v
    return out, p.returncode


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    old, new, rest = argv[1], argv[2], argv[3:]
    ports = None
    if rest[:1] == ["--ports"]:
        ports, rest = rest[1], rest[2:]
    differ = 0
    for path in rest:
        a, ra = sessions(old, path, ports)
        b, rb = sessions(new, path, ports)
        if a == b and ra == rb:
            continue
        differ += 1
        print(f"== {path}: exit {ra} -> {rb}, sessions {len(a)} -> {len(b)}")
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                print(f"   {' '.join(k)}\n     old {a.get(k)}\n     new {b.get(k)}")
    print(f"{len(rest)} captures, {differ} differ "
          "(values: client_bytes, server_bytes, gaps, gap_bytes, midstream, closed, transactions)")


if __name__ == "__main__":
    main(sys.argv)
