#!/usr/bin/python3
"""Sanity-check a capture against its truth file (standard library only).

    check_pcap.py FILE.pcap [FILE.truth.json]

Fails if any packet is truncated (caplen < len), any TCP payload exceeds
1448 bytes, or the number of TCP connections (client SYNs) differs from the
truth's session count; also checks the truth's client ports appear as SYNs.
"""
import json
import struct
import sys

MAX_PAYLOAD = 1448


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = hdr[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            e = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            e = ">"
        else:
            raise SystemExit("%s: not a classic pcap file" % path)
        linktype = struct.unpack(e + "I", hdr[20:24])[0]
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                return
            _, _, incl, orig = struct.unpack(e + "IIII", ph)
            yield linktype, incl, orig, f.read(incl)


def main():
    path = sys.argv[1]
    n = truncated = maxpay = 0
    syns, ports = [], set()
    for lt, incl, orig, data in packets(path):
        n += 1
        if incl < orig:
            truncated += 1
        if lt == 1:            # Ethernet
            if struct.unpack("!H", data[12:14])[0] != 0x0800:
                continue
            ip = data[14:]
        elif lt == 113:        # Linux cooked
            ip = data[16:]
        elif lt in (101, 228):  # raw IPv4
            ip = data
        else:
            raise SystemExit("unexpected link type %d" % lt)
        if ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:tot]
        sport, dport = struct.unpack("!HH", tcp[:4])
        off = (tcp[12] >> 4) * 4
        flags = tcp[13]
        pay = len(tcp) - off
        maxpay = max(maxpay, pay)
        if flags & 0x02 and not flags & 0x10:
            syns.append((sport, dport))
            ports.add(sport)
    ok = True
    msg = "%s: %d packets, %d connections, max payload %d" % (path, n, len(syns), maxpay)
    if truncated:
        msg += ", %d TRUNCATED" % truncated
        ok = False
    if maxpay > MAX_PAYLOAD:
        msg += ", payload > %d" % MAX_PAYLOAD
        ok = False
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            truth = json.load(f)
        want = len(truth["sessions"])
        msg += ", truth sessions %d" % want
        if want != len(syns):
            ok = False
            msg += " MISMATCH"
        for i, s in enumerate(truth["sessions"]):
            p = s.get("client_port")
            if p and i < len(syns) and p != syns[i][0]:
                ok = False
                msg += " (session %d port %s != SYN order %s)" % (i, p, syns[i][0])
    print(msg)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
