#!/usr/bin/env python3
"""A vault whose audit log holds batches of the server's group commit
(entries of the second format, one signature per actor and batch), for
tests/e2e/t0410-audit-batch.sh to tamper with.

    batch_vault.py --fortress build/fortress --out DB

Three users (serverkit's team vault) read side by side through `fortress
serve` until some transaction holds entries of two actors, one of them with
two entries or more (an entry vouched for by a signature after it); then the
server stops (SIGTERM) and the vault is copied to DB.  Exit 0, or 1 when no
such batch came in 60 s."""
import argparse, os, shutil, sqlite3, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
# always a vault file (t0410 moves it into a database on its PostgreSQL run):
# serverkit would make a database when FORTRESS_TEST_STORE is set
os.environ.pop("FORTRESS_TEST_STORE", None)
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import serverkit as kit  # noqa: E402
from test_groupcommit import Reader, sign_in  # noqa: E402


def good_batch(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        for (b,) in db.execute("SELECT batch FROM audit WHERE batch IS NOT NULL GROUP BY batch "
                               "HAVING count(DISTINCT actor_id) >= 2 AND count(*) > count(sig)"):
            return b
    finally:
        db.close()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortress", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fortress-batch-") as tmp:
        kit.setup(a.fortress, tmp)
        kit.team_vault()
        for i in range(4):
            kit.fort("client", "add", "--set", "full_name=Client %d" % i, "--set", "email=c%d@example.org" % i)
        ids = [c["id"] for c in __import__("json").loads(kit.fort("--json", "client", "list").stdout)]
        srv = kit.Server("--quiet")
        found = None
        try:
            stop = threading.Event()
            threads = []
            for user in ("anna", "sam", "zoe"):
                sid = sign_in(srv, user)
                threads += [Reader(srv.port, sid, user, ids, stop) for _ in range(4)]
            for t in threads:
                t.start()
            deadline = time.time() + 60
            while time.time() < deadline and found is None:
                time.sleep(0.5)
                found = good_batch(kit.VAULT)
            stop.set()
            for t in threads:
                t.join(60)
            if srv.stop() != 0:
                print("batch_vault: the server did not stop cleanly", file=sys.stderr)
                return 1
        finally:
            srv.stop()
            srv.close()
        if found is None:
            print("batch_vault: no batch of two actors with a vouched-for entry in 60 s", file=sys.stderr)
            return 1
        for ext in ("", "-wal"):
            if os.path.exists(kit.VAULT + ext):
                shutil.copy(kit.VAULT + ext, a.out + ext)
    return 0


if __name__ == "__main__":
    sys.exit(main())
