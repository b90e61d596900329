#!/usr/bin/env python3
"""HTTP tests of the self-service page /me (issue 18 items 2-3;
src/server/web_me.c) that need no browser: a real vault, the real binary on
a free loopback port (serverkit), requests from several loopback addresses
(127.0.0.x: the per-address limits), and SMTP servers on loopback that the
test controls.

  - a full link queue (64 waiting requests) never drops a request silently:
    503 with Retry-After and the same "try again in a minute" text for a
    client's address and an unknown one, never the "a link is on its way"
    page; the refusals are audited; afterwards links are made again;
  - a flood of link requests from one address: 429 with Retry-After;
  - the staff request page shows the channel, the pending step and, only
    when asked (audited), the client's note, script in it shown as text.

    test_me_server.py --fortress build/fortress --root .
"""
import csv, json, os, re, select, socket, time, unittest, urllib.parse
import serverkit as kit
from serverkit import fort, Server, Session, audit_rows

ARGS = kit.ARGS   # ARGS.root: the source tree
FORM = "application/x-www-form-urlencoded"
LANGS = ("en", "de", "fr", "es", "it", "nl")
CAT = {}
CLIENT_EMAIL = "marta@example.org"


def catalogues():
    for lang in LANGS:
        with open(os.path.join(ARGS.root, "data", "i18n", lang + ".csv"), encoding="utf-8") as f:
            CAT[lang] = {row["key"]: row["text"] for row in csv.DictReader(l for l in f if not l.startswith("#"))}


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class MeServerTest(unittest.TestCase):
    srv = None
    closed = None

    @classmethod
    def setUpClass(cls):
        fort("role", "add", "selfservice", "read", "write", "contact")
        kit.add_user("lea", "selfservice")
        fort("client", "add", "--set", "full_name=Marta Jovanović", "--set", "email=" + CLIENT_EMAIL)
        fort("notice", "publish")
        # an SMTP server that accepts connections and never answers: the
        # worker's send of a client's link waits for its timeout (20 s),
        # so the requests behind it fill the queue
        cls.hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cls.hole.bind(("127.0.0.1", 0))
        cls.hole.listen(200)
        for k, v in (("smtp.host", "127.0.0.1"), ("smtp.port", str(cls.hole.getsockname()[1])), ("smtp.security", "none"),
                     ("smtp.from", "office@acme.example")):
            fort("mail", "set", k, v)
        cls.srv = Server("--me-user", "lea", "--me-passphrase-file", kit.passfile("lea"))

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.srv:
                kit.stop_clean(cls.srv)
        finally:
            cls.hole.close()
            if cls.closed:
                cls.closed.close()

    def ask(self, email, source):
        r, _ = self.srv.request("POST", "/me", raw=urllib.parse.urlencode({"email": email, "lang": "en"}).encode(),
                                headers={"Content-Type": FORM}, source=source)
        return r

    def ask_body(self, email, source):
        return self.srv.fetch_text("POST", "/me", {"email": email, "lang": "en"}, source=source)

    def test_1_full_queue_answers_503_for_everybody(self):
        sent, busy = esc(CAT["en"]["me.sent"]), esc(CAT["en"]["me.busy"])
        before = len(audit_rows("me-link"))
        # the client's address first: its link's e-mail holds the worker
        r, body = self.ask_body(CLIENT_EMAIL, "127.0.0.2")
        self.assertEqual(r.status, 200, body)
        self.assertIn(sent, body)
        # the worker has taken it and waits on the SMTP server: its connection is in the hole's
        # backlog (the listening socket turns readable; never accepted).  A fixed 0.5 s was a
        # guess that a loaded machine could miss, making the queue one short.
        waiting, _, _ = select.select([self.hole], [], [], 60)
        self.assertTrue(waiting, "the worker did not connect to the SMTP server within 60 s")
        statuses, bodies = [], []
        for i in range(70):
            r, body = self.ask_body("nobody%d@example.net" % i, "127.0.0.%d" % (3 + i // 30))
            statuses.append(r.status)
            bodies.append((r, body))
        ok = statuses.count(200)
        self.assertEqual(ok, 64, "64 requests wait in the queue, the rest are refused: %r" % statuses)
        self.assertEqual(statuses, [200] * 64 + [503] * 6, "once full, every request is refused: %r" % statuses)
        for r, body in bodies[64:]:
            self.assertEqual(r.getheader("Retry-After"), "60")
            self.assertIn(busy, body)
            self.assertNotIn(sent, body, "a full queue must not say a link is on its way")
        # the same answer for a client's address and an unknown one
        r1, b1 = self.ask_body(CLIENT_EMAIL, "127.0.0.6")
        r2, b2 = self.ask_body("stranger@example.net", "127.0.0.6")
        self.assertEqual((r1.status, r2.status), (503, 503))
        self.assertEqual(b1.replace(esc(CLIENT_EMAIL), ""), b2.replace(esc("stranger@example.net"), ""))
        self.assertNotIn(esc(CLIENT_EMAIL), b1, "the refused address is not echoed back")
        # the SMTP server goes away (its waiting connection reset, later
        # ones refused): the worker drains the queue quickly
        # (a port bound and not listening, kept to the end: released, it
        # could be bound by a test running beside this one, and answer)
        closed = self.__class__.closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        fort("mail", "set", "smtp.port", str(port))
        self.__class__.hole.close()
        # audited once the worker is free
        deadline = time.time() + 120
        rows = []
        while time.time() < deadline:
            rows = audit_rows("me-link")[before:]
            if sum(int(re.search(r"(\d+) sign-in link request", d).group(1)) for (_, _, res, d) in rows
                   if res == "denied" and "queue" in d) >= 8:
                break
            time.sleep(1)
        refused = [(a, res, d) for (a, _, res, d) in rows if res == "denied" and "queue" in d]
        self.assertTrue(refused, "the refusals are audited: %r\n%s" % (rows, self.srv.log()[-2000:]))
        self.assertEqual(sum(int(re.search(r"(\d+) sign-in link request", d).group(1)) for (_, _, d) in refused), 8)
        for a, _, d in refused:
            self.assertEqual(a, "lea")
            self.assertNotIn("example", d, "no address in the audit entry")
        # drained: links are asked for again
        deadline = time.time() + 120
        while time.time() < deadline:
            r, body = self.ask_body("later@example.net", "127.0.0.7")
            if r.status == 200:
                break
            time.sleep(2)
        self.assertEqual(r.status, 200, body)
        self.assertIn(sent, body)

    def test_2_flood_from_one_address(self):
        # the limits are counted before the queue: a burst may also meet a
        # full queue (503), never a link page for a request over a limit
        def burst(emails):
            return ["429" if c == 429 else "ok" if c in (200, 503) else c
                    for c in (self.ask(e, "127.0.0.20").status for e in emails)]
        # one address asked for from one network: 20 times in 10 minutes
        self.assertEqual(burst(["flood@example.net"] * 21), ["ok"] * 20 + ["429"])
        # other addresses from that network: 60 requests in all, then 429
        self.assertEqual(burst(["flood%d@example.net" % i for i in range(41)]), ["ok"] * 39 + ["429"] * 2)
        r = self.ask("someone@example.net", "127.0.0.20")
        self.assertEqual(r.status, 429)
        self.assertEqual(r.getheader("Retry-After"), "600")
        # another network is not held back by it
        time.sleep(5)
        self.assertIn(self.ask("someone@example.net", "127.0.0.21").status, (200, 503))

    def page(self, sess, path):
        r, body = sess.get(path)
        return r, body.decode()

    def test_3_staff_request_page_channel_pending_note(self):
        client = re.search(r"c-[0-9a-f]{16}", fort("client", "list").stdout).group(0)
        words = "<script>alert(1)</script> my e-mail is marta@example.org, canary-st4ff"
        path = os.path.join(kit.TMP, "note.txt")
        with open(path, "w") as f:
            f.write(words)
        out = fort("--json", "request", "open", "rectification", client, "--received", time.strftime("%Y-%m-%d", time.gmtime()),
                   "--channel", "email", "--verify-id", "--note-file", path).stdout
        os.unlink(path)
        rid = int(re.search(r'"id":\s*(\d+)', out).group(1))
        anna = Session(self.srv, "anna")
        r, body = self.page(anna, "/requests/%d" % rid)
        self.assertEqual(r.status, 200, body[-2000:])
        self.assertRegex(body, r"<dt>Channel</dt><dd>email</dd>")
        self.assertRegex(body, r'<dd id="pending">the identity check</dd>')
        self.assertIn('href="/requests/%d?note=1"' % rid, body)
        self.assertNotIn("canary-st4ff", body, "the note only when asked")
        before = len(audit_rows("request-note"))
        r, body = self.page(anna, "/requests/%d?note=1" % rid)
        self.assertEqual(r.status, 200)
        self.assertIn(esc(words), body)
        self.assertNotIn("<script>alert(1)", body)
        rows = audit_rows("request-note")[before:]
        self.assertEqual([(a, res) for (a, _, res, _) in rows], [("anna", "ok")])
        self.assertNotIn("canary", rows[0][3])
        self.assertNotIn("canary-st4ff", self.srv.log())
        # the API records channel and note the same way; a bad channel is 400, nothing stored
        today = time.strftime("%Y-%m-%d", time.gmtime())
        r, j = anna.req("POST", "/api/requests", {"kind": "rectification", "client": client, "received": today,
                                                  "channel": "letter", "note": "canary-api9 street is 4, not 40"})
        self.assertEqual(r.status, 201, j)
        self.assertEqual((j["channel"], j["has_note"]), ("letter", True))
        n = len(json.loads(fort("--json", "request", "list").stdout))
        r, j = anna.req("POST", "/api/requests", {"kind": "access", "client": client, "received": today, "channel": "fax"})
        self.assertEqual(r.status, 400, j)
        self.assertIn("fax", json.dumps(j))
        self.assertEqual(len(json.loads(fort("--json", "request", "list").stdout)), n)
        self.assertNotIn("canary-api9", self.srv.log())


if __name__ == "__main__":
    kit.main("fortress-me-", catalogues)
