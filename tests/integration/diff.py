#!/usr/bin/env python3
"""Differential test of mxlbd against knotd (tests/integration/diff.test.sh).

Sends the same generated queries over UDP to both servers, which serve the
same zone, and compares what comes back: RCODE (with the extended bits),
opcode, the header flags AA TC RD RA AD CD, the question, the OPT record, and
the set of records in each section (owner lower-cased, type, class, TTL,
RDATA; names in RDATA lower-cased), ignoring order. In MX and SRV RRsets of
two or more records (mxlb's pools) the preference / priority is left out:
mxlb rewrites it to steer the selection.

Differences that are deliberate are the DELIBERATE rules below, each with the
RFC that backs mxlb's answer; a rule only excuses the difference it names.
Anything else is a mismatch: the query and both answers are printed, and the
exit status is 1.

Python 3 standard library only: a small DNS encoder and decoder.

usage: diff.py --mxlb ADDR[:PORT] --knot ADDR[:PORT] [--seed N] [--verbose]
       diff.py --list              print the queries, send nothing
"""

import argparse
import random
import socket
import struct
import sys

ZONE = "diff.example."

TYPES = {
    0: "TYPE0", 1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO",
    15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 39: "DNAME", 41: "OPT", 43: "DS",
    44: "SSHFP", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 99: "SPF",
    249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR", 253: "MAILB", 254: "MAILA",
    255: "ANY", 257: "CAA",
}
TYPE_NUM = {v: k for k, v in TYPES.items()}
CLASSES = {1: "IN", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
RCODES = {
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
    5: "REFUSED", 9: "NOTAUTH", 16: "BADVERS", 23: "BADCOOKIE",
}
OPCODES = {0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"}
FLAG_BITS = [("qr", 0x8000), ("aa", 0x0400), ("tc", 0x0200), ("rd", 0x0100),
             ("ra", 0x0080), ("z", 0x0040), ("ad", 0x0020), ("cd", 0x0010)]
# The flags compared (QR is checked apart: every answer must have it).
COMPARED_FLAGS = ("aa", "tc", "rd", "ra", "ad", "cd")


def tname(t):
    return TYPES.get(t, "TYPE%d" % t)


def cname_(c):
    return CLASSES.get(c, "CLASS%d" % c)


# ---------------------------------------------------------------- encoding


def name_wire(name):
    """Uncompressed wire form of a presentation name (no escapes needed)."""
    if name in (".", ""):
        return b"\x00"
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        if not 0 < len(raw) <= 63:
            raise ValueError("bad label in %r" % name)
        out += bytes([len(raw)]) + raw
    out += b"\x00"
    if len(out) > 255:
        raise ValueError("name over 255 octets: %r" % name)
    return out


class Query:
    """One query: name (case kept), type, class, header bits, EDNS."""

    def __init__(self, name, qtype, qclass=1, rd=False, cd=False, ad=False, opcode=0,
                 edns=None, do=False, version=0, options=b"", zflags=0):
        self.name = name
        self.qtype = qtype
        self.qclass = qclass
        self.rd, self.cd, self.ad = rd, cd, ad
        self.opcode = opcode
        self.edns = edns  # None: no OPT; else the advertised UDP payload size
        self.do = do
        self.version = version
        self.options = options  # raw OPT RDATA
        self.zflags = zflags  # EDNS flags other than DO

    def wire(self, qid):
        flags = (self.opcode << 11) | (0x0100 if self.rd else 0) | \
            (0x0020 if self.ad else 0) | (0x0010 if self.cd else 0)
        ar = 1 if self.edns is not None else 0
        out = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, ar)
        out += name_wire(self.name) + struct.pack("!HH", self.qtype, self.qclass)
        if self.edns is not None:
            ttl = (self.version << 16) | (0x8000 if self.do else 0) | self.zflags
            out += b"\x00" + struct.pack("!HHIH", 41, self.edns, ttl, len(self.options))
            out += self.options
        return out

    def __str__(self):
        s = "%s %s %s" % (self.name, cname_(self.qclass), tname(self.qtype))
        bits = [b for b, on in (("+rd", self.rd), ("+cd", self.cd), ("+ad", self.ad)) if on]
        if self.opcode:
            bits.append("opcode=%s" % OPCODES.get(self.opcode, self.opcode))
        if self.edns is None:
            bits.append("noedns")
        else:
            bits.append("edns=%d" % self.edns)
            if self.version:
                bits.append("ednsver=%d" % self.version)
            if self.do:
                bits.append("+do")
            if self.options:
                bits.append("options=%s" % self.options.hex())
            if self.zflags:
                bits.append("ednsflags=0x%04x" % self.zflags)
        return s + " " + " ".join(bits)


# ---------------------------------------------------------------- decoding


class Malformed(Exception):
    pass


def read_name(msg, off):
    """Decompresses the name at OFF; returns (presentation, offset after)."""
    labels = []
    end = None
    hops = 0
    total = 0
    while True:
        if off >= len(msg):
            raise Malformed("name runs past the message")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise Malformed("truncated pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            hops += 1
            if hops > 127:
                raise Malformed("pointer loop")
            continue
        if n & 0xC0:
            raise Malformed("label type 0x%02x" % (n & 0xC0))
        off += 1
        if n == 0:
            break
        raw = msg[off:off + n]
        if len(raw) != n:
            raise Malformed("label runs past the message")
        total += n + 1
        labels.append("".join(
            chr(c) if 0x21 <= c <= 0x7E and chr(c) not in '.\\"()' else
            ("\\" + chr(c) if chr(c) in '.\\"()' else "\\%03d" % c) for c in raw))
        off += n
    if total + 1 > 255:
        raise Malformed("name over 255 octets")
    return (".".join(labels) + "." if labels else "."), (end if end is not None else off)


def char_strings(data):
    out = []
    i = 0
    while i < len(data):
        n = data[i]
        s = data[i + 1:i + 1 + n]
        if len(s) != n:
            raise Malformed("character-string runs past the RDATA")
        out.append('"' + "".join(
            chr(c) if 0x20 <= c <= 0x7E and chr(c) not in '"\\' else
            ("\\" + chr(c) if chr(c) in '"\\' else "\\%03d" % c) for c in s) + '"')
        i += 1 + n
    return out


def rdata_fields(msg, off, rdlen, rtype):
    """RDATA as a list of presentation fields, names lower-cased."""
    end = off + rdlen
    rd = msg[off:end]

    def name_at(o):
        n, o2 = read_name(msg, o)
        return n.lower(), o2

    if rtype == 1 and rdlen == 4:
        return [socket.inet_ntop(socket.AF_INET, rd)]
    if rtype == 28 and rdlen == 16:
        return [socket.inet_ntop(socket.AF_INET6, rd)]
    if rtype in (2, 5, 12, 39):
        n, o = name_at(off)
        if o != end:
            raise Malformed("%s RDATA length" % tname(rtype))
        return [n]
    if rtype == 15 and rdlen >= 3:
        n, o = name_at(off + 2)
        if o != end:
            raise Malformed("MX RDATA length")
        return [str(struct.unpack("!H", rd[:2])[0]), n]
    if rtype == 33 and rdlen >= 7:
        n, o = name_at(off + 6)
        if o != end:
            raise Malformed("SRV RDATA length")
        return [str(x) for x in struct.unpack("!HHH", rd[:6])] + [n]
    if rtype == 6:
        m, o = name_at(off)
        r, o = name_at(o)
        if end - o != 20:
            raise Malformed("SOA RDATA length")
        return [m, r] + [str(x) for x in struct.unpack("!IIIII", msg[o:end])]
    if rtype in (16, 99, 13):
        return char_strings(rd)
    return ["\\#", str(rdlen), rd.hex()] if rdlen else ["\\#", "0"]


class RR:
    __slots__ = ("owner", "rtype", "rclass", "ttl", "fields")

    def __init__(self, owner, rtype, rclass, ttl, fields):
        self.owner, self.rtype, self.rclass, self.ttl, self.fields = \
            owner, rtype, rclass, ttl, fields

    def text(self):
        return "%s %d %s %s %s" % (self.owner, self.ttl, cname_(self.rclass), tname(self.rtype),
                                   " ".join(self.fields))


class Response:
    def __init__(self, msg):
        self.raw = msg
        if len(msg) < 12:
            raise Malformed("%d octets: shorter than a header" % len(msg))
        (self.id, self.flags, qd, an, ns, ar) = struct.unpack("!HHHHHH", msg[:12])
        off = 12
        self.question = []
        qstart = off
        for _ in range(qd):
            n, off = read_name(msg, off)
            if off + 4 > len(msg):
                raise Malformed("question runs past the message")
            t, c = struct.unpack("!HH", msg[off:off + 4])
            off += 4
            self.question.append((n, t, c))
        self.question_wire = msg[qstart:off]
        self.sections = {}
        self.opt = None
        self.nopt = 0
        for sec, count in (("answer", an), ("authority", ns), ("additional", ar)):
            rrs = []
            for _ in range(count):
                owner, off = read_name(msg, off)
                if off + 10 > len(msg):
                    raise Malformed("RR header runs past the message")
                t, c, ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
                off += 10
                if off + rdlen > len(msg):
                    raise Malformed("RDATA runs past the message")
                if t == 41 and sec == "additional":
                    self.nopt += 1
                    self.opt = {"owner": owner, "udp": c, "ext": ttl >> 24,
                                "version": (ttl >> 16) & 0xFF, "flags": ttl & 0xFFFF,
                                "options": msg[off:off + rdlen].hex()}
                else:
                    rrs.append(RR(owner, t, c, ttl, rdata_fields(msg, off, rdlen, t)))
                off += rdlen
            self.sections[sec] = rrs
        self.trailing = len(msg) - off
        self.rcode = (self.flags & 0xF) | ((self.opt["ext"] << 4) if self.opt else 0)
        self.opcode = (self.flags >> 11) & 0xF

    def flag_set(self):
        return {n for n, b in FLAG_BITS if self.flags & b}

    def text(self):
        lines = [";; %s %s, flags: %s; %d octets" % (
            OPCODES.get(self.opcode, self.opcode), RCODES.get(self.rcode, self.rcode),
            " ".join(n for n, b in FLAG_BITS if self.flags & b) or "-", len(self.raw))]
        for n, t, c in self.question:
            lines.append(";; question: %s %s %s" % (n, cname_(c), tname(t)))
        if self.opt:
            o = self.opt
            lines.append(";; OPT: udp %d, version %d, flags 0x%04x, ext-rcode %d%s" % (
                o["udp"], o["version"], o["flags"], o["ext"],
                ", options " + o["options"] if o["options"] else ""))
        for sec in ("answer", "authority", "additional"):
            for rr in self.sections[sec]:
                lines.append("%-10s %s" % (sec, rr.text()))
        return lines


# -------------------------------------------------------------- normalised


def pool_keys(rrs):
    """(owner, type) of the MX and SRV RRsets of two or more records."""
    count = {}
    for rr in rrs:
        if rr.rtype in (15, 33):
            k = (rr.owner.lower(), rr.rtype, rr.rclass)
            count[k] = count.get(k, 0) + 1
    return {k for k, n in count.items() if n >= 2}


def rr_key(rr, pools):
    fields = rr.fields
    if (rr.owner.lower(), rr.rtype, rr.rclass) in pools:
        # mxlb rewrites the preference (MX) or priority (SRV) of its pools
        fields = fields[1:]
    return (rr.owner.lower(), rr.rtype, rr.rclass, rr.ttl, tuple(fields))


def key_text(k):
    return "%s %d %s %s %s" % (k[0], k[3], cname_(k[2]), tname(k[1]), " ".join(k[4]))


class Norm:
    """What is compared of one response."""

    def __init__(self, resp):
        self.resp = resp
        if resp is None:
            return
        self.rcode = resp.rcode
        self.opcode = resp.opcode
        self.flags = resp.flag_set() & set(COMPARED_FLAGS)
        self.qr = bool(resp.flags & 0x8000)
        self.question = resp.question_wire
        self.opt = None
        if resp.opt:
            o = resp.opt
            self.opt = (o["owner"], o["udp"], o["version"], o["flags"], o["options"])
        self.nopt = resp.nopt
        self.sections = {}
        for sec, rrs in resp.sections.items():
            pools = pool_keys(rrs)
            self.sections[sec] = sorted(rr_key(rr, pools) for rr in rrs)

    def fields(self):
        """(name, value) of everything compared."""
        if self.resp is None:
            return [("response", "none")]
        out = [("rcode", RCODES.get(self.rcode, self.rcode)),
               ("opcode", self.opcode),
               ("qr", self.qr),
               ("flags", " ".join(sorted(self.flags))),
               ("question", self.question.hex()),
               ("opt", self.opt), ("opt count", self.nopt)]
        for sec in ("answer", "authority", "additional"):
            out.append((sec, self.sections[sec]))
        return out


def differences(k, m):
    """Names of the compared fields in which K and M differ."""
    if (k.resp is None) != (m.resp is None):
        return ["response"]
    if k.resp is None:
        return []
    kf, mf = dict(k.fields()), dict(m.fields())
    return [f for f, _ in k.fields() if kf[f] != mf[f]]


# ------------------------------------------------------ deliberate differences
#
# Each rule: an id, the RFC behind mxlb's answer, and a function of (query,
# knotd's Norm, mxlbd's Norm, ctx) that returns the compared fields it
# excuses for that query, or nothing when it does not apply. A rule names
# exactly the difference it allows and checks that mxlbd's side of it is
# right (where that needs knotd's answer to another query, ctx.ask_knot
# gets it); every other difference stays a mismatch.


def opt_options(hexstr):
    """(code, data) of each EDNS option in an OPT RDATA given in hex."""
    raw = bytes.fromhex(hexstr)
    out = []
    i = 0
    while i + 4 <= len(raw):
        code, n = struct.unpack("!HH", raw[i:i + 4])
        out.append((code, raw[i + 4:i + 4 + n].hex()))
        i += 4 + n
    return out


def rule_ede(q, k, m, ctx):
    # knotd adds an Extended DNS Error (option 15; info-code 20, "Not
    # Authoritative", on REFUSED). EDE is optional: the option "can be
    # included in any response" (RFC 8914 §2); mxlb's OPT carries no
    # options (DESIGN §4).
    if not (k.opt and m.opt) or k.opt[:4] != m.opt[:4] or m.opt[4] != "":
        return []
    opts = opt_options(k.opt[4])
    if opts and all(code == 15 for code, _ in opts):
        return ["opt"]
    return []


def rule_opcode_notimp(q, k, m, ctx):
    # An opcode other than QUERY: both answer NOTIMP (RFC 8906 §3.1.4);
    # mxlb builds it from the header alone, QDCOUNT 0 (issue 5), since what
    # follows the header of a message of an opcode it does not implement
    # need not be a question (RFC 1035 §4.1.1: NOTIMP, "does not support
    # the requested kind of query"); knotd echoes the question.
    if q.opcode != 0 and k.rcode == m.rcode == 4 and k.opcode == m.opcode == q.opcode \
            and m.question == b"":
        return ["question"]
    return []


def rule_ixfr_udp(q, k, m, ctx):
    # IXFR over UDP: mxlb serves no zone transfers at all and says so with
    # NOTIMP ("does not support the requested kind of query", RFC 1035
    # §4.1.1; IXFR over UDP is optional, RFC 1995 §2); knotd answers NOTAUTH
    # because its transfer ACL (none configured here) refuses the client.
    if q.qtype == 251 and k.rcode == 9 and m.rcode == 4:
        return ["rcode"]
    return []


def one_rrset(norm, qname):
    """The type of the single RRset at QNAME that NORM's answer holds."""
    ans = norm.sections["answer"]
    types = {r[1] for r in ans}
    if ans and len(types) == 1 and all(r[0] == qname.lower() for r in ans):
        return types.pop()
    return None


def rule_any(q, k, m, ctx):
    # QTYPE ANY: RFC 8482 §4.1 lets a responder answer with one RRset of the
    # name, its own choice; knotd and mxlbd choose differently. mxlbd's
    # answer must then be exactly knotd's answer to a query for the type it
    # chose.
    if q.qtype != 255 or not (k.resp and m.resp) or k.rcode != 0 or m.rcode != 0:
        return []
    t = one_rrset(m, q.name)
    if t is None or t == 5:
        return []
    q2 = Query(q.name, t, qclass=q.qclass, rd=q.rd, cd=q.cd, ad=q.ad, edns=q.edns, do=q.do,
               version=q.version, options=q.options, zflags=q.zflags)
    k2 = ctx.ask_knot(q2)
    if k2 is None:
        return []
    left = [f for f in differences(k2, m) if f != "question"]
    return [] if left else differences(k, m)


def rule_cname_dnssec_types(q, k, m, ctx):
    # QTYPE RRSIG or NSEC at a CNAME: mxlb follows the CNAME as for every
    # QTYPE but CNAME (RFC 1034 §4.3.2 step 3.a, RFC 2181 §10.1; NSD does
    # the same in unsigned zones); knotd answers NODATA at the alias, as if
    # RRSIG and NSEC stood beside the CNAME, which RFC 4035 §2.5 provides in
    # signed zones only. mxlb serves no DNSSEC, so no RRSIG or NSEC exists
    # anywhere: mxlbd's answer must be exactly knotd's for a type present
    # nowhere in the zone (TYPE4321), chain and all.
    if q.qtype not in (46, 47) or not m.resp:
        return []
    ans = m.sections["answer"]
    if not any(r[1] == 5 and r[0] == q.name.lower() for r in ans):
        return []
    q2 = Query(q.name, 4321, qclass=q.qclass, rd=q.rd, cd=q.cd, ad=q.ad, edns=q.edns, do=q.do,
               version=q.version, options=q.options, zflags=q.zflags)
    k2 = ctx.ask_knot(q2)
    if k2 is None:
        return []
    left = [f for f in differences(k2, m) if f != "question"]
    return [] if left else differences(k, m)


def rule_qclass_any(q, k, m, ctx):
    # QCLASS * (ANY): mxlb serves class IN only and refuses every other
    # class, QCLASS * included (REFUSED: "refuses to perform the specified
    # operation for policy reasons", RFC 1035 §4.1.1); knotd answers it from
    # its IN data with AA set. RFC 1035 §6.2: a response to QCLASS=* "should
    # never be authoritative unless the server can guarantee that the
    # response covers all classes".
    if q.qclass == 255 and m.resp and m.rcode == 5 and "aa" not in m.flags \
            and not any(m.sections.values()):
        return differences(k, m)
    return []


def rule_qtype_opt(q, k, m, ctx):
    # QTYPE OPT: OPT is a pseudo-RR that exists only in the additional
    # section of a message (RFC 6891 §6.1.1), never as data, so mxlb treats
    # a question for it as malformed: FORMERR with the question echoed and
    # no records; knotd answers NODATA.
    if q.qtype == 41 and m.resp and m.rcode == 1 and not any(
            v for s, v in m.sections.items()):
        return differences(k, m)
    return []


DELIBERATE = [
    ("qtype-opt", "RFC 6891 §6.1.1 (OPT is not data: a question for it is FORMERR)",
     rule_qtype_opt),
    ("ede", "RFC 8914 §2 (Extended DNS Errors are optional)", rule_ede),
    ("opcode-notimp", "RFC 8906 §3.1.4, RFC 1035 §4.1.1 (NOTIMP from the header)",
     rule_opcode_notimp),
    ("ixfr-udp", "RFC 1035 §4.1.1, RFC 1995 §2 (no IXFR: NOTIMP)", rule_ixfr_udp),
    ("any-one-rrset", "RFC 8482 §4.1 (ANY: one RRset of the responder's choice)", rule_any),
    ("cname-rrsig-nsec", "RFC 1034 §4.3.2, RFC 2181 §10.1 (no DNSSEC: CNAME followed)",
     rule_cname_dnssec_types),
    ("qclass-any", "RFC 1035 §4.1.1, §6.2 (QCLASS *: REFUSED, never AA)", rule_qclass_any),
]


# ----------------------------------------------------------------- queries


def mixed_case(name, rnd):
    return "".join(c.upper() if c.isalpha() and rnd.random() < 0.5 else c for c in name)


LONG63 = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"
DIGITS = "1234567890" * 7
LONG255 = ".".join([c + DIGITS[:60] for c in "abc"] + ["d" + DIGITS[:53]])

EXISTING = ["", "ns1", "ns2", "mx1", "mx2", "mx3", "backup", "www", "single", "v6only",
            "solo", "extmx", "flat", "_submission._tcp", "_imap._tcp", "alias", "alias2",
            "alias3", "mxalias", "extalias", "dangling", "toent", "todeleg", "towild", "*.wild",
            "host.wild", "leaf.deep.ent", "ptr", "hinfo", "sshfp", "unk", "big", "huge",
            "manya", LONG63, LONG255]
EMPTY_NONTERMINALS = ["ent", "deep.ent", "_tcp", "wild"]
SYNTHESIZED = ["foo.wild", "a.b.wild", "mx1.wild", "a.wc", "*.wc"]
DELEGATED = ["child", "www.child", "ns1.child", "a.b.child"]
MISSING = ["nope", "nope.www", "x.deep.ent", "missing", "sub.host.wild", "_udp",
           "x.leaf.deep.ent", "b" + DIGITS[:61]]
OUTSIDE = ["example.", "other.test.", "diff.example.com.", "xdiff.example.", "."]

DATA_TYPES = ["A", "AAAA", "NS", "SOA", "MX", "TXT", "SRV", "CNAME", "PTR", "HINFO", "CAA",
              "SSHFP", "DS", "DNSKEY", "RRSIG", "NSEC", "SPF", "ANY", 65280, 4321]
EDNS_CYCLE = [dict(), dict(edns=1232), dict(edns=4096, do=True), dict(edns=512),
              dict(edns=1232, do=True), dict(edns=100)]


def abs_name(rel):
    if rel.endswith(".") or rel == ".":
        return rel
    return ZONE if rel == "" else rel + "." + ZONE


def tnum(t):
    return t if isinstance(t, int) else TYPE_NUM[t]


def generate(seed):
    rnd = random.Random(seed)
    qs = []
    names = EXISTING + EMPTY_NONTERMINALS + SYNTHESIZED + DELEGATED + MISSING
    i = 0
    # every name with every type, EDNS variants in turn, one in four in
    # mixed case, RD on every third
    for rel in names:
        for t in DATA_TYPES:
            n = abs_name(rel)
            if rnd.random() < 0.25:
                n = mixed_case(n, rnd)
            qs.append(Query(n, tnum(t), rd=(i % 3 == 0), **EDNS_CYCLE[i % len(EDNS_CYCLE)]))
            i += 1
    for rel in OUTSIDE:
        for t in ("A", "MX", "NS", "SOA"):
            qs.append(Query(rel, tnum(t), **EDNS_CYCLE[i % len(EDNS_CYCLE)]))
            i += 1
    # sizes that force truncation or dropped additional records
    for rel, t in (("big", "TXT"), ("huge", "TXT"), ("manya", "A"), ("", "MX"),
                   ("_submission._tcp", "SRV"), ("child", "NS"), ("www.child", "A"),
                   ("", "NS"), ("alias3", "A"), ("", "ANY"), ("huge", "ANY")):
        for e in (None, 100, 511, 512, 600, 1232, 1400, 4096, 65535):
            qs.append(Query(abs_name(rel), tnum(t), edns=e, do=(e == 1400)))
    # header variants
    for rd, cd, ad, do in ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (1, 1, 1, 0),
                           (0, 1, 0, 1), (0, 0, 1, 1)):
        for rel, t in (("", "MX"), ("nope", "A"), ("www.child", "A"), ("alias", "A"),
                       ("foo.wild", "MX")):
            qs.append(Query(abs_name(rel), tnum(t), rd=bool(rd), cd=bool(cd), ad=bool(ad),
                            edns=1232 if cd or do else None, do=bool(do)))
    # EDNS variants: version 1 (BADVERS), DO, unknown and well-known options,
    # unknown flags
    for rel, t in (("", "SOA"), ("www", "A"), ("nope", "A"), ("huge", "TXT"),
                   ("www.child", "A"), ("other.test.", "A")):
        qs.append(Query(abs_name(rel), tnum(t), edns=1232, version=1))
        qs.append(Query(abs_name(rel), tnum(t), edns=4096, version=1, do=True))
        qs.append(Query(abs_name(rel), tnum(t), edns=1232, options=b"\xfd\xe9\x00\x02ab"))
        qs.append(Query(abs_name(rel), tnum(t), edns=1232, options=b"\x00\x03\x00\x00"))  # NSID
        qs.append(Query(abs_name(rel), tnum(t), edns=1232, do=True, zflags=0x4001))
    # meta query types and classes
    for rel in ("", "www", "nope"):
        for t in (0, 41, 249, 250, 251, 252, 253, 254):
            qs.append(Query(abs_name(rel), t, **EDNS_CYCLE[i % 2]))
            i += 1
        for c in (3, 4, 254, 255, 2):
            qs.append(Query(abs_name(rel), 1, qclass=c))
    for n in ("id.server.", "hostname.bind.", "version.bind.", "version.server."):
        qs.append(Query(n, 16, qclass=3))
    # opcodes other than QUERY
    for op in (1, 2, 3, 6, 15):
        qs.append(Query(abs_name("www"), 1, opcode=op))
    return qs


# --------------------------------------------------------------- transport


def parse_addr(s, default_port=53):
    if s.startswith("["):
        host, _, port = s[1:].partition("]:")
    elif s.count(":") == 1:
        host, _, port = s.partition(":")
    else:
        host, port = s, ""
    return host, int(port) if port else default_port


class Server:
    def __init__(self, name, addr, timeout):
        self.name = name
        self.addr = parse_addr(addr)
        fam = socket.AF_INET6 if ":" in self.addr[0] else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.timeouts = 0
        self.silent = 0  # queries in a row without a response

    def ask(self, wire, qid, tries):
        """The response to WIRE, None when none came in TRIES attempts."""
        for _ in range(tries):
            self.sock.sendto(wire, self.addr)
            try:
                while True:
                    msg, _ = self.sock.recvfrom(65535)
                    if len(msg) >= 2 and struct.unpack("!H", msg[:2])[0] == qid:
                        return msg
            except socket.timeout:
                self.timeouts += 1
        return None


# -------------------------------------------------------------------- main


def show(name, resp, raw):
    if raw is None:
        return ["  %s: no response" % name]
    if resp is None:
        return ["  %s: %d octets that do not parse" % (name, len(raw))]
    return ["  %s:" % name] + ["    " + l for l in resp.text()]


def field_diff(f, kv, mv):
    if isinstance(kv, list) and isinstance(mv, list):
        ks, ms = list(kv), list(mv)
        only_k = [x for x in ks if x not in ms or ks.count(x) > ms.count(x)]
        only_m = [x for x in ms if x not in ks or ms.count(x) > ks.count(x)]
        out = ["    %s: only knotd: %s" % (f, key_text(x)) for x in sorted(set(only_k))]
        out += ["    %s: only mxlbd: %s" % (f, key_text(x)) for x in sorted(set(only_m))]
        return out
    return ["    %s: knotd %s, mxlbd %s" % (f, kv, mv)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mxlb", default="198.18.0.1:53")
    ap.add_argument("--knot", default="127.0.0.1:53")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--timeout", type=float, default=1.5)
    ap.add_argument("--tries", type=int, default=3)
    ap.add_argument("--list", action="store_true", help="print the queries and exit")
    ap.add_argument("--verbose", action="store_true", help="print every query")
    ap.add_argument("--max-show", type=int, default=40,
                    help="mismatches printed in full (all are counted)")
    args = ap.parse_args()

    queries = generate(args.seed)
    if args.list:
        for q in queries:
            print(q)
        return 0

    knot = Server("knotd", args.knot, args.timeout)
    mxlb = Server("mxlbd", args.mxlb, args.timeout)
    rng = random.Random(args.seed)

    class Ctx:
        @staticmethod
        def ask_knot(q2):
            qid2 = rng.randrange(1, 65536)
            raw2 = knot.ask(q2.wire(qid2), qid2, args.tries)
            try:
                return Norm(Response(raw2)) if raw2 is not None else None
            except Malformed:
                return None

    ctx = Ctx()
    mismatches = 0
    fired = {r[0]: [] for r in DELIBERATE}
    for q in queries:
        qid = rng.randrange(1, 65536)
        wire = q.wire(qid)
        raw = {}
        resp = {}
        problems = []
        for srv in (knot, mxlb):
            raw[srv.name] = srv.ask(wire, qid, args.tries)
            srv.silent = srv.silent + 1 if raw[srv.name] is None else 0
            if srv.silent >= 5:
                print("%s: no response to 5 queries in a row, the last: %s; giving up"
                      % (srv.name, q))
                return 1
            resp[srv.name] = None
            if raw[srv.name] is not None:
                try:
                    resp[srv.name] = Response(raw[srv.name])
                except Malformed as e:
                    problems.append("%s: malformed response: %s" % (srv.name, e))
        k, m = Norm(resp["knotd"]), Norm(resp["mxlbd"])
        if raw["mxlbd"] is not None and resp["mxlbd"] is None:
            pass  # reported through problems
        elif m.resp is not None:
            if not m.qr:
                problems.append("mxlbd: QR clear")
            if m.resp.trailing:
                problems.append("mxlbd: %d octets after the last record" % m.resp.trailing)
            if m.resp.id != qid:
                problems.append("mxlbd: ID changed")
        diff = differences(k, m) if not problems else []
        excused = set()
        by = []
        for rid, _, fn in DELIBERATE:
            if not diff or "response" in diff:
                break  # nothing to excuse, or no response to compare
            ex = set(fn(q, k, m, ctx)) & set(diff)
            if ex:
                excused |= ex
                by.append(rid)
        left = [f for f in diff if f not in excused]
        if diff and not left:
            for rid in by:
                fired[rid].append(q)
        if args.verbose:
            print("%-5s %s%s" % ("ok" if not left and not problems else "DIFF", q,
                                 " (deliberate: %s)" % ", ".join(by) if diff and not left
                                 else ""))
        if left or problems:
            mismatches += 1
            if mismatches <= args.max_show:
                print("MISMATCH %s" % q)
                for p in problems:
                    print("    " + p)
                kf, mf = dict(k.fields()), dict(m.fields())
                for f in left:
                    if f == "response":
                        print("    response: knotd %s, mxlbd %s" % (
                            "none" if k.resp is None else "yes",
                            "none" if m.resp is None else "yes"))
                    else:
                        for line in field_diff(f, kf[f], mf[f]):
                            print(line)
                for line in show("knotd", resp["knotd"], raw["knotd"]):
                    print(line)
                for line in show("mxlbd", resp["mxlbd"], raw["mxlbd"]):
                    print(line)

    print("deliberate differences (each backed by an RFC):")
    for rid, rfc, _ in DELIBERATE:
        print("  %-22s %4d queries  %s" % (rid, len(fired[rid]), rfc))
        for q in fired[rid][:3]:
            print("      e.g. %s" % q)
    print("%d queries, %d mismatches, %d deliberate differences; time-outs: knotd %d, mxlbd %d"
          % (len(queries), mismatches, sum(len(v) for v in fired.values()), knot.timeouts,
             mxlb.timeouts))
    if mismatches > args.max_show:
        print("(%d mismatches not shown)" % (mismatches - args.max_show))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
