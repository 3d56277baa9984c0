#!/usr/bin/python3
"""Compare regenerated captures with the committed ones (standard library only).

    compare.py [--imapscope BIN] OLD_DIR NEW_DIR

For each NAME.pcap/.pcapng in OLD_DIR that has a NAME.truth.json, with the
same files in NEW_DIR: the captures differ byte for byte (timestamps, ports,
TCP sequence numbers, TLS keys), so what is compared is what the tests read:

  truth   per session: client, user, passwords, tls, and each command's tag,
          command and status (client_port and imaplib's random tag prefix
          left out)
  report  imapscope read --format json (with --keylog NAME.keylog where it
          exists), per session: dialect, user, tls, starttls, compressed,
          closed, anomaly kinds, and each transaction's tag, command, args
          and status (times, ports, uids and byte counts left out)

Prints one line per capture and the totals; exits 1 on any difference.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

IMAPLIB_TAG = re.compile(r"^[A-P]{4}(\d+)$")   # imaplib: Int2AP(random) + counter


def tag(t):
    m = IMAPLIB_TAG.match(t or "")
    return "imaplib" + m.group(1) if m else t


def truth_view(path):
    with open(path) as f:
        d = json.load(f)
    out = []
    for s in d["sessions"]:
        cmds = s.get("commands") or s.get("transactions") or []
        out.append({"client": s.get("client"), "user": s.get("user"), "tls": s.get("tls"),
                    "passwords": s.get("passwords"), "dialect": s.get("dialect"),
                    "commands": [(tag(c.get("tag")), c.get("command"), c.get("status")) for c in cmds]})
    return out


def report_view(binary, pcap):
    args = [binary, "read", "--quiet", "--format", "json"]
    keylog = re.sub(r"\.pcap(ng)?$", ".keylog", pcap)
    if os.path.exists(keylog):
        args += ["--keylog", keylog]
    p = subprocess.run(args + [pcap], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("%s: imapscope: %s" % (pcap, p.stderr.strip()))
    out = []
    for s in json.loads(p.stdout).get("sessions") or []:
        out.append({k: s.get(k) for k in ("dialect", "user", "tls", "starttls", "compressed", "closed")}
                   | {"anomalies": sorted(a["kind"] for a in s.get("anomalies") or []),
                      "transactions": [(tag(t.get("tag")), t.get("command"), t.get("args"), t.get("status"))
                                       for t in s.get("transactions") or []]})
    return out


def diff(kind, old, new):
    """Differences between two views, as short strings."""
    if len(old) != len(new):
        return ["%s: %d sessions, now %d" % (kind, len(old), len(new))]
    out = []
    for i, (a, b) in enumerate(zip(old, new), 1):
        for k in a:
            if a[k] != b.get(k):
                out.append("%s session %d %s: %r -> %r" % (kind, i, k, a[k], b.get(k)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--imapscope", default="imapscope")
    ap.add_argument("old")
    ap.add_argument("new")
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.old, "*.pcap")) + glob.glob(os.path.join(a.old, "*.pcapng")))
    bad = n = sessions = commands = txns = 0
    for old in files:
        name = os.path.basename(old)
        truth = re.sub(r"\.pcap(ng)?$", ".truth.json", old)
        if not os.path.exists(truth):
            continue
        new = os.path.join(a.new, name)
        if not os.path.exists(new):
            print("%-34s MISSING in %s" % (name, a.new))
            bad += 1
            continue
        n += 1
        t_old, t_new = truth_view(truth), truth_view(re.sub(r"\.pcap(ng)?$", ".truth.json", new))
        r_old, r_new = report_view(a.imapscope, old), report_view(a.imapscope, new)
        d = diff("truth", t_old, t_new) + diff("report", r_old, r_new)
        sessions += len(t_old)
        commands += sum(len(s["commands"]) for s in t_old)
        txns += sum(len(s["transactions"]) for s in r_old)
        print("%-34s %2d sessions %4d truth commands %4d report transactions  %s"
              % (name, len(t_old), sum(len(s["commands"]) for s in t_old),
                 sum(len(s["transactions"]) for s in r_old), "same" if not d else "DIFFERENT"))
        for x in d:
            print("    " + x)
        bad += bool(d)
    print("%d captures, %d sessions, %d truth commands, %d report transactions compared; %d differ"
          % (n, sessions, commands, txns, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
