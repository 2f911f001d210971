#!/usr/bin/python3
"""The Debian packages as an administrator meets them: `make deb` builds them (or
finds build-deb/ up to date) and lintian reports no error; `apt-get install ./…deb`
installs them offline; the files, the conffiles, the user facteur, the owners and
modes of /var/lib/facteur and /var/spool/facteur are checked; `systemd-analyze verify`
accepts both units; each daemon is started as systemd would start its unit (systemd is
not PID 1 here: its ExecStart= under setpriv with the unit's User=, capabilities,
directories and environment; debian/README.source says what is and is not reproduced): the
milter answers a milter option negotiation on its socket as the user facteur and opens
its IBAN history, facteur serve (started as root) becomes facteur once bound and takes a
message for a test address; then the packages are purged and nothing of theirs is
left: no file, no folder, no unit link, nothing owned by facteur. The user stays,
as Debian does with system users (debian/README.Debian); the test removes it
afterwards if it made it, and purges the packages even when a case fails.

Needs root and no facteur package installed beforehand (else skipped). Prints TAP.
Usage: test_packaging.py SOURCE_ROOT"""
import glob
import grp
import http.client
import json
import os
import pwd
import re
import shlex
import signal
import smtplib
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(sys.argv[1])
OUT = os.path.join(ROOT, "build-deb")
PACKAGES = ["facteur", "facteur-milter", "facteur-serve"]
results = []
notes = []
state = {}


def run(*args, check=True, timeout=120, **kw):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="en", DEBIAN_FRONTEND="noninteractive")
    env.pop("LANG", None)
    env.update(kw.pop("env", {}))
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: rc {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


class SkipCase(Exception):
    pass


def case(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except SkipCase as e:
        results.append((True, name, f"SKIP {e}"))
    except AssertionError as e:
        results.append((False, name, str(e)))
    except Exception as e:  # a crash of the test itself is a failure too
        results.append((False, name, f"{type(e).__name__}: {e}"))


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def installed(pkg):
    p = run("dpkg-query", "-W", "-f=${db:Status-Status}", pkg, check=False)
    return p.returncode == 0 and p.stdout.strip() not in ("", "not-installed")


def port_free(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_port(port, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def exec_start(unit):
    """The ExecStart= and User= of an installed unit, as systemd would run them."""
    text = open(f"/lib/systemd/system/{unit}").read()
    keys = dict(line.split("=", 1) for line in text.splitlines()
                if line.startswith(("ExecStart=", "User=")))
    return shlex.split(keys["ExecStart"]), keys.get("User")


def systemd_stop(proc):
    """Stops a daemon started by as_systemd_starts, as systemd stops its unit."""
    stop(proc)
    while runtime_dirs:
        subprocess.run(["rm", "-rf", runtime_dirs.pop()], check=False)


def service_keys(unit):
    """The [Service] settings of an installed unit, each key's values in order."""
    keys, section = {}, None
    for line in open(f"/lib/systemd/system/{unit}").read().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            keys.setdefault(k, []).append(v)
    return keys


# The RuntimeDirectory= folders made by as_systemd_starts, removed by systemd_stop as
# systemd removes them when the unit stops (RuntimeDirectoryPreserve=restart keeps them
# across a restart only).
runtime_dirs = []

# systemd 252's PATH for system services (systemd.exec(5), "Environment variables in
# spawned processes").
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def as_systemd_starts(unit):
    """The unit's ExecStart= run as systemd 252 runs it, as far as a process can without
    systemd as PID 1 (debian/README.source says what is and is not reproduced):
    RuntimeDirectory= and StateDirectory= made with their modes and given, recursively,
    to User=/Group= (root when unset, as systemd does), User= and Group= with the
    user's supplementary groups, CapabilityBoundingSet=, AmbientCapabilities=,
    NoNewPrivileges=, UMask=, the working directory /, standard input /dev/null, and
    an environment holding only what systemd sets (PATH, USER/LOGNAME/HOME/SHELL for a
    User=, RUNTIME_DIRECTORY, STATE_DIRECTORY, INVOCATION_ID, Environment=). Returns
    the Popen arguments."""
    keys = service_keys(unit)
    one = lambda k, d=None: keys[k][-1] if k in keys else d  # noqa: E731
    user = one("User", "root")
    pw = pwd.getpwnam(user)
    group = one("Group", grp.getgrgid(pw.pw_gid).gr_name)
    gid = grp.getgrnam(group).gr_gid
    env = {"PATH": SYSTEMD_PATH, "INVOCATION_ID": os.urandom(16).hex()}
    if "User" in keys:
        env.update(USER=user, LOGNAME=user, HOME=pw.pw_dir, SHELL=pw.pw_shell)
    for kind, base, var in (("Runtime", "/run", "RUNTIME_DIRECTORY"),
                            ("State", "/var/lib", "STATE_DIRECTORY")):
        names = " ".join(keys.get(f"{kind}Directory", [])).split()
        mode = int(one(f"{kind}DirectoryMode", "0755"), 8)
        paths = []
        for name in names:
            path = f"{base}/{name}"
            os.makedirs(path, exist_ok=True)
            os.chmod(path, mode)
            # systemd gives the whole tree to the unit's user when the owner differs.
            for d, subdirs, files in os.walk(path):
                for entry in [d] + [os.path.join(d, x) for x in subdirs + files]:
                    os.lchown(entry, pw.pw_uid, gid)
            paths.append(path)
            if kind == "Runtime" and one("RuntimeDirectoryPreserve", "no") != "yes":
                runtime_dirs.append(path)
        if paths:
            env[var] = ":".join(paths)
    for assignment in keys.get("Environment", []):
        for item in shlex.split(assignment):
            k, v = item.split("=", 1)
            env[k] = v
    argv = ["setpriv"]
    if user != "root":
        argv += ["--reuid", str(pw.pw_uid), "--regid", str(gid), "--init-groups"]
    bounding = " ".join(keys.get("CapabilityBoundingSet", [])).split()
    if bounding:
        argv += ["--bounding-set",
                 "-all," + ",".join("+" + c.lower()[4:] for c in bounding)]
    ambient = " ".join(keys.get("AmbientCapabilities", [])).split()
    if ambient:
        caps = ",".join("+" + c.lower()[4:] for c in ambient)
        argv += ["--inh-caps", caps, "--ambient-caps", caps]
    if one("NoNewPrivileges", "no") in ("yes", "true", "1"):
        argv += ["--no-new-privs"]
    command = shlex.split(one("ExecStart"))
    return dict(args=argv + ["--", *command], env=env, cwd="/",
                umask=int(one("UMask", "0022"), 8), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# Each case below runs once, in this order.

def t_build_and_lintian():
    t0 = time.monotonic()
    # The unit suite runs in `make test` already: the package build skips it.
    p = run(os.path.join(ROOT, "scripts", "build-deb"), OUT, check=False, timeout=1500,
            env={"DEB_BUILD_OPTIONS": "nocheck"})
    notes.append(f"scripts/build-deb: {time.monotonic() - t0:.0f} s; "
                 f"{(p.stdout.strip().splitlines() or [''])[-1]}")
    expect(p.returncode == 0, f"build-deb failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    lint = open(os.path.join(OUT, "lintian.txt")).read()
    expect(not any(line.startswith("E: ") for line in lint.splitlines()), lint)
    for pkg in PACKAGES:
        debs = glob.glob(os.path.join(OUT, f"{pkg}_*.deb"))
        expect(len(debs) == 1, f"{pkg}: {debs}")
        state.setdefault("debs", []).append(debs[0])
    # The library is static only: no libfacteur package (debian/README.source).
    expect(not glob.glob(os.path.join(OUT, "libfacteur*.deb")), "an empty libfacteur package")


def t_install_offline():
    expect("debs" in state, "no packages built")
    t0 = time.monotonic()
    state["installing"] = True
    # apt-get with no source of packages at all: it can only take the dependencies
    # installed already, never the network (its --no-download refuses local files).
    with tempfile.TemporaryDirectory() as empty:
        sources = os.path.join(empty, "sources.list")
        open(sources, "w").close()
        run("apt-get", "install", "-y", "--no-install-recommends",
            "-o", f"Dir::Etc::SourceList={sources}", "-o", f"Dir::Etc::SourceParts={empty}",
            "-o", "DPkg::Lock::Timeout=120", *state["debs"], timeout=600)
    notes.append(f"apt-get install: {time.monotonic() - t0:.1f} s")
    for pkg in PACKAGES:
        expect(installed(pkg), f"{pkg} is not installed")


def files_of(pkg):
    return run("dpkg-query", "-L", pkg).stdout.split("\n")


def t_files():
    files = {pkg: set(files_of(pkg)) for pkg in PACKAGES}
    state["files"] = files
    cmds = run("/usr/bin/facteur", "--help").stdout.split("Commands:\n", 1)[1]
    cmds = [line.split()[0] for line in cmds.split("\n\n", 1)[0].splitlines() if line.strip()]
    want = {
        "facteur": ["/usr/bin/facteur", "/usr/libexec/facteur-extract",
                    "/usr/share/locale/fr/LC_MESSAGES/facteur.mo",
                    "/usr/share/man/man1/facteur.1.gz", "/usr/share/doc/facteur/copyright",
                    "/usr/share/doc/facteur/MILTER.md", "/usr/share/doc/facteur/SERVE.md"]
        + [f"/usr/share/man/man1/facteur-{c}.1.gz" for c in cmds
           if c not in ("milter", "serve")],
        "facteur-milter": ["/lib/systemd/system/facteur-milter.service",
                           "/etc/facteur/milter.conf",
                           "/usr/share/man/man8/facteur-milter.8.gz"],
        "facteur-serve": ["/lib/systemd/system/facteur-serve.service",
                          "/etc/facteur/serve.conf", "/usr/share/man/man8/facteur-serve.8.gz"],
    }
    for pkg, paths in want.items():
        for path in paths:
            expect(path in files[pkg], f"{pkg} lacks {path}")
            expect(os.path.isfile(path), f"{path} is not on disk")
    for pkg, conf in (("facteur-milter", "/etc/facteur/milter.conf"),
                      ("facteur-serve", "/etc/facteur/serve.conf")):
        conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", pkg).stdout
        expect(conf in conffiles, f"{conf} is not a conffile of {pkg}: {conffiles}")
    # The installed command runs with its catalogs and its helper.
    p = run("/usr/bin/facteur", "check", os.path.join(ROOT, "examples", "rib-fraud.eml"),
            "--ip", "192.0.2.200", "--dns-zone", os.path.join(ROOT, "examples", "check.zone"),
            "--no-blocklists", "--lang", "fr", "--now", "1767225600")
    expect("/10" in p.stdout, p.stdout[:400])
    fr = run("/usr/bin/facteur", "--help", env={"LANGUAGE": "fr", "LC_ALL": "fr_FR.UTF-8"},
             check=False).stdout
    expect(re.search(r"Commandes\s*:", fr), f"no French from the installed catalog: {fr[:300]}")


def t_user_and_owners():
    u = pwd.getpwnam("facteur")
    expect(u.pw_uid < 1000, f"uid {u.pw_uid} is not a system uid")
    expect(u.pw_shell in ("/usr/sbin/nologin", "/bin/false"), u.pw_shell)
    expect(u.pw_dir == "/var/lib/facteur", u.pw_dir)
    expect(grp.getgrgid(u.pw_gid).gr_name == "facteur", "primary group is not facteur")
    for d in ("/var/lib/facteur", "/var/spool/facteur"):
        st = os.stat(d)
        expect(stat.S_ISDIR(st.st_mode), d)
        expect((st.st_uid, st.st_gid) == (u.pw_uid, u.pw_gid),
               f"{d} owned by {st.st_uid}:{st.st_gid}")
        expect(stat.S_IMODE(st.st_mode) == 0o750, f"{d} mode {oct(st.st_mode)}")
    for conf in ("/etc/facteur/milter.conf", "/etc/facteur/serve.conf"):
        st = os.stat(conf)
        expect(st.st_uid == 0 and not st.st_mode & 0o022, f"{conf}: {oct(st.st_mode)}")


def t_units_verify():
    for unit in ("facteur-milter.service", "facteur-serve.service"):
        p = run("systemd-analyze", "verify", f"/lib/systemd/system/{unit}", check=False)
        ours = [line for line in (p.stdout + p.stderr).splitlines() if "facteur" in line]
        expect(p.returncode == 0 and not ours, f"{unit}: rc {p.returncode} {ours}")
        # Enabled at install (started by postinst where systemd runs).
        expect(os.path.islink(f"/etc/systemd/system/multi-user.target.wants/{unit}"),
               f"{unit} is not enabled")


def milter_negotiate(port):
    """SMFIC_OPTNEG (libmilter protocol version 6) and the answer's command byte."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        body = b"O" + struct.pack("!III", 6, 0x1FF, 0x1FFFFF)
        s.sendall(struct.pack("!I", len(body)) + body)
        head = s.recv(4, socket.MSG_WAITALL)
        size = struct.unpack("!I", head)[0]
        reply = s.recv(size, socket.MSG_WAITALL)
        return reply[:1], struct.unpack("!I", reply[1:5])[0]


def t_milter_as_its_unit_starts_it():
    _, user = exec_start("facteur-milter.service")
    expect(user is None, f"the milter unit sets User={user}: it starts as root")
    if not port_free(8891):
        raise SkipCase("127.0.0.1:8891 (milter.conf's socket) is used by another program")
    proc = subprocess.Popen(**as_systemd_starts("facteur-milter.service"))
    try:
        wait_port(8891, proc)
        cmd, version = milter_negotiate(8891)
        expect(cmd == b"O" and version >= 2, f"answer {cmd} version {version}")
        # The process that talks to Postfix became facteur once bound.
        uid = int([line for line in open(f"/proc/{proc.pid}/status")
                   if line.startswith("Uid:")][0].split()[1])
        expect(uid == pwd.getpwnam("facteur").pw_uid, f"the milter runs as uid {uid}")
        # Its IBAN history (db= of milter.conf), opened as facteur after the switch: the
        # unit must leave /var/lib/facteur to it.
        db = "/var/lib/facteur/milter.db"
        expect(os.path.exists(db) and os.stat(db).st_uid == pwd.getpwnam("facteur").pw_uid,
               f"{db} not made by the milter as facteur")
    finally:
        systemd_stop(proc)
    expect(proc.returncode == 0, f"the milter exited with {proc.returncode}: "
           f"{proc.stderr.read()[-500:]}")


def t_serve_as_its_unit_starts_it():
    _, user = exec_start("facteur-serve.service")
    expect(user is None, f"the serve unit sets User={user}: it starts as root")
    for port in (2525, 8080):
        if not port_free(port):
            raise SkipCase(f"127.0.0.1:{port} (serve.conf's) is used by another program")
    proc = subprocess.Popen(**as_systemd_starts("facteur-serve.service"))
    try:
        wait_port(8080, proc)
        wait_port(2525, proc)
        # The process that parses SMTP and HTTP became facteur once bound (--user).
        uid = int([line for line in open(f"/proc/{proc.pid}/status")
                   if line.startswith("Uid:")][0].split()[1])
        expect(uid == pwd.getpwnam("facteur").pw_uid, f"facteur serve runs as uid {uid}")
        c = http.client.HTTPConnection("127.0.0.1", 8080, timeout=10)
        c.request("POST", "/api/tests")
        r = c.getresponse()
        body = r.read()
        expect(r.status in (200, 201), f"POST /api/tests: {r.status} {body[:200]}")
        address = json.loads(body)["address"]
        with smtplib.SMTP("127.0.0.1", 2525, timeout=20) as s:
            s.sendmail("a@example.test", [address],
                       "From: a@example.test\r\nTo: " + address
                       + "\r\nSubject: packaging\r\n\r\nHello.\r\n")
        spooled = [f for f in os.listdir("/var/spool/facteur") if not f.startswith(".")]
        expect(spooled, "nothing in /var/spool/facteur after the 250")
        expect(os.path.exists("/var/lib/facteur/facteur.db"), "no /var/lib/facteur/facteur.db")
    finally:
        systemd_stop(proc)


def t_purge_leaves_nothing():
    expect(state.get("installing"), "nothing was installed")
    purge()
    for pkg in PACKAGES:
        p = run("dpkg-query", "-W", "-f=${db:Status-Status}", pkg, check=False)
        expect(p.returncode != 0 or p.stdout.strip() == "not-installed",
               f"{pkg} is still {p.stdout.strip()} (not purged)")
    left = [f for pkg in PACKAGES for f in state.get("files", {}).get(pkg, ())
            if f and os.path.lexists(f) and not os.path.isdir(f)]
    expect(not left, f"files left: {left}")
    for path in ("/etc/facteur", "/var/lib/facteur", "/var/spool/facteur",
                 "/run/facteur-milter",
                 "/etc/systemd/system/multi-user.target.wants/facteur-milter.service",
                 "/etc/systemd/system/multi-user.target.wants/facteur-serve.service"):
        expect(not os.path.lexists(path), f"{path} is left")
    owned = run("find", "/etc", "/var", "/usr", "/run", "-xdev", "-user", "facteur",
                check=False).stdout.split()
    expect(not owned, f"still owned by facteur: {owned}")
    # Debian leaves system users in place (debian/README.Debian).
    expect(pwd.getpwnam("facteur"), "the user facteur is gone")


def purge():
    if state.pop("purged", False):
        return
    state["purged"] = True
    run("dpkg", "--purge", *reversed(PACKAGES), timeout=300,
        check=False)


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (apt-get install, a system user)")
        return
    already = [p for p in PACKAGES if installed(p)]
    if already:
        print(f"1..0 # SKIP {already} installed on this machine: not touched")
        return
    # A timeout of meson test (SIGTERM) still purges: the finally below runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    user_before = True
    try:
        pwd.getpwnam("facteur")
    except KeyError:
        user_before = False
    try:
        for name, fn in [("build_and_lintian", t_build_and_lintian),
                         ("install_offline", t_install_offline),
                         ("files", t_files), ("user_and_owners", t_user_and_owners),
                         ("units_verify", t_units_verify),
                         ("milter_as_its_unit_starts_it", t_milter_as_its_unit_starts_it),
                         ("serve_as_its_unit_starts_it", t_serve_as_its_unit_starts_it),
                         ("purge_leaves_nothing", t_purge_leaves_nothing)]:
            case(name, fn)
    finally:
        # The machine as it was, whatever failed: packages purged, the user made by
        # the installation removed by the test (the packages leave it on purpose).
        if state.get("installing"):
            purge()
        if not user_before:
            run("deluser", "--system", "--quiet", "facteur", check=False)
            run("delgroup", "--system", "--quiet", "facteur", check=False)
    print(f"1..{len(results)}")
    for i, (ok, name, why) in enumerate(results, 1):
        if why.startswith("SKIP"):
            print(f"ok {i} - packaging/{name} # {why}")
            continue
        print(f"{'ok' if ok else 'not ok'} {i} - packaging/{name}")
        if not ok:
            for line in why.splitlines():
                print(f"# {line}")
    for n in notes:
        print(f"# {n}")


main()
sys.exit(0)
