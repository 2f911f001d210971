"""A small scripted IMAP4rev1 server on loopback (RFC 9051 subset) for the tests of
facteur reports ingest imap://: CAPABILITY, LOGIN, SELECT/EXAMINE, UID SEARCH, UID FETCH
and FETCH of BODY[], LOGOUT. One mailbox, INBOX, holding the given messages with UIDs 1..n.
Records every command it receives (passwords included) for the test to look at."""
import re
import socketserver
import threading


class Handler(socketserver.StreamRequestHandler):
    def send(self, text):
        self.wfile.write(text.encode() if isinstance(text, str) else text)

    def handle(self):
        srv = self.server
        self.send("* OK [CAPABILITY IMAP4rev1] facteur test IMAP ready\r\n")
        logged_in = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            srv.log.append(line)
            parts = line.split(" ", 2)
            if len(parts) < 2:
                self.send("* BAD no tag\r\n")
                continue
            tag, cmd = parts[0], parts[1].upper()
            rest = parts[2] if len(parts) > 2 else ""
            if cmd == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1\r\n" f"{tag} OK CAPABILITY completed\r\n")
            elif cmd == "LOGIN":
                args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', rest)]
                if args == [srv.user, srv.password]:
                    logged_in = True
                    self.send(f"{tag} OK LOGIN completed\r\n")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
            elif cmd == "LOGOUT":
                self.send(f"* BYE\r\n{tag} OK LOGOUT completed\r\n")
                return
            elif not logged_in:
                self.send(f"{tag} NO not logged in\r\n")
            elif cmd in ("SELECT", "EXAMINE"):
                if rest.strip('"').upper() != "INBOX":
                    self.send(f"{tag} NO [NONEXISTENT] no such mailbox\r\n")
                    continue
                self.send(f"* {len(srv.messages)} EXISTS\r\n* 0 RECENT\r\n"
                          "* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 7] UIDs valid\r\n"
                          f"* OK [UIDNEXT {len(srv.messages) + 1}] next\r\n"
                          f"{tag} OK [READ-WRITE] SELECT completed\r\n")
            elif cmd == "UID" and rest.upper().startswith("SEARCH"):
                uids = " ".join(str(i + 1) for i in range(len(srv.messages)))
                self.send(f"* SEARCH {uids}\r\n{tag} OK SEARCH completed\r\n")
            elif (cmd == "UID" and rest.upper().startswith("FETCH")) or cmd == "FETCH":
                words = rest.split()
                number = words[1] if cmd == "UID" else words[0]
                n = int(number)
                if not 1 <= n <= len(srv.messages):
                    self.send(f"{tag} OK FETCH completed\r\n")
                    continue
                body = srv.messages[n - 1]
                self.send(f"* {n} FETCH (UID {n} BODY[] {{{len(body)}}}\r\n")
                self.send(body)
                self.send(f")\r\n{tag} OK FETCH completed\r\n")
            else:
                self.send(f"{tag} BAD unknown command\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(messages, user, password):
    srv = Server(("127.0.0.1", 0), Handler)
    srv.messages, srv.user, srv.password, srv.log = list(messages), user, password, []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]

