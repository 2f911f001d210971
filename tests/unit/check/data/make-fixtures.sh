#!/bin/sh
# Regenerates the signed fixtures of tests/unit/check/data and their keys' records in
# keys.zone: DKIM RSA 2048 and 1024 (facteur), rsa-sha1 (dkimpy: facteur signs only
# SHA-256), l= with appended text, a tampered body, List-Unsubscribe covered or not, an
# ARC set sealed and one broken. Usage: make-fixtures.sh BUILD_DIR (needs python3-dkim).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
facteur="$(cd "$1" && pwd)/facteur"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t=1700000000

"$facteur" dkim keygen --json --domain example.com --selector s2048 --out "$work" > "$work/k1.json"
"$facteur" dkim keygen --json --domain example.com --selector s1024 --bits 1024 --out "$work" > "$work/k2.json"
{
  echo "; DKIM keys of the signed fixtures (make-fixtures.sh)."
  for k in k1 k2; do
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["name"] + ". 300 IN TXT " + d["txt"])' "$work/$k.json"
  done
  # The 2048-bit key again, published in testing mode (t=y, RFC 6376 §3.6.1).
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("stest._domainkey.example.com. 300 IN TXT " + d["txt"] + " \"; t=y\"")' "$work/k1.json"
} > "$here/keys.zone"

base() {
  printf 'From: News <news@example.com>\r\nTo: Client <client@example.org>\r\nSubject: %s\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <%s@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n%b\r\nHello,\r\nthe November figures are attached to our portal.\r\n' "$1" "$2" "$3"
}
sign() { # key selector in out [options]
  key=$1 sel=$2 in=$3 out=$4; shift 4
  "$facteur" dkim sign --domain example.com --selector "$sel" --key "$work/$key" --timestamp $t "$@" "$in" > "$out"
}

base "Figures" "signed.1" "" > "$work/plain.eml"
sign s2048.private s2048 "$work/plain.eml" "$here/signed.eml"
sign s1024.private s1024 "$work/plain.eml" "$here/signed-1024.eml"
sign s2048.private s2048 "$work/plain.eml" "$work/l.eml" --body-length
{ cat "$work/l.eml"; printf 'P.S. pay the new account FR7630006000011234567890189\r\n'; } > "$here/signed-l-appended.eml"
{ cat "$work/l.eml"; printf 'P.S. our portal moved: https://portal.example-secure.example/login\r\n'; } > "$here/signed-l-link.eml"
{ cat "$work/l.eml"; printf -- '-- \r\nYou receive this list as client@example.org.\r\n'; } > "$here/signed-l-footer.eml"
sed 's/November figures/December figures/' "$here/signed.eml" > "$here/signed-tampered.eml"
sed 's/ s=s2048;/ s=stest;/' "$here/signed-tampered.eml" > "$here/signed-tampered-testing.eml"
/usr/bin/python3 - "$work/s2048.private" "$work/plain.eml" "$here/signed-sha1.eml" <<'PY'
import dkim, sys
key = open(sys.argv[1], "rb").read()
msg = open(sys.argv[2], "rb").read()
sig = dkim.sign(msg, b"s2048", b"example.com", key, signature_algorithm=b"rsa-sha1",
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
open(sys.argv[3], "wb").write(sig + msg)
PY

lu='List-Unsubscribe: <https://example.com/u/1>, <mailto:unsubscribe@example.com>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nList-Id: <news.example.com>\r\n'
base "Newsletter" "bulk.1" "$lu" > "$work/bulk.eml"
sign s2048.private s2048 "$work/bulk.eml" "$here/bulk-one-click.eml" \
  --headers from:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post:list-id
sign s2048.private s2048 "$work/bulk.eml" "$here/bulk-one-click-unsigned.eml" \
  --headers from:to:subject:date:message-id

"$facteur" arc seal --domain example.com --selector s2048 --key "$work/s2048.private" \
  --authserv-id mx.example.com --results "spf=pass smtp.mailfrom=example.com" \
  --timestamp $t "$here/signed.eml" > "$here/arc-sealed.eml"
sed 's/November figures/October figures/' "$here/arc-sealed.eml" > "$here/arc-broken.eml"
