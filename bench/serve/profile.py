#!/usr/bin/env python3
"""Instructions per request of `fortress serve` under callgrind (issue 17's
benchmark; bench/README.md).  Makes a vault with serve_bench.make_vault, starts
the server under `valgrind --tool=callgrind` with instrumentation off, signs in,
warms the route, then turns instrumentation on (callgrind_control -i on), sends
N requests from C connections side by side, turns it off and stops the
server.  Prints the instructions collected divided by N, and the group
commit's entries per transaction.

    profile.py --fortress F --gen GEN --route get|find [-n 400] [-c 16] [--warm 16] [--out callgrind.out]
"""
import argparse, os, re, shutil, subprocess, sys, tempfile, threading, time
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_bench import totp, start, stop, request, signin, make_vault  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortress", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--route", choices=("get", "find"), default="get")
    ap.add_argument("-n", type=int, default=400)
    ap.add_argument("-c", type=int, default=16)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--out", default="callgrind.out.serve")
    ap.add_argument("--warm", type=int, default=16, help="warm-up requests per connection")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="fortress-serve-prof-")
    srv = None
    try:
        passphrase, enrol, email, senv = make_vault(a.fortress, a.gen, a.clients, tmp)
        sport = os.path.join(tmp, "serve.port")
        out = os.path.abspath(a.out)
        srv, port = start(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=" + out,
                           a.fortress, "--quiet", "serve", "--listen", "127.0.0.1:0", "--port-file", sport], sport, senv)
        sid, _ = signin(port, "bench", passphrase, totp(enrol["secret"], time.time() + 30))
        r, j = request(port, "GET", "/api/clients?limit=1", cookie=sid)
        cid = j["clients"][0]["id"]
        path = "/api/clients/" + cid if a.route == "get" else "/api/clients?email=" + email

        def loop(k, count):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for _ in range(count):
                c.request("GET", path, headers={"Cookie": "fortress_session=" + sid})
                resp = c.getresponse()
                resp.read()
                if resp.status != 200:
                    raise SystemExit("profile: %s: %d" % (path, resp.status))
            c.close()

        def burst(total):
            ts = [threading.Thread(target=loop, args=(k, total // a.c)) for k in range(a.c)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()

        burst(a.c * a.warm)  # warm: the session's handles open
        subprocess.run(["callgrind_control", "-i", "on", str(srv.pid)], check=True, capture_output=True)
        burst(a.n)
        subprocess.run(["callgrind_control", "-i", "off", str(srv.pid)], check=True, capture_output=True)
        stop(srv)
        log = srv.stderr.read().decode(errors="replace")
        srv = None
        total = 0
        with open(out) as f:
            for line in f:
                if line.startswith("totals:") or line.startswith("summary:"):
                    total = max(total, int(line.split()[1]))
        m = re.search(r"audit group commit: (\d+) entries in (\d+) transactions", log)
        per = "%.1f" % (int(m.group(1)) / int(m.group(2))) if m else "?"
        n = (a.n // a.c) * a.c
        print("%s: %d requests, %d connections: %.0f instructions per request (entries per transaction, whole run: %s); %s"
              % (a.route, n, a.c, total / n, per, out))
        return 0
    finally:
        stop(srv)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
