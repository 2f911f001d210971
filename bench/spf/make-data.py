#!/usr/bin/python3
"""Writes the SPF benchmark data: a zone with realistic nested includes (shapes of
Google Workspace, Microsoft 365, SendGrid, Mailchimp, Zendesk records under private
names and addresses) and (ip, sender) pairs, deterministic for a given seed.

Usage: make-data.py OUTDIR [PAIRS] [SEED]
Writes OUTDIR/bench.zone (nsd and facteur --dns-zone both read it) and OUTDIR/pairs.txt
("ip sender" per line)."""
import ipaddress
import os
import random
import sys

APEX = "bench.example"


def esps():
    """name -> (record, [networks]) with nesting like the providers publish."""
    r = {}
    nets = {}
    # Google-like: one include of three netblock records.
    for k in range(1, 4):
        n4 = [f"10.{k}.{j}.0/24" for j in range(0, 12)]
        n6 = [f"2001:db8:{k}:{j:x}00::/56" for j in range(0, 4)]
        name = f"_netblocks{k}.g.{APEX}"
        r[name] = "v=spf1 " + " ".join(f"ip4:{n}" for n in n4) + " " + \
            " ".join(f"ip6:{n}" for n in n6) + " ~all"
        nets[name] = n4
    r[f"_spf.g.{APEX}"] = "v=spf1 " + " ".join(
        f"include:_netblocks{k}.g.{APEX}" for k in range(1, 4)) + " ~all"
    nets[f"_spf.g.{APEX}"] = sum((nets[f"_netblocks{k}.g.{APEX}"] for k in range(1, 4)), [])
    # Microsoft-like: two levels.
    for part, base in (("a", 20), ("b", 21)):
        n4 = [f"10.{base}.{j}.0/23" for j in range(0, 16, 2)]
        name = f"spf{part}.outlook.{APEX}"
        r[name] = "v=spf1 " + " ".join(f"ip4:{n}" for n in n4) + \
            f" ip6:2001:db8:{base}::/48 -all"
        nets[name] = n4
    r[f"spf.outlook.{APEX}"] = (f"v=spf1 include:spfa.outlook.{APEX} "
                                f"include:spfb.outlook.{APEX} -all")
    nets[f"spf.outlook.{APEX}"] = nets[f"spfa.outlook.{APEX}"] + nets[f"spfb.outlook.{APEX}"]
    # Single-level senders.
    for name, base in ((f"sendgrid.{APEX}", 30), (f"servers.mcsv.{APEX}", 31),
                       (f"mail.zendesk.{APEX}", 32)):
        n4 = [f"10.{base}.{j}.0/24" for j in range(0, 6)]
        r[name] = "v=spf1 " + " ".join(f"ip4:{n}" for n in n4) + " -all"
        nets[name] = n4
    return r, nets


def txt(rec):
    """Quoted character-strings of at most 255 bytes (RFC 1035 §3.3.14)."""
    return " ".join(f'"{rec[i:i + 255]}"' for i in range(0, len(rec), 255))


def main():
    out = sys.argv[1]
    pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7208)
    records, nets = esps()
    tops = [f"_spf.g.{APEX}", f"spf.outlook.{APEX}", f"sendgrid.{APEX}",
            f"servers.mcsv.{APEX}", f"mail.zendesk.{APEX}"]
    lines = [
        f"$TTL 3600",
        f"{APEX}. IN SOA ns.{APEX}. hostmaster.{APEX}. 1 3600 600 86400 3600",
        f"{APEX}. IN NS ns.{APEX}.",
        f"ns.{APEX}. IN A 127.0.0.1",
    ]
    for name, rec in records.items():
        lines.append(f"{name}. IN TXT {txt(rec)}")
    domains = []
    for n in range(100):
        d = f"c{n}.{APEX}"
        inc = rng.sample(tops, 3)
        mx_ip = f"172.16.{n}.25"
        relay_ip = f"172.17.{n}.10"
        lines.append(f"{d}. IN TXT " + txt(f"v=spf1 mx a:relay.{d} "
                                           + " ".join(f"include:{i}" for i in inc) + " -all"))
        lines.append(f"{d}. IN MX 10 mx1.{d}.")
        lines.append(f"mx1.{d}. IN A {mx_ip}")
        lines.append(f"relay.{d}. IN A {relay_ip}")
        domains.append((d, inc, mx_ip, relay_ip))
    with open(os.path.join(out, "bench.zone"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "pairs.txt"), "w") as f:
        for k in range(pairs):
            d, inc, mx_ip, relay_ip = rng.choice(domains)
            roll = rng.random()
            if roll < 0.45:
                net = ipaddress.ip_network(rng.choice(nets[rng.choice(inc)]))
                ip = str(net[rng.randrange(1, net.num_addresses - 1)])
            elif roll < 0.55:
                ip = rng.choice((mx_ip, relay_ip))
            else:
                ip = f"203.0.113.{rng.randrange(1, 255)}"
            f.write(f"{ip} user{k}@{d}\n")


if __name__ == "__main__":
    main()
