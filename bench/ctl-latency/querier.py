#!/usr/bin/env python3
"""Change-latency querier (bench/ctl-latency), run inside the test host's
namespace: sends MX queries for NAME to SERVER back to back (one outstanding)
and reports on stdout, flushed at once:

    R                      the first answer arrived
    T <monotonic_ns> <s>   the first answer in a new state s, received at
                           CLOCK_MONOTONIC <monotonic_ns>: 1 when HOST is
                           listed drained (its preference above every other
                           record's), 0 when it is listed up, 2 when absent
    S <answers> <lost> <bad> <elapsed_ns>
                           on SIGTERM/SIGINT: totals, then it exits

usage: querier.py SERVER NAME HOST
"""

import signal
import socket
import struct
import sys
import time


def read_name(buf, off):
    """The name at OFF (lower case, with the final dot) and the offset after
    it, following compression pointers."""
    labels = []
    end = None
    for _ in range(128):
        n = buf[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | buf[off + 1]
            continue
        labels.append(buf[off + 1:off + 1 + n].decode("ascii").lower())
        off += 1 + n
    else:
        raise ValueError("compression loop")
    return ".".join(labels) + ".", (end if end is not None else off)


def mx_prefs(r, qlen):
    """(preference, exchange) of each MX record in the answer section."""
    an = struct.unpack("!H", r[6:8])[0]
    off = qlen
    out = []
    for _ in range(an):
        _, off = read_name(r, off)
        typ, _, _, rdlen = struct.unpack("!HHIH", r[off:off + 10])
        off += 10
        if typ == 15:
            out.append((struct.unpack("!H", r[off:off + 2])[0], read_name(r, off + 2)[0]))
        off += rdlen
    return out


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    server, name, host = sys.argv[1], sys.argv[2].lower(), sys.argv[3].lower()
    if not name.endswith("."):
        name += "."
    if not host.endswith("."):
        host += "."
    qname = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")[:-1]) + b"\0"
    tail = qname + struct.pack("!HH", 15, 1)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((server, 53))
    s.settimeout(0.2)
    out = sys.stdout
    prev = None
    answers = lost = bad = 0
    qid = 0
    t_start = time.monotonic_ns()
    while not stop:
        qid = (qid + 1) & 0xFFFF
        q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + tail
        try:
            s.send(q)
            while True:
                r = s.recv(4096)
                if len(r) >= 12 and struct.unpack("!H", r[:2])[0] == qid:
                    break
        except socket.timeout:
            lost += 1
            continue
        except InterruptedError:
            continue
        except OSError as e:
            sys.stderr.write("querier: %s\n" % e)
            break
        t = time.monotonic_ns()
        answers += 1
        try:
            recs = mx_prefs(r, len(q))
        except (ValueError, IndexError, struct.error, UnicodeDecodeError):
            bad += 1
            continue
        mine = [p for p, e in recs if e == host]
        others = [p for p, e in recs if e != host]
        if not mine:
            state = 2
        elif others and mine[0] > max(others):
            state = 1
        else:
            state = 0
        if prev is None:
            out.write("R\n")
        if state != prev:
            out.write("T %d %d\n" % (t, state))
            out.flush()
            prev = state
    out.write("S %d %d %d %d\n" % (answers, lost, bad, time.monotonic_ns() - t_start))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
