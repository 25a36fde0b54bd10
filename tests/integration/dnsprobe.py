#!/usr/bin/env python3
"""DNS probes of the slowpath scenario that kdig cannot make (no packages
beyond the standard library). Every command prints one line per answer:

    id=ID rcode=RCODE tc=0|1 an=ANCOUNT len=OCTETS

  tcp ADDR NAME TYPE            one query over TCP
  tcp-split ADDR NAME TYPE      the length prefix in two segments, then the
                                message in two more, 100 ms apart
  tcp-pipeline ADDR NAME TYPE NAME2 TYPE2
                                two queries in one segment; the answers in
                                the order received
  udp ADDR NAME TYPE            one query over UDP (no EDNS)
  udp-badsum ADDR NAME TYPE     a datagram with a wrong UDP checksum (ID
                                0xbad0), then a good one (ID 0x600d): only
                                answers received within 2 s are printed
  tcp-limit ADDR N              N connections at once, then a query on each:
                                prints "answered K of N"
  tcp-idle ADDR SECONDS         one query, then SECONDS of silence: prints
                                "closed" or "open"
Exit status 1 when an expected answer did not come.
"""
import random
import socket
import struct
import sys
import time

TYPES = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}


def query(name, qtype, qid):
    hdr = struct.pack("!HHHHHH", qid, 0x0000, 1, 0, 0, 0)
    wire = b""
    for label in name.rstrip(".").split("."):
        wire += bytes([len(label)]) + label.encode()
    return hdr + wire + b"\x00" + struct.pack("!HH", TYPES[qtype], 1)


def describe(msg):
    qid, flags, _qd, an = struct.unpack("!HHHH", msg[:8])
    return "id=%d rcode=%d tc=%d an=%d len=%d" % (
        qid, flags & 0xF, (flags >> 9) & 1, an, len(msg))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d octets" % (len(buf), n))
        buf += chunk
    return buf


def tcp_answer(s):
    (n,) = struct.unpack("!H", recv_exact(s, 2))
    return recv_exact(s, n)


def tcp_connect(addr):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(5)
    s.connect((addr, 53))
    return s


def framed(msg):
    return struct.pack("!H", len(msg)) + msg


def cmd_tcp(addr, name, qtype):
    s = tcp_connect(addr)
    s.sendall(framed(query(name, qtype, random.randint(1, 0xFFFF))))
    print(describe(tcp_answer(s)))
    s.close()


def cmd_tcp_split(addr, name, qtype):
    s = tcp_connect(addr)
    m = framed(query(name, qtype, 0x5151))
    for part in (m[:1], m[1:2], m[2:7], m[7:]):
        s.sendall(part)
        time.sleep(0.1)
    print(describe(tcp_answer(s)))
    s.close()


def cmd_tcp_pipeline(addr, name, qtype, name2, qtype2):
    s = tcp_connect(addr)
    s.sendall(framed(query(name, qtype, 0x0001)) + framed(query(name2, qtype2, 0x0002)))
    print(describe(tcp_answer(s)))
    print(describe(tcp_answer(s)))
    s.close()


def cmd_udp(addr, name, qtype):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(query(name, qtype, random.randint(1, 0xFFFF)), (addr, 53))
    print(describe(s.recv(65535)))


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_checksum(src, dst, udp, fam):
    if fam == socket.AF_INET:
        ph = socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) + \
            struct.pack("!BBH", 0, 17, len(udp))
    else:
        ph = socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) + \
            struct.pack("!I3xB", len(udp), 17)
    return csum(ph + udp) or 0xFFFF


def cmd_udp_badsum(addr, name, qtype):
    fam = family(addr)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    s.connect((addr, 53))
    src, sport = s.getsockname()[:2]
    # The bad one: a raw datagram from the same port, checksum off by one.
    payload = query(name, qtype, 0xBAD0)
    udp = struct.pack("!HHHH", sport, 53, 8 + len(payload), 0) + payload
    good = udp_checksum(src, addr, udp, fam)
    bad = good - 1 if good > 1 else 0x1234
    raw = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_UDP)
    raw.sendto(udp[:6] + struct.pack("!H", bad) + udp[8:], (addr, 0))
    time.sleep(0.2)
    s.send(query(name, qtype, 0x600D))
    deadline = time.time() + 2
    got = False
    while time.time() < deadline:
        try:
            print(describe(s.recv(65535)))
            got = True
        except socket.timeout:
            continue
    return 0 if got else 1


def cmd_tcp_limit(addr, n):
    socks = []
    for _ in range(int(n)):
        socks.append(tcp_connect(addr))
        time.sleep(0.05)
    time.sleep(0.3)
    answered = 0
    for i, s in enumerate(socks):
        try:
            s.sendall(framed(query("slow.example", "MX", i + 1)))
            if struct.unpack("!H", tcp_answer(s)[:2])[0] == i + 1:
                answered += 1
        except (OSError, EOFError):
            pass
    print("answered %d of %d" % (answered, len(socks)))
    for s in socks:
        s.close()


def cmd_tcp_idle(addr, seconds):
    s = tcp_connect(addr)
    s.sendall(framed(query("slow.example", "MX", 7)))
    tcp_answer(s)
    time.sleep(float(seconds))
    s.settimeout(1)
    try:
        print("closed" if s.recv(1) == b"" else "open")
    except socket.timeout:
        print("open")
    except OSError:
        print("closed")


def main(argv):
    cmds = {
        "tcp": (cmd_tcp, 3),
        "tcp-split": (cmd_tcp_split, 3),
        "tcp-pipeline": (cmd_tcp_pipeline, 5),
        "udp": (cmd_udp, 3),
        "udp-badsum": (cmd_udp_badsum, 3),
        "tcp-limit": (cmd_tcp_limit, 2),
        "tcp-idle": (cmd_tcp_idle, 2),
    }
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    try:
        return cmds[argv[1]][0](*argv[2:]) or 0
    except (OSError, EOFError) as e:
        print("error %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
