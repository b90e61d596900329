#!/usr/bin/env python3
"""`fortress serve` under wrk (issue 17's benchmark), called by bench/run.sh.

On loopback, 16 connections, for each of: a masked client read
(GET /api/clients/{id}) and a find by e-mail (GET /api/clients?email=...)
by one signed-in session; and, in the same run, a minimal libmicrohttpd
server with the same thread model returning a fixed body (mhd_fixed).
Prints requests/s and p99 latency of each, their ratio to the baseline
(goal >= 0.5), each server's CPU time and context switches per request
(CPU from /proc, context switches from perf stat: they vary less with the
machine's load than requests/s), the
memory each open session adds to the server, and the sign-in time
(Argon2id-dominated).

    serve_bench.py --fortress F --gen GEN --fixed MHD_FIXED [--clients N] [--seconds S]
Exit status: 0 goals met, 1 a goal MISSED, 2 the benchmark failed.
"""
import argparse, base64, hashlib, hmac, http.client, json, os, re, shutil, statistics, struct
import signal, subprocess, sys, tempfile, time

GOAL = 0.5


def totp(secret_b32, t):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t // 30)), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


def start(cmd, portfile, env=None):
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(400):
        if os.path.exists(portfile) and open(portfile).read().strip():
            return p, int(open(portfile).read())
        if p.poll() is not None:
            raise SystemExit("bench: %s exited: %s" % (cmd[0], p.stderr.read().decode()))
        time.sleep(0.05)
    p.kill()
    raise SystemExit("bench: %s did not start" % cmd[0])


def stop(p):
    if p and p.poll() is None:
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def request(port, method, path, body=None, cookie=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"Content-Type": "application/json"} if body is not None else {}
    if cookie:
        h["Cookie"] = "fortress_session=" + cookie
    c.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, (json.loads(data) if data else None)


def signin(port, user, passphrase, code):
    t0 = time.monotonic()
    r, j = request(port, "POST", "/api/session", {"user": user, "passphrase": passphrase, "code": code})
    dt = time.monotonic() - t0
    if r.status != 201:
        raise SystemExit("bench: sign-in failed: %d %s" % (r.status, j))
    return re.match(r"fortress_session=([^;]+)", r.getheader("Set-Cookie")).group(1), dt


def make_vault(fortress, gen, clients, tmp):
    """The benchmark's vault in TMP (made 0700): a generated passphrase,
    CLIENTS clients from GEN imported, the owner "bench" enrolled for the
    server's second factor.  Returns (passphrase, the enrolment's JSON, the
    e-mail of the middle client (a find that finds one), the environment
    for `fortress serve` (the vault, no passphrase file))."""
    os.chmod(tmp, 0o700)
    pf = os.path.join(tmp, "pass")
    passphrase = subprocess.run([fortress, "passphrase", "generate"], capture_output=True, text=True, check=True).stdout.strip()
    with open(pf, "w") as f:
        f.write(passphrase + "\n")
    os.chmod(pf, 0o600)
    vault = os.path.join(tmp, "vault")
    env = dict(os.environ, FORTRESS_VAULT=vault, FORTRESS_PASSPHRASE_FILE=pf, HOME=tmp, XDG_RUNTIME_DIR=tmp)
    run = lambda *args: subprocess.run([fortress] + list(args), env=env, capture_output=True, text=True, check=True).stdout
    run("init", "--country", "DE", "--name", "Bench GmbH", "--owner", "bench", "--kdf", "interactive")
    csv = os.path.join(tmp, "clients.csv")
    with open(csv, "w") as f:
        subprocess.run([gen, str(clients)], stdout=f, check=True)
    run("client", "import", csv)
    with open(csv) as f:
        head = f.readline().strip().split(",")
        rows = f.read().splitlines()
    email = rows[len(rows) // 2].split(",")[head.index("email")]
    enrol = json.loads(run("--json", "user", "totp", "enroll"))
    env.pop("FORTRESS_PASSPHRASE_FILE")
    return passphrase, enrol, email, env


def cpu_seconds(pid):
    """User and system CPU seconds of PID so far, its ended threads' too (/proc)."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    return int(st[11]) / tck, int(st[12]) / tck  # utime, stime: fields 14, 15


def switches_start(pid, path):
    """`perf stat -e context-switches` on PID and the threads it starts
    (a thread per connection ends with its connection, and /proc forgets
    an ended thread's switches); None without perf."""
    if not shutil.which("perf"):
        return None
    p = subprocess.Popen(["perf", "stat", "-x,", "-e", "context-switches", "-p", str(pid), "-o", path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)  # attached before the load starts
    return p if p.poll() is None else None


def switches_end(p, path):
    if not p:
        return None
    p.send_signal(signal.SIGINT)
    p.wait(30)
    try:
        with open(path) as f:
            m = re.search(r"^(\d+),[^,]*,context-switches", f.read(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def wrk(url, seconds, cookie=None, pid=None, tmp=None):
    """requests/s, p99 ms, socket errors; with PID, also that process's CPU
    microseconds and context switches (None: no perf) per request over the
    run, in wrk.per_request."""
    cmd = ["wrk", "-t2", "-c16", "-d%ds" % seconds, "--latency"]
    if cookie:
        cmd += ["-H", "Cookie: fortress_session=" + cookie]
    if pid:
        sw_path = os.path.join(tmp or tempfile.gettempdir(), "switches.%d" % pid)
        sw = switches_start(pid, sw_path)
        c0 = cpu_seconds(pid)
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    if pid:
        c1 = cpu_seconds(pid)
        nsw = switches_end(sw, sw_path)
        n = wrk.n = max(1, int(re.search(r"(\d+) requests in", out).group(1)))
        user, system = (c1[0] - c0[0]) * 1e6 / n, (c1[1] - c0[1]) * 1e6 / n
        wrk.per_request = (user + system, nsw / n if nsw is not None else None, user, system)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if non2xx:
        raise SystemExit("bench: %s: %s non-2xx responses\n%s" % (url, non2xx.group(1), out))
    return rps, p99, errors.group(1) if errors else ""


def run_floor(a, tmp, mode=None):
    """The masked read's ceiling by design (mhd_floor.c; MODE "tpc": a thread
    per connection, as fortress serve): req/s, p99, CPU per request, and its
    group commit's entries per transaction."""
    fport = os.path.join(tmp, "floor.port")
    if os.path.exists(fport):
        os.unlink(fport)
    p, port = start([a.floor, fport, tmp] + ([mode] if mode else []), fport)
    try:
        with open(os.path.join(tmp, "floor.session")) as f:
            cookie, cid = f.read().split()
        r, j = request(port, "GET", "/api/clients/" + cid, cookie=cookie)
        if r.status != 200 or "fields" not in j:
            raise SystemExit("bench: mhd_floor answered %d %s" % (r.status, j))
        r, j = request(port, "GET", "/api/clients/" + cid, cookie="wrong")
        if r.status != 401:
            raise SystemExit("bench: mhd_floor let a wrong session in: %d" % r.status)
        rps, p99, err = wrk("http://127.0.0.1:%d/api/clients/%s" % (port, cid), a.seconds, cookie, p.pid, tmp)
        use = wrk.per_request
    finally:
        stop(p)
    log = p.stderr.read().decode(errors="replace")
    m = re.search(r"audit group commit: (\d+) entries in (\d+) transactions", log)
    return {"rps": rps, "p99": p99, "err": err, "use": use,
            "batch": int(m.group(1)) / max(1, int(m.group(2))) if m else 0.0}


def print_floor(floors, fix_rps, get_rps):
    print("  ceiling by design (mhd_floor: session, decrypt 8 fields, seal check, audit entry group-committed"
          " with fdatasync and one signature per batch, masked JSON):")
    for name, fl in zip(("masked read floor (mhd_fixed's threads)", "masked read floor (thread/connection)"), floors):
        print("  %-34s %10.0f %10.2f %8.2f  (fortress's masked read: %.0f %% of it)" %
              (name, fl["rps"], fl["p99"], fl["rps"] / fix_rps, 100.0 * get_rps / fl["rps"]))
    for name, fl in zip(("floor's CPU a request", "floor's CPU a request (thr/conn)"), floors):
        u = fl["use"]
        print("  %-34s %8.1f us %8s   (user %.1f + system %.1f us; %.1f entries per fdatasync)" %
              (name, u[0], "%.2f" % u[1] if u[1] is not None else "n/a", u[2], u[3], fl["batch"]))
        if fl["err"]:
            print("  wrk socket errors (floor): " + fl["err"])


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortress", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--fixed", required=True)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--floor", help="mhd_floor: the masked read's ceiling by design (bench/README.md)")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        print("bench: wrk is missing: install the package 'wrk' (scripts/install-deps.sh)", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="fortress-serve-bench-")
    srv = base = None
    try:
        passphrase, enrol, email, senv = make_vault(a.fortress, a.gen, a.clients, tmp)
        recovery = list(enrol["recovery_codes"])

        sport = os.path.join(tmp, "serve.port")
        srv, port = start([a.fortress, "--quiet", "serve", "--listen", "127.0.0.1:0", "--port-file", sport], sport, senv)
        rss0 = rss_kib(srv.pid)
        # sign-in: Argon2id (this vault's cost: interactive, 64 MiB) dominates
        times = []
        sid, dt = signin(port, "bench", passphrase, totp(enrol["secret"], time.time() + 30))
        times.append(dt)
        r, j = request(port, "GET", "/api/clients?limit=1", cookie=sid)
        cid = j["clients"][0]["id"]
        r, j = request(port, "GET", "/api/clients?email=" + email, cookie=sid)
        if r.status != 200 or len(j["ids"]) != 1:
            raise SystemExit("bench: the find by e-mail found %s" % j)
        rss1 = rss_kib(srv.pid)
        others = []
        for i in range(min(a.sessions, len(recovery))):
            s, dt = signin(port, "bench", passphrase, recovery[i])
            times.append(dt)
            request(port, "GET", "/api/clients/" + cid, cookie=s)  # opens its handle
            others.append(s)
        rss2 = rss_kib(srv.pid)
        per_session = (rss2 - rss1) / max(1, len(others))

        url = "http://127.0.0.1:%d" % port
        get_rps, get_p99, get_err = wrk(url + "/api/clients/" + cid, a.seconds, sid, srv.pid, tmp)
        get_use = wrk.per_request
        find_rps, find_p99, find_err = wrk(url + "/api/clients?email=" + email, a.seconds, sid, srv.pid, tmp)
        find_use = wrk.per_request
        rss3 = rss_kib(srv.pid)  # the benchmarked session now has a handle per request it ran side by side
        bport = os.path.join(tmp, "fixed.port")
        base, bp = start([a.fixed, bport], bport)
        fix_rps, fix_p99, fix_err = wrk("http://127.0.0.1:%d/api/clients/%s" % (bp, cid), a.seconds, None, base.pid, tmp)
        fix_use = wrk.per_request
        stop(base)
        base = None
        floor = [run_floor(a, tmp), run_floor(a, tmp, "tpc")] if a.floor else None
        stop(srv)
        log = srv.stderr.read().decode(errors="replace")
        srv = None
        # the server's group commit at stop: entries and the transactions (one fsync each) they took
        m = re.search(r"audit group commit: (\d+) entries in (\d+) transactions", log)
        entries, commits = (int(m.group(1)), int(m.group(2))) if m else (0, 0)

        ok = True
        print("fortress serve, wrk -t2 -c16 -d%ds on loopback, %d clients, one session (its default pool of 4 threads, answers held until durable):" % (a.seconds, a.clients))
        print("  %-34s %10s %10s %8s" % ("", "req/s", "p99 ms", "ratio"))
        print("  %-34s %10.0f %10.2f %8s" % ("baseline: mhd_fixed (fixed body)", fix_rps, fix_p99, "1.00"))
        for name, rps, p99 in (("masked read GET /api/clients/{id}", get_rps, get_p99),
                               ("find GET /api/clients?email=", find_rps, find_p99)):
            ratio = rps / fix_rps
            verdict = "ok" if ratio >= GOAL else "MISSED"
            ok = ok and ratio >= GOAL
            print("  %-34s %10.0f %10.2f %8.2f  goal >= %.1f: %s" % (name, rps, p99, ratio, GOAL, verdict))
        print("  per request: the server's CPU (user + system, all its threads, /proc) and context switches"
              " (perf stat, all its threads):")
        for name, u in (("baseline: mhd_fixed", fix_use), ("masked read", get_use), ("find", find_use)):
            print("  %-34s %8.1f us %8s   (user %.1f + system %.1f us)" % (name, u[0], "%.2f" % u[1] if u[1] is not None else "n/a (no perf)",
                                                                     u[2], u[3]))
        if floor:
            print_floor(floor, fix_rps, get_rps)
        for e in (get_err, find_err, fix_err):
            if e:
                print("  wrk socket errors: " + e)
        print("the benchmarked session after 16 connections (up to 16 handles, one per request side by side): RSS %d -> %d KiB"
              " (+%d KiB)" % (rss2, rss3, rss3 - rss2))
        if commits:
            print("audit entries written by the group commit: %d in %d transactions (one fsync each): %.1f entries per"
                  " transaction, %.3f transactions per request (the whole run)" % (entries, commits, entries / commits, commits / entries))
        print("memory per open session (its keys and its vault handle, after one request): %.0f KiB"
              " (RSS %d -> %d KiB over %d sessions; the server alone: %d KiB)" % (per_session, rss1, rss2, len(others), rss0))
        print("sign-in: median %.0f ms over %d (Argon2id at this vault's cost, interactive: 64 MiB; it dominates;"
              " the default 'moderate' costs more)" % (statistics.median(times) * 1000, len(times)))
        print(json.dumps({"bench": "serve", "seconds": a.seconds, "connections": 16, "fixed_rps": round(fix_rps),
                          "get_rps": round(get_rps), "get_p99_ms": get_p99, "find_rps": round(find_rps), "find_p99_ms": find_p99,
                          "get_ratio": round(get_rps / fix_rps, 3), "find_ratio": round(find_rps / fix_rps, 3),
                          "fixed_cpu_us": round(fix_use[0], 1), "get_cpu_us": round(get_use[0], 1), "find_cpu_us": round(find_use[0], 1),
                          "get_sys_us": round(get_use[3], 1), "find_sys_us": round(find_use[3], 1), "fixed_sys_us": round(fix_use[3], 1),
                          "rss_16_kib": rss3 - rss2,
                          "get_ctx": get_use[1] and round(get_use[1], 2), "find_ctx": find_use[1] and round(find_use[1], 2),
                          "fixed_ctx": fix_use[1] and round(fix_use[1], 2),
                          "floor_rps": floor and round(floor[0]["rps"]), "floor_ratio": floor and round(floor[0]["rps"] / fix_rps, 3),
                          "floor_cpu_us": floor and round(floor[0]["use"][0], 1),
                          "floor_tpc_rps": floor and round(floor[1]["rps"]), "floor_tpc_ratio": floor and round(floor[1]["rps"] / fix_rps, 3),
                          "floor_tpc_cpu_us": floor and round(floor[1]["use"][0], 1),
                          "session_kib": round(per_session), "audit_entries": entries, "audit_commits": commits, "signin_ms": round(statistics.median(times) * 1000), "ok": ok}))
        return 0 if ok else 1
    finally:
        stop(base)
        stop(srv)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
