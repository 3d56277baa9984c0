#!/usr/bin/python3
"""Turn a client's own debug log into NAME.truth.json.

    logs2truth.py curl|mbsync|fetchmail LOG OUT.json CLIENT-VERSION

The log is what dovecot.sh collected: "@@ RUN n [user=U pass=P]" separators,
optional "@@ PORT p" lines (curl's %{local_port}), and the client's debug
output in between:
  curl --trace-ascii  "0000: A001 LOGIN ..." / "0000: A001 OK ..." (every byte
                      curl sent or received, offset-prefixed)
  mbsync -D        ">>> 3 SELECT ..."  /  "3 OK ..."  (far-side store only)
  fetchmail -v -v  "IMAP> A0001 ..."   /  "IMAP< A0001 OK ..."
Each connection the client opened is one session, in the order it opened.
"""
import json
import re
import sys

PASSWORDS = {
    "alice": "Wh1sper-Secret-4417",
    "bob": "Bl0wfish-Quill-2290",
}

TOOLS = {
    # name: (new-connection line, client command line, server completion line)
    "curl": (re.compile(r"^== Info: Connected to "),
             re.compile(r"^[0-9a-f]{4}: ([A-Z][0-9]{3,}) (\S+)(?: (\S+))?"),
             re.compile(r"^[0-9a-f]{4}: ([A-Z][0-9]{3,}) (OK|NO|BAD)\b", re.I)),
    "mbsync": (re.compile(r"^Connecting to "),
               re.compile(r"(?:^|\) )F: >>> ([0-9]+) (\S+)(?: (\S+))?"),
               re.compile(r"(?:^|\) )F: ([0-9]+) (OK|NO|BAD)\b", re.I)),
    "fetchmail": (re.compile(r"^Trying to connect to "),
                  re.compile(r"IMAP> ([A-Z][0-9]{4}) (\S+)(?: (\S+))?"),
                  re.compile(r"IMAP< ([A-Z][0-9]{4}) (OK|NO|BAD)\b", re.I)),
}


def name(verb, arg):
    verb = verb.upper()
    if verb == "UID" and arg:
        return "UID " + arg.upper()
    return verb


def convert(tool, lines):
    connect, c_re, s_re = TOOLS[tool]
    sessions, cur, run_user, run_pass = [], None, None, None
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith("@@ RUN"):
            m = re.search(r"user=(\S+) pass=(\S+)", line)
            run_user, run_pass = (m.group(1), m.group(2)) if m else (None, None)
            continue
        if line.startswith("@@ PORT"):
            p = line.split()[2:] or [""]
            if cur is not None and p[0].isdigit() and int(p[0]):
                cur["client_port"] = int(p[0])
            continue
        if connect.search(line):
            cur = {"client": tool, "server": "10.143.0.2:143", "client_port": None, "tls": None,
                   "user": run_user, "passwords": [run_pass] if run_pass else [], "commands": []}
            sessions.append(cur)
            continue
        if cur is None:
            continue
        m = s_re.search(line)
        if m:
            for c in reversed(cur["commands"]):
                if c["tag"] == m.group(1) and c["status"] is None:
                    c["status"] = m.group(2).upper()
                    break
            continue
        m = c_re.search(line)
        if m:
            tag, verb, arg = m.group(1), m.group(2), m.group(3)
            cur["commands"].append({"tag": tag, "command": name(verb, arg), "status": None})
            if verb.upper() == "LOGIN" and arg:
                u = arg.strip('"')
                cur["user"] = cur["user"] or u
    for s in sessions:
        if tool == "curl":
            # curl sends LOGOUT while tearing the connection down, after its
            # trace has stopped: the log cannot show it, so say so.
            s["unlogged_logout"] = True
        if not s["passwords"] and s["user"] in PASSWORDS:
            s["passwords"] = [PASSWORDS[s["user"]]]
    return sessions


def main():
    tool, log, out, version = sys.argv[1:5]
    with open(log, errors="replace") as f:
        sessions = convert(tool, f)
    pw = []
    for s in sessions:
        for p in s["passwords"]:
            if p not in pw:
                pw.append(p)
    cap = out.rsplit("/", 1)[-1].replace(".truth.json", "")
    doc = {"capture": cap, "generator": "pcaps/gen/logs2truth.py from the client's debug log",
           "client_version": version, "session_count": len(sessions), "passwords": pw,
           "sessions": sessions}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
