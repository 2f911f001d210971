#!/usr/bin/python3
"""Writes a zone file and a domain list for the domain-audit benchmark: N domains with
the shapes real domains have (one or two MX hosts, SPF with includes, DKIM at a common
selector, DMARC at various policies, MTA-STS and TLS-RPT on some, a few broken ones).
Deterministic (seeded). Also writes the same data as zones nsd can serve (DIR/nsd/:
bench.example, the two providers, 10.in-addr.arpa), without the per-domain NS records,
which would be delegations there. Usage: make-zone.py DIR [N]"""
import os
import random
import sys

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rng = random.Random(7)
ED25519 = "Bo4TtZW44PFCQoEiLtM42thb1cNZ+ITW7a09BCOQUsU="
lines = ["$TTL 3600",
         # Two shared "providers", as most domains include one.
         'spf.provider-a.example. TXT "v=spf1 ip4:198.51.100.0/24 ip4:203.0.113.0/25 -all"',
         'spf.provider-b.example. TXT "v=spf1 include:spf2.provider-b.example -all"',
         'spf2.provider-b.example. TXT "v=spf1 ip6:2001:db8::/32 ~all"']
domains = []
for i in range(n):
    d = f"d{i}.bench.example"
    domains.append(d)
    ip = f"10.{(i >> 8) & 255}.{i & 255}.{1 + i % 250}"
    rev = ".".join(reversed(ip.split(".")))
    lines.append(f"{d}. NS ns1.{d}.")
    if i % 50 != 7:  # 2% have no MX
        lines.append(f"{d}. MX 10 mx1.{d}.")
        lines.append(f"mx1.{d}. A {ip}")
        if i % 3 == 0:
            lines.append(f"{d}. MX 20 mx2.{d}.")
            lines.append(f"mx2.{d}. AAAA 2001:db8::{i % 65535:x}")
        if i % 10 != 3:
            lines.append(f"{rev}.in-addr.arpa. PTR mx1.{d}.")
    inc = rng.choice(["include:spf.provider-a.example ", "include:spf.provider-b.example ", ""])
    if i % 25 != 4:
        lines.append(f'{d}. TXT "v=spf1 mx {inc}{rng.choice(["-all", "~all", "?all"])}"')
    if i % 4 != 1:
        sel = rng.choice(["default", "selector1", "google", "s1", "mail"])
        lines.append(f'{sel}._domainkey.{d}. TXT "v=DKIM1; k=ed25519; p={ED25519}"')
    if i % 5 != 2:
        p = rng.choice(["none", "quarantine", "reject"])
        lines.append(f'_dmarc.{d}. TXT "v=DMARC1; p={p}; rua=mailto:dmarc@{d}"')
    if i % 6 == 0:
        lines.append(f'_mta-sts.{d}. TXT "v=STSv1; id={i}"')
        lines.append(f'_smtp._tls.{d}. TXT "v=TLSRPTv1; rua=mailto:tls@{d}"')
with open(f"{out}/bench.zone", "w") as f:
    f.write("\n".join(lines) + "\n")
with open(f"{out}/domains.txt", "w") as f:
    f.write("\n".join(domains) + "\n")

# The same records as authoritative zones for nsd.
os.makedirs(f"{out}/nsd", exist_ok=True)
zones = {"bench.example": [], "provider-a.example": [], "provider-b.example": [],
         "10.in-addr.arpa": []}
for line in lines[1:]:
    owner = line.split()[0].rstrip(".")
    if " NS " in line:
        continue
    for z in zones:
        if owner == z or owner.endswith("." + z):
            zones[z].append(line)
            break
for z, records in zones.items():
    with open(f"{out}/nsd/{z}.zone", "w") as f:
        f.write(f"$TTL 3600\n{z}. SOA ns1.bench.example. hostmaster.bench.example. "
                "1 7200 900 1209600 300\n"
                f"{z}. NS ns1.bench.example.\n")
        if z == "bench.example":
            f.write("ns1.bench.example. A 127.0.0.1\n")
        f.write("\n".join(records) + "\n")
