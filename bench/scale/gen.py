#!/usr/bin/env python3
"""Generates the bench-scale zone set into DIR:

  isp.example.zone    the ISP's zone: mx1..mx8 with their addresses
  mail.example.zone   DOMAINS mail domains d<N>.mail.example, each with the
                      same 8 MX records (one shared pool), plus OWN domains
                      o<N>.mail.example with 4 exchanges of their own
  names.txt           every mail domain name, for random queries

Addresses are in 198.18.0.0/15.
"""
import sys

def main():
    out, domains, own = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(f"{out}/isp.example.zone", "w") as f:
        f.write("$ORIGIN isp.example.\n$TTL 3600\n"
                "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n"
                "ns1 IN A 198.18.0.53\n")
        for i in range(1, 9):
            f.write(f"mx{i} IN A 198.18.1.{i}\n")
    names = open(f"{out}/names.txt", "w")
    with open(f"{out}/mail.example.zone", "w", buffering=1 << 20) as f:
        f.write("$ORIGIN mail.example.\n$TTL 3600\n"
                "@ IN SOA ns1.isp.example. hostmaster.isp.example. 1 7200 3600 1209600 300\n"
                "@ IN NS ns1.isp.example.\n")
        pool = "".join(f"\tIN MX 10 mx{i}.isp.example.\n" for i in range(1, 9))
        for d in range(domains):
            f.write(f"d{d}{pool}")
            names.write(f"d{d}.mail.example.\n")
        for d in range(own):
            for i in range(1, 5):
                f.write(f"o{d} IN MX 10 mx{i}.o{d}\n")
            for i in range(1, 5):
                f.write(f"mx{i}.o{d} IN A 198.19.{d % 250}.{i}\n")
            names.write(f"o{d}.mail.example.\n")
    names.close()

main()
