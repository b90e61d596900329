#!/usr/bin/env python3
"""Two `fortress serve` processes on one PostgreSQL vault serve the same
team correctly (issue 19 item 2, "Done when"): servers A and B on two
loopback ports, one database of the ctest fixture "pg" (serverkit with
FORTRESS_TEST_STORE), a team of three: anna (owner), sam (staff: no
financial key) and zoe (role "assistant": identity and contact, read and
reveal only; no bank details, no writes).

  * a client added through A is found, read (masked) and revealed through
    B; sam and zoe on B see no bank details;
  * a consent withdrawn on B refuses the next read for that purpose on A;
  * a user removed (keys rotated) while signed in on B: the open session on
    B ends at its next request, and a new sign-in on B is refused;
  * a key rotation through A's web form: B's open sessions re-read the keys
    and write with the new versions only (every record decrypts after);
  * 2 servers x 8 threads adding clients and racing for the same e-mails for
    a bounded time: no acknowledged write lost, no e-mail held twice, every
    record decrypts, one `add` entry per acknowledged add, `audit verify`;
  * two `fortress mail send` at once on one outbox: each message reaches
    the SMTP sink (tests/e2e/smtp_sink.py) once.

    test_pg_two_servers.py --fortress build/fortress --root .

Skipped (77) without the pg fixture's server (FORTRESS_TEST_STORE).
"""
import json, os, re, subprocess, sys, threading, time, unittest
import serverkit as kit
from serverkit import PASS, fort, passfile, Server, Session, SmtpSink

# seconds the writers of test_5 write for (bounded: the machine is shared)
WRITE_SECONDS = float(os.environ.get("FORTRESS_TEST_WRITE_SECONDS", "8"))
THREADS = 8
IBAN = "DE89370400440532013000"


def exported_emails():
    """Every client's e-mail, read by revealing every record (the CLI's
    export as the owner): fails if any record does not decrypt."""
    out = os.path.join(kit.TMP, "export.csv")
    if os.path.exists(out):
        os.unlink(out)
    fort("client", "export", "--purpose", "service", "--format", "csv", "-o", out)
    with open(out) as f:
        return re.findall(r"[a-z0-9.+-]+@example\.org", f.read())


class TwoServersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = Server()
        cls.b = Server()

    @classmethod
    def tearDownClass(cls):
        for srv in (cls.a, cls.b):
            kit.stop_clean(srv)

    def add(self, s, name, email, iban=None):
        fields = {"full_name": name, "email": email}
        if iban:
            fields["iban"] = iban
        r, j = s.req("POST", "/api/clients", {"fields": fields})
        self.assertEqual(r.status, 201, j)
        return j["id"]

    def test_1_added_on_a_found_read_revealed_on_b(self):
        anna_a, anna_b = Session(self.a, "anna"), Session(self.b, "anna")
        sam_b, zoe_b = Session(self.b, "sam"), Session(self.b, "zoe")
        # B's sessions have read before A writes: their handles are warm
        for s in (anna_b, sam_b, zoe_b):
            r, j = s.req("GET", "/api/clients?email=jana@example.org")
            self.assertEqual((r.status, j["ids"]), (200, []))
        cid = self.add(anna_a, "Jana Schmidt", "jana@example.org", IBAN)
        for s in (anna_b, sam_b, zoe_b):
            r, j = s.req("GET", "/api/clients?email=jana@example.org")
            self.assertEqual((r.status, j["ids"]), (200, [cid]), "%s on B finds the client A added" % s.user)
        r, j = anna_b.req("GET", "/api/clients/" + cid)
        self.assertEqual(r.status, 200, j)
        self.assertFalse(j["fields"]["iban"]["revealed"])
        self.assertNotIn(IBAN, json.dumps(j), "a read is masked")
        self.assertEqual(j["fields"]["full_name"]["value"][:1], "J")
        r, j = anna_b.req("POST", "/api/clients/%s/reveal" % cid, {"purpose": "billing", "fields": ["iban", "email"]})
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["fields"]["iban"], {"value": IBAN, "revealed": True})
        self.assertEqual(j["fields"]["email"], {"value": "jana@example.org", "revealed": True})
        # the roles without the financial key: no bank details on B either
        for s in (sam_b, zoe_b):
            r, j = s.req("GET", "/api/clients/" + cid)
            self.assertEqual(r.status, 200, j)
            self.assertNotIn("DE89", json.dumps(j))
            r, j = s.req("POST", "/api/clients/%s/reveal" % cid, {"purpose": "billing", "fields": ["iban"]})
            self.assertEqual((r.status, j["error"]["code"]), (403, "EDENIED"), "%s may not reveal the IBAN" % s.user)
        r, j = zoe_b.req("POST", "/api/clients/%s/reveal" % cid, {"purpose": "billing", "fields": ["email"]})
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["fields"]["email"]["value"], "jana@example.org")
        r, j = zoe_b.req("POST", "/api/clients", {"fields": {"full_name": "Not Allowed", "email": "no@example.org"}})
        self.assertEqual(r.status, 403, "the assistant role may not write: %s" % j)

    def test_2_consent_withdrawn_on_b_refuses_on_a(self):
        anna_a, anna_b = Session(self.a, "anna"), Session(self.b, "anna")
        cid = self.add(anna_a, "Karl Busch", "karl@example.org")
        notice = os.path.join(kit.TMP, "notice.txt")
        with open(notice, "w") as f:
            f.write("We write to you about our offers.\n")
        fort("consent", "grant", cid, "marketing", "--channel", "web", "--notice-file", notice)
        body = {"purpose": "marketing", "fields": ["email"]}
        r, j = anna_a.req("POST", "/api/clients/%s/reveal" % cid, body)
        self.assertEqual(r.status, 200, "with consent, A reveals for marketing: %s" % j)
        r, j = anna_b.req("POST", "/api/clients/%s/consent" % cid, {"action": "withdraw", "purpose": "marketing", "channel": "email"})
        self.assertEqual(r.status, 201, j)
        # A's session handle is the one that read before: the very next read is refused
        r, j = anna_a.req("POST", "/api/clients/%s/reveal" % cid, body)
        self.assertEqual(r.status, 403, "A still reveals for marketing after B recorded the withdrawal: %s" % j)
        self.assertIn("marketing", j["error"]["message"])

    def test_3_removed_user_cannot_sign_in_and_open_session_ends(self):
        kit.add_user("kim", "staff")
        anna_a = Session(self.a, "anna")
        cid = self.add(anna_a, "Lena Vogel", "lena@example.org", IBAN)
        kim_b = Session(self.b, "kim")
        r, j = kim_b.req("GET", "/api/clients/" + cid)
        self.assertEqual(r.status, 200, j)
        anna_b = Session(self.b, "anna")
        r, j = anna_b.req("GET", "/api/clients/" + cid)
        self.assertEqual(r.status, 200, j)
        # a second factor for the next sign-in, made while kim still may
        secret, _ = kit.enroll("kim")
        # the removal (no HTTP route removes a user: the owner's CLI, a
        # third process on the same database); it rotates every key kim held
        rm = json.loads(fort("--json", "user", "remove", "kim").stdout)
        self.assertTrue(rm["rotation"]["keys"], rm)
        r, j = kim_b.req("GET", "/api/clients/" + cid)
        self.assertEqual((r.status, j["error"]["code"]), (403, "EDENIED"),
                         "kim's open session on B must stop at its next request: %s" % j)
        self.assertIn("'kim' was removed", j["error"]["message"])
        r, j = kim_b.req("GET", "/api/status")
        self.assertEqual(r.status, 401, "and the session is ended: %s" % j)
        r, j = self.b.request("POST", "/api/session", {"user": "kim", "passphrase": PASS["kim"],
                                                         "code": kit.totp(secret, time.time() + 30)})
        self.assertIn(r.status, (401, 403), "a removed user cannot sign in on B: %s" % j)
        # the others' open sessions on B carry on with the rotated keys
        r, j = anna_b.req("POST", "/api/clients/%s/reveal" % cid, {"purpose": "billing", "fields": ["iban"]})
        self.assertEqual((r.status, j["fields"]["iban"]["value"] if r.status == 200 else j), (200, IBAN))
        self.assertIn("lena@example.org", exported_emails())

    def test_4_rotation_on_a_seen_by_b(self):
        anna_a, anna_b, sam_b = Session(self.a, "anna"), Session(self.b, "anna"), Session(self.b, "sam")
        cid = self.add(anna_b, "Otto Rot", "otto@example.org", IBAN)
        for s in (anna_b, sam_b):   # warm handles on B, holding today's key versions
            r, j = s.req("GET", "/api/clients/" + cid)
            self.assertEqual(r.status, 200, j)
        before = kit.query("SELECT id, vk_version FROM clients WHERE id = ?", (int(cid[2:], 16),))
        r, _ = anna_a.form("/keys/rotate", [("key", "all")])
        self.assertEqual(r.status, 200, "the rotation through A's web form")
        after = kit.query("SELECT id, vk_version FROM clients WHERE id = ?", (int(cid[2:], 16),))
        self.assertNotEqual(before, after, "A re-encrypted the record under new key versions")
        # B writes through the handles it had before the rotation
        new_b = self.add(anna_b, "Paula Neu", "paula@example.org", IBAN)
        r, j = anna_b.req("PATCH", "/api/clients/" + cid, {"fields": {"email": "otto.rot@example.org"}})
        self.assertEqual(r.status, 200, j)
        new_sam = self.add(sam_b, "Sam Added", "sam.added@example.org")
        current = kit.query("SELECT vk_version FROM clients WHERE id = ?", (int(cid[2:], 16),))
        for c in (new_b, new_sam):
            self.assertEqual(kit.query("SELECT vk_version FROM clients WHERE id = ?", (int(c[2:], 16),)), current,
                             "B wrote %s with the current key version" % c)
        # every record decrypts (through A, and all of them through the CLI)
        for c, email in ((cid, "otto.rot@example.org"), (new_b, "paula@example.org"), (new_sam, "sam.added@example.org")):
            r, j = anna_a.req("POST", "/api/clients/%s/reveal" % c, {"purpose": "billing", "fields": ["email"]})
            self.assertEqual(r.status, 200, j)
            self.assertEqual(j["fields"]["email"]["value"], email)
        r, j = anna_a.req("POST", "/api/clients/%s/reveal" % new_b, {"purpose": "billing", "fields": ["iban"]})
        self.assertEqual((r.status, j.get("fields", {}).get("iban", {}).get("value")), (200, IBAN), j)
        have = exported_emails()
        for email in ("otto.rot@example.org", "paula@example.org", "sam.added@example.org"):
            self.assertIn(email, have)

    def test_5_concurrent_writers_on_both_servers(self):
        sessions = [Session(self.a, "anna"), Session(self.b, "sam")]
        n_clients = kit.count("SELECT count(*) FROM clients")
        n_add = kit.count("SELECT count(*) FROM audit WHERE action = 'add' AND result = 'ok'")
        results = []
        lock = threading.Lock()
        end = time.monotonic() + WRITE_SECONDS

        def writer(si, t):
            s = sessions[si]
            i = 0
            mine = []
            while time.monotonic() < end:
                i += 1
                for email in ("w%d-%d-%d@example.org" % (si, t, i), "race-%d@example.org" % i):
                    try:
                        r, j = s.req("POST", "/api/clients", {"fields": {"full_name": "Writer %d %d Number %d" % (si, t, i),
                                                                         "email": email}})
                        mine.append((r.status, email, (j or {}).get("id") if r.status == 201 else
                                     (j or {}).get("error", {}).get("message", "")))
                    except OSError as e:
                        mine.append((0, email, str(e)))
            with lock:
                results.extend(mine)

        ts = [threading.Thread(target=writer, args=(si, t)) for si in range(2) for t in range(THREADS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        acked = [(e, x) for st, e, x in results if st == 201]
        dups = [e for st, e, x in results if st == 409]
        busy = [e for st, e, x in results if st == 503]
        other = [(st, e, x) for st, e, x in results if st not in (201, 409, 503)]
        print("    %d acknowledged adds, %d duplicates refused, %d busy" % (len(acked), len(dups), len(busy)))
        self.assertEqual(other, [], "unexpected answers")
        self.assertGreaterEqual(len(acked), 2 * THREADS, "each writer got at least one add through")
        self.assertTrue(all("already has the same email" in x for st, e, x in results if st == 409))
        # no acknowledged write lost, nothing unacknowledged added, every record decrypts
        have = exported_emails()
        acked_emails = sorted(e for e, _ in acked)
        self.assertEqual(kit.count("SELECT count(*) FROM clients"), n_clients + len(acked))
        missing = set(acked_emails) - set(have)
        self.assertEqual(missing, set(), "acknowledged adds missing")
        self.assertEqual(len(have), len(set(have)), "an e-mail held twice")
        # each contested e-mail: at most one winner, every other try told it is a duplicate
        for email in sorted({e for _, e, _ in results if e.startswith("race-")}):
            won = sum(1 for st, e, _ in results if e == email and st == 201)
            lost = sum(1 for st, e, _ in results if e == email and st == 409)
            tried = sum(1 for st, e, _ in results if e == email)
            self.assertLessEqual(won, 1, email)
            if won:
                self.assertEqual(won + lost + sum(1 for st, e, _ in results if e == email and st == 503), tried, email)
        # the log: one 'add' entry per acknowledged add, one chain
        self.assertEqual(kit.count("SELECT count(*) FROM audit WHERE action = 'add' AND result = 'ok'"), n_add + len(acked))
        seqs = [int(x[0]) for x in kit.query("SELECT seq FROM audit ORDER BY seq")]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))), "the chain's seqs are one gapless order")
        v = fort("audit", "verify", check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn("audit chain OK", v.stdout + v.stderr)

    def test_6_two_senders_do_not_double_send(self):
        maildir = os.path.join(kit.TMP, "mail")
        os.mkdir(maildir)
        sink = SmtpSink(maildir)
        try:
            for k, val in (("smtp.host", "127.0.0.1"), ("smtp.port", sink.port), ("smtp.security", "none"),
                           ("smtp.from", "office@example.org")):
                fort("mail", "set", k, val)
            n = 24
            for i in range(n):
                fort("mail", "queue", "--to", "m%d@example.org" % i, "--subject", "Letter %d" % i, "--text",
                     "Hello number %d" % i, "--ref", "two:%d" % i)
            env = dict(os.environ, FORTRESS_VAULT=kit.VAULT, FORTRESS_PASSPHRASE_FILE=passfile("anna"))
            procs = [subprocess.Popen([kit.FORTRESS, "--json", "mail", "send", "--ref", "two:"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
            outs = [p.communicate(timeout=300) for p in procs]
            for p, (o, e) in zip(procs, outs):
                self.assertEqual(p.returncode, 0, e)
            sent = [json.loads(o)["sent"] for o, _ in outs]
            print("    the two senders sent %s" % sent)
            self.assertEqual(sum(sent), n, "together the senders sent each message once: %s" % sent)
            msgs = sink.messages()
            subjects = sorted(re.search(rb"^Subject: (.*)$", m, re.M).group(1).decode().strip() for m in msgs)
            self.assertEqual(len(msgs), n, "messages the SMTP server received")
            self.assertEqual(subjects, sorted("Letter %d" % i for i in range(n)), "each message once")
            out = json.loads(fort("--json", "mail", "list", "--ref", "two:").stdout)
            self.assertEqual(sorted((m["status"], m["attempts"]) for m in out), [("sent", 1)] * n)
        finally:
            sink.stop()
        v = fort("audit", "verify", check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)


def prepare():
    # zoe: a restricted role that cannot see bank details, nor write
    fort("role", "add", "assistant", "identity", "contact", "read", "reveal")
    fort("user", "role", "zoe", "assistant")


if __name__ == "__main__":
    if not kit.PG:
        print("skipped: no PostgreSQL test server (FORTRESS_TEST_STORE; run through ctest)")
        sys.exit(77)
    kit.main("fortress-two-", prepare)
