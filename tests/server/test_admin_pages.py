#!/usr/bin/env python3
"""The admin pages of issue 17's last gaps (docs/web.md): changing your
passphrase, removing a user, someone's second factor or a role, the
attachments (list, download, remove), the consent ledger's check, the
intake forms (make, change, remove, new key), the request policy and the
outbox, over plain HTTP with the real server.  For each: it works; a form
without its CSRF token is refused and nothing changes; someone whose role
may not is refused (403) and the refusal is in the audit log; an unknown id
is a 404 naming it; and for the passphrase, a wrong current one is refused,
throttled as sign-in is, and the old one no longer signs in.

    test_admin_pages.py --fortress build/fortress --root .
"""
import json, os, re, time
import serverkit
from serverkit import fort, audit_rows, PASS, Session

NEW_ZOE = "harbour kettles seven copper hum softly at dusk"


def snapshot():
    """The tables a refused form could have changed (sorted: either backend)."""
    out = {}
    for t in ("users", "grants", "user_totp", "attachments", "attachment_clients", "intake_forms", "intake_inbox",
              "consent", "tokens"):
        out[t] = sorted(serverkit.query("SELECT * FROM %s" % t), key=repr)
    # the roles, the request policy and the intake key: vault details in meta (not the audit chain's head)
    out["meta"] = sorted((k, v) for k, v in serverkit.query("SELECT k, v FROM meta")
                         if not k.startswith(("audit", "seal", "head", "chain")))
    return out


def quarantine(name, text):
    """A file NAME holding TEXT, quarantined (`fortress quarantine`): its attachment number."""
    path = os.path.join(serverkit.TMP, name)
    with open(path, "w") as f:
        f.write(text)
    j = json.loads(fort("--json", "quarantine", path).stdout)
    return (j[0] if isinstance(j, list) else j)["attachment"]


class AdminPages(serverkit.ServerTest):
    SNAPSHOT = snapshot

    # ------------------------------------------------------------ passphrase

    def test_passphrase_change(self):
        zoe = Session(self.srv, "zoe")
        other = Session(self.srv, "zoe")  # another browser of hers
        r, data = zoe.get("/account/passphrase")
        self.assertEqual(r.status, 200)
        page = data.decode()
        self.assertIn('action="/account/passphrase"', page)
        self.assertIn('name="csrf" value="%s"' % zoe.csrf, page)
        ok = {"current": PASS["zoe"], "new": NEW_ZOE, "new2": NEW_ZOE}
        self.assertNoCsrf(zoe, "/account/passphrase", ok)
        before = snapshot()
        n = len(audit_rows("reauth"))
        r, data = zoe.form("/account/passphrase", dict(ok, current="not my passphrase at all, sorry"))
        self.assertRefused(r, data, 403, "that is not zoe", before)
        self.assertEqual(audit_rows("reauth")[n:], [("zoe", "reauth", "denied", "wrong passphrase typed to confirm")])
        r, data = zoe.form("/account/passphrase", dict(ok, new2=NEW_ZOE + "x"))
        self.assertRefused(r, data, 400, "the two new passphrases differ", before)
        r, data = zoe.form("/account/passphrase", dict(ok, new2=""))
        self.assertRefused(r, data, 400, "the new one twice", before)
        # the library's strength rule and its message (zxcvbn, as passphrase check and the join page)
        weak = "passwordpassword1"
        r, data = zoe.form("/account/passphrase", dict(ok, new=weak, new2=weak))
        wf = os.path.join(serverkit.TMP, "weak.pass")
        with open(wf, "w") as f:
            f.write(weak + "\n")
        os.chmod(wf, 0o600)
        cli = fort("passphrase", "check", "--passphrase-file", wf, check=False)
        self.assertEqual(cli.returncode, 6)
        reason = cli.stderr.split("fortress: ", 1)[1].split(":")[0]   # "passphrase too easy to guess (strength 0 of 4)"
        self.assertRefused(r, data, 400, reason, before)
        self.assertIn(b"Your passphrase has not changed", data)
        # the change
        r, data = zoe.form("/account/passphrase", ok)
        self.assertEqual(r.status, 200, data[:800])
        self.assertIn(b"Your passphrase is changed", data)
        self.assertNotEqual(snapshot()["users"], before["users"])
        # this browser: a new session, which works; the old cookie and the other browser's are ended
        m = re.match(r"fortress_session=([^;]+)", r.getheader("Set-Cookie") or "")
        self.assertTrue(m, r.getheader("Set-Cookie"))
        r2, data2 = zoe.get("/account", sid=m.group(1))
        self.assertEqual(r2.status, 200, data2[:300])
        self.assertIn(b"zoe", data2)
        for sid in (zoe.sid, other.sid):
            r2, _ = zoe.get("/account", sid=sid)
            self.assertEqual((r2.status, r2.getheader("Location")), (303, "/signin"))
        # at the terminal: the old passphrase opens nothing, the new one does
        self.assertNotEqual(fort("client", "list", user="zoe", check=False).returncode, 0)
        old = PASS["zoe"]
        with open(serverkit.passfile("zoe"), "w") as f:
            f.write(NEW_ZOE + "\n")
        PASS["zoe"] = NEW_ZOE
        self.assertEqual(fort("client", "list", user="zoe", check=False).returncode, 0)
        # and at the sign-in: the old one is refused, the new one signs in
        secret, _ = serverkit.enroll("zoe")
        code = serverkit.totp(secret, time.time() + 30)
        r2, j = self.srv.request("POST", "/api/session", {"user": "zoe", "passphrase": old, "code": code})
        self.assertEqual(r2.status, 401, j)
        r2, j = self.srv.request("POST", "/api/session", {"user": "zoe", "passphrase": NEW_ZOE, "code": code})
        self.assertEqual(r2.status, 201, j)
        # no passphrase in the log
        log = self.srv.log()
        self.assertNotIn(NEW_ZOE, log)
        self.assertNotIn("not my passphrase", log)

    def test_passphrase_throttled(self):
        serverkit.add_user("kim")
        kim = Session(self.srv, "kim")
        src = "127.0.0.7"   # an address of its own: the throttle counts per address too
        bad = {"current": "wrong wrong wrong wrong wrong", "new": NEW_ZOE, "new2": NEW_ZOE}
        before = snapshot()
        for i in range(5):
            r, data = kim.form("/account/passphrase", bad, source=src)
            self.assertRefused(r, data, 403, "that is not kim", before)
        # then each waits 2^(n-5) s after the last: on a loaded machine a wait may be over before the next
        # try, so fail on until one is held up long enough for the next request to come inside it
        for i in range(9):
            r, data = kim.form("/account/passphrase", bad, source=src)
            self.assertIn(r.status, (403, 429), data[:300])
            if r.status == 429:
                wait = int(r.getheader("Retry-After"))
                if wait >= 3:
                    break
                time.sleep(wait)
        self.assertEqual(r.status, 429, data[:300])
        self.assertIn(b"Too many attempts", data)
        # even the right one waits now
        r, data = kim.form("/account/passphrase", dict(bad, current=PASS["kim"]), source=src)
        self.assertRefused(r, data, 429, "Your passphrase has not changed", before)
        self.assertGreaterEqual(int(r.getheader("Retry-After")), 1)

    # ------------------------------------------------------------ users, second factors, roles

    def test_user_remove(self):
        serverkit.add_user("ida")
        ida = Session(self.srv, "ida")
        fort("client", "add", "--set", "full_name=Ida Kundin", "--set", "email=ida.kundin@example.org")
        ok = {"name": "ida", "confirm": "ida"}
        self.assertNoCsrf(self.anna, "/users/remove", ok)
        before = snapshot()
        n = len(audit_rows())
        r, data = self.sam.form("/users/remove", ok)
        self.assertDeniedAudited("sam", r, data, "users", before, n)
        r, data = self.anna.form("/users/remove", dict(ok, confirm="id"))
        self.assertRefused(r, data, 400, "type the user's name exactly", before)
        r, data = self.anna.form("/users/remove", {"name": "nobody-here", "confirm": "nobody-here"})
        self.assertRefused(r, data, 404, "nobody-here", before)
        r, data = self.anna.form("/users/remove", ok)
        self.assertEqual(r.status, 200, data[:800])
        page = data.decode()
        self.assertIn("ida is removed", page)
        # staff hold identity and contact: both rotated, the client re-encrypted
        self.assertRegex(page, r"Keys rotated: [a-z,]*contact")
        self.assertRegex(page, r"[1-9]\d* client records? re-encrypted")
        self.assertEqual(serverkit.query("SELECT status FROM users WHERE name = ?", ("ida",))[0][0], "removed")
        # her session ended with her
        r, data = ida.get("/clients")
        self.assertEqual((r.status, r.getheader("Location")), (303, "/signin"))

    def test_totp_remove(self):
        serverkit.add_user("lea")
        serverkit.enroll("lea")
        status = lambda: {x["user"]: x["totp"] for x in json.loads(fort("--json", "user", "totp", "status").stdout)}  # noqa: E731
        self.assertTrue(status()["lea"])
        self.assertNoCsrf(self.anna, "/users/totp/remove", {"name": "lea"})
        before = snapshot()
        n = len(audit_rows())
        r, data = self.sam.form("/users/totp/remove", {"name": "lea"})
        self.assertDeniedAudited("sam", r, data, "users", before, n)
        r, data = self.anna.form("/users/totp/remove", {"name": "nobody-here"})
        self.assertRefused(r, data, 404, "nobody-here", before)
        self.assertTrue(status()["lea"])
        r, data = self.anna.form("/users/totp/remove", {"name": "lea"})
        self.assertEqual(r.status, 200, data[:800])
        self.assertIn(b"lea's authenticator app", data)
        self.assertFalse(status()["lea"])

    def test_role_remove(self):
        fort("role", "add", "temps", "read")
        roles = lambda: {x["name"] for x in json.loads(fort("--json", "role", "list").stdout)}  # noqa: E731
        self.assertIn("temps", roles())
        self.assertNoCsrf(self.anna, "/roles/remove", {"role": "temps"})
        before = snapshot()
        n = len(audit_rows())
        r, data = self.sam.form("/roles/remove", {"role": "temps"})
        self.assertDeniedAudited("sam", r, data, "users", before, n)
        r, data = self.anna.form("/roles/remove", {"role": "nosuchrole"})
        self.assertRefused(r, data, 404, "nosuchrole", before)
        r, data = self.anna.form("/roles/remove", {"role": "staff"})
        self.assertRefused(r, data, 400, "staff", before)
        r, data = self.anna.form("/roles/remove", {"role": "temps"})
        self.assertEqual((r.status, r.getheader("Location")), (303, "/users#roles"), data[:300])
        self.assertNotIn("temps", roles())

    def test_users_page_has_the_forms(self):
        r, data = self.anna.get("/users")
        self.assertEqual(r.status, 200)
        for action in ("/users/remove", "/users/totp/remove", "/roles/remove"):
            self.assertIn(('action="%s"' % action).encode(), data)
        r, data = self.sam.get("/users")
        self.assertNotIn(b'action="/users/remove"', data)

    # ------------------------------------------------------------ attachments

    def test_attachments(self):
        cid = json.loads(fort("--json", "client", "add", "--set", "full_name=Olga Anhang", "--set",
                              "email=olga.anhang@example.org").stdout)["id"]
        text = "Invoice for olga.anhang@example.org\n"
        aid = quarantine("invoice-olga.txt", text)
        r, data = self.anna.get("/attachments?client=" + cid)
        self.assertEqual(r.status, 200)
        self.assertIn(b"invoice-olga.txt", data)
        self.assertIn(('action="/attachments/%d/download"' % aid).encode(), data)
        # download: the bytes, their type, as a file, never cached; audited
        n = len(audit_rows("attachment-get"))
        r, data = self.sam.form("/attachments/%d/download" % aid, {})
        self.assertEqual(r.status, 200, data[:300])
        self.assertEqual(data.decode(), text)
        self.assertEqual(r.getheader("Content-Type"), "text/plain; charset=utf-8")
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="invoice-olga.txt"')
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
        got = audit_rows("attachment-get")[n:]
        self.assertTrue(got and all(x[0] == "sam" and x[2] == "ok" for x in got), got)
        self.assertNoCsrf(self.anna, "/attachments/%d/download" % aid, {})
        before = snapshot()
        r, data = self.anna.form("/attachments/999999/download", {})
        self.assertRefused(r, data, 404, "999999", before)
        r, data = self.anna.form("/attachments/x1/download", {})
        self.assertRefused(r, data, 404, "x1", before)
        # removal: a confirmation page, the number typed; staff may not erase
        r, data = self.anna.get("/attachments/%d/remove" % aid)
        self.assertEqual(r.status, 200)
        self.assertIn(b"cannot be undone", data)
        self.assertNoCsrf(self.anna, "/attachments/%d/remove" % aid, {"confirm": str(aid)})
        n = len(audit_rows())
        r, data = self.sam.form("/attachments/%d/remove" % aid, {"confirm": str(aid)})
        self.assertDeniedAudited("sam", r, data, "erase", before, n)
        r, data = self.anna.form("/attachments/%d/remove" % aid, {"confirm": str(aid + 1)})
        self.assertRefused(r, data, 400, "not removed", before)
        r, data = self.anna.form("/attachments/999999/remove", {"confirm": "999999"})
        self.assertRefused(r, data, 404, "999999", before)
        r, data = self.anna.form("/attachments/%d/remove" % aid, {"confirm": str(aid)})
        self.assertEqual(r.status, 200, data[:800])
        self.assertIn(b"its key is destroyed", data)
        self.assertEqual(serverkit.count("SELECT count(*) FROM attachments WHERE id = ?", (aid,)), 0)
        r, data = self.anna.form("/attachments/%d/download" % aid, {})
        self.assertEqual(r.status, 404)

    # ------------------------------------------------------------ consent ledger

    def test_consent_verify(self):
        cid = json.loads(fort("--json", "client", "add", "--set", "full_name=Vera Kette", "--set",
                              "email=vera.kette@example.org").stdout)["id"]
        notice = os.path.join(serverkit.TMP, "notice.txt")
        with open(notice, "w") as f:
            f.write("We send news you asked for.\n")
        fort("consent", "grant", cid, "marketing", "--channel", "email", "--notice-file", notice)
        r, data = self.sam.get("/audit")
        self.assertIn(b'action="/audit/consent"', data)
        r, data = self.sam.get("/audit/consent")
        self.assertEqual(r.status, 200, data[:300])
        self.assertRegex(data.decode(), r"The consent ledger is intact: [1-9]\d* entr")
        # an edited entry is named: the attacker who has the file drops the ledger's triggers and edits it
        serverkit.sqlite_only(self, "edits the SQLite file")
        import sqlite3
        db = sqlite3.connect(serverkit.VAULT, isolation_level=None)
        try:
            triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'consent'").fetchall()
            seq, channel = db.execute("SELECT seq, channel FROM consent ORDER BY seq DESC LIMIT 1").fetchone()
            for name, _ in triggers:
                db.execute("DROP TRIGGER %s" % name)
            db.execute("UPDATE consent SET channel = 'paper' WHERE seq = ?", (seq,))
            try:
                r, data = self.sam.get("/audit/consent")
                self.assertEqual(r.status, 200, data[:300])
                self.assertIn(b"The consent ledger does not verify", data)
                self.assertIn(str(seq).encode(), data)
            finally:
                db.execute("UPDATE consent SET channel = ? WHERE seq = ?", (channel, seq))
                for _, sql in triggers:
                    db.execute(sql)
        finally:
            db.close()
        r, data = self.sam.get("/audit/consent")
        self.assertIn(b"intact", data)

    # ------------------------------------------------------------ intake forms

    def test_intake_forms(self):
        ok = [("name", "webshop"), ("field", "email"), ("field", "full_name")]
        self.assertNoCsrf(self.anna, "/intake-forms", ok)
        before = snapshot()
        n = len(audit_rows())
        r, data = self.sam.form("/intake-forms", ok)
        self.assertDeniedAudited("sam", r, data, "intake", before, n)
        r, data = self.anna.form("/intake-forms", [("name", "webshop"), ("field", "shoe_size")])
        self.assertIn(r.status, (400, 404), data[:300])
        self.assertIn(b"shoe_size", data)
        self.assertEqual(snapshot(), before)
        r, data = self.anna.form("/intake-forms", [("name", "webshop")])
        self.assertRefused(r, data, 400, "tick the fields", before)
        r, data = self.anna.form("/intake-forms", ok)
        self.assertEqual((r.status, r.getheader("Location")), (303, "/intake-forms"), data[:300])
        r, data = self.anna.get("/intake-forms")
        self.assertEqual(r.status, 200)
        self.assertIn(b'<a href="/intake/webshop">webshop</a>', data)
        self.assertEqual(json.loads(fort("--json", "intake", "show", "webshop").stdout)["fields"], "email,full_name"
                         if isinstance(json.loads(fort("--json", "intake", "show", "webshop").stdout)["fields"], str)
                         else ["email", "full_name"])
        # settings: the sites that may frame it
        path = "/intake-forms/webshop/settings"
        self.assertNoCsrf(self.anna, path, {"origins": "https://www.example.com"})
        before = snapshot()
        r, data = self.anna.form(path, {"origins": "ftp://files.example.com"})
        self.assertRefused(r, data, 400, "ftp://files.example.com", before)
        r, data = self.anna.form("/intake-forms/nosuchform/settings", {"origins": ""})
        self.assertRefused(r, data, 404, "nosuchform", before)
        n = len(audit_rows())
        r, data = self.sam.form(path, {"origins": "https://www.example.com"})
        self.assertDeniedAudited("sam", r, data, "intake", before, n)
        r, data = self.anna.form(path, {"origins": "https://www.example.com\r\nhttps://shop.example.com"})
        self.assertEqual(r.status, 303, data[:300])
        self.assertEqual(json.loads(fort("--json", "intake", "show", "webshop").stdout)["allowed_origins"],
                         ["https://www.example.com", "https://shop.example.com"])
        # a new intake key
        self.assertNoCsrf(self.anna, "/intake-forms/rotate-key", {})
        before = snapshot()
        n = len(audit_rows())
        r, data = self.sam.form("/intake-forms/rotate-key", {})
        self.assertDeniedAudited("sam", r, data, "intake", before, n)
        r, data = self.anna.form("/intake-forms/rotate-key", {})
        self.assertEqual(r.status, 200, data[:600])
        self.assertIn(b"The intake key pair is replaced", data)
        self.assertNotEqual(snapshot()["grants"], before["grants"])
        # removal: the name typed
        path = "/intake-forms/webshop/remove"
        self.assertNoCsrf(self.anna, path, {"confirm": "webshop"})
        before = snapshot()
        r, data = self.anna.form(path, {"confirm": "websho"})
        self.assertRefused(r, data, 400, "not removed", before)
        r, data = self.anna.form("/intake-forms/nosuchform/remove", {"confirm": "nosuchform"})
        self.assertRefused(r, data, 404, "nosuchform", before)
        n = len(audit_rows())
        r, data = self.sam.form(path, {"confirm": "webshop"})
        self.assertDeniedAudited("sam", r, data, "intake", before, n)
        r, data = self.anna.form(path, {"confirm": "webshop"})
        self.assertEqual(r.status, 303, data[:300])
        self.assertEqual(serverkit.count("SELECT count(*) FROM intake_forms WHERE name = ?", ("webshop",)), 0)

    # ------------------------------------------------------------ request policy

    def test_request_policy(self):
        policy = lambda: json.loads(fort("--json", "request", "policy").stdout)  # noqa: E731
        r, data = self.sam.get("/requests/policy")
        self.assertEqual(r.status, 200)
        self.assertIn(b'id="kind-erasure"', data)
        ok = [("kind", "access"), ("kind", "erasure")]
        self.assertNoCsrf(self.anna, "/requests/policy", ok)
        before = snapshot()
        n = len(audit_rows())
        r, data = self.sam.form("/requests/policy", ok)
        self.assertDeniedAudited("sam", r, data, "map", before, n)
        r, data = self.anna.form("/requests/policy", [("kind", "everything")])
        self.assertRefused(r, data, 400, "everything", before)
        r, data = self.anna.form("/requests/policy", ok)
        self.assertEqual((r.status, r.getheader("Location")), (303, "/requests/policy"), data[:300])
        self.assertIn("erasure", json.dumps(policy()))
        r, data = self.anna.get("/requests/policy")
        self.assertIn(b"access,erasure", data)
        self.assertIn(b'id="kind-erasure" name="kind" value="erasure" checked', data)
        # none ticked: no kind
        r, data = self.anna.form("/requests/policy", {})
        self.assertEqual(r.status, 303)
        self.assertNotIn("erasure", json.dumps(policy()))

    # ------------------------------------------------------------ outbox

    def test_outbox(self):
        r, data = self.sam.get("/mail/outbox")
        self.assertEqual(r.status, 200)
        body = "Secret body text 4711 of the letter"
        fort("mail", "queue", "--to", "otto.post@example.org", "--subject", "Your request 12", "--text", body,
             "--ref", "request:12")
        r, data = self.sam.get("/mail/outbox")
        self.assertEqual(r.status, 200)
        page = data.decode()
        self.assertIn("otto.post@example.org", page)
        self.assertIn("Your request 12", page)
        self.assertIn("request:12", page)
        self.assertIn("queued", page)
        self.assertNotIn("4711", page)


class AdminApi(serverkit.ServerTest):
    """The same tasks over the JSON API (src/server/api_manage.c), every answer checked against
    docs/api/openapi.json (serverkit.validate)."""

    def denied(self, who, session, method, path, body, pattern, words):
        before, n = snapshot(), len(audit_rows())
        r, j = session.req(method, path, body, pattern=pattern)
        self.assertEqual(r.status, 403, j)
        self.assertIn(words, j["error"]["message"])
        self.assertEqual(snapshot(), before)
        self.assertTrue([x for x in audit_rows()[n:] if x[0] == who and x[2] == "denied"])

    def test_passphrase_api(self):
        PASS["vic"] = "purple meadows whisper to eight drowsy pelicans"
        serverkit.add_user("vic")
        vic = Session(self.srv, "vic")
        newpass = "copper lanterns hum over seven quiet canals"
        before = snapshot()
        r, j = vic.req("POST", "/api/account/passphrase", {"current": PASS["vic"], "new": newpass}, csrf=False,
                       pattern="/api/account/passphrase")
        self.assertEqual(r.status, 403, j)
        r, j = vic.req("POST", "/api/account/passphrase", {"current": "wrong wrong wrong wrong", "new": newpass},
                       pattern="/api/account/passphrase")
        self.assertEqual((r.status, j["error"]["code"]), (403, "EAUTH"), j)
        r, j = vic.req("POST", "/api/account/passphrase", {"current": PASS["vic"], "new": "vicvicvicvicvicvic"},
                       pattern="/api/account/passphrase")
        self.assertEqual((r.status, j["error"]["code"]), (400, "EWEAK"), j)
        r, j = vic.req("POST", "/api/account/passphrase", {"current": PASS["vic"]}, pattern="/api/account/passphrase")
        self.assertEqual(r.status, 400, j)
        self.assertEqual(snapshot(), before)
        r, j = vic.req("POST", "/api/account/passphrase", {"current": PASS["vic"], "new": newpass},
                       pattern="/api/account/passphrase")
        self.assertEqual(r.status, 200, j)
        self.assertEqual((j["user"], j["changed"]), ("vic", True))
        sid = re.match(r"fortress_session=([^;]+)", r.getheader("Set-Cookie")).group(1)
        r, j = vic.req("GET", "/api/status", pattern="/api/status")
        self.assertEqual(r.status, 401, "the old session ended")
        vic.sid = sid
        r, j = vic.req("GET", "/api/status", pattern="/api/status")
        self.assertEqual(r.status, 200, j)
        with open(serverkit.passfile("vic"), "w") as f:
            f.write(newpass + "\n")
        PASS["vic"] = newpass
        self.assertEqual(fort("client", "list", user="vic", check=False).returncode, 0)
        self.assertNotIn(newpass, self.srv.log())

    def test_attachments_api(self):
        cid = json.loads(fort("--json", "client", "add", "--set", "full_name=Paul Datei", "--set",
                              "email=paul.datei@example.org").stdout)["id"]
        text = "Letter to paul.datei@example.org\n"
        aid = quarantine("paul.txt", text)
        r, j = self.sam.req("GET", "/api/attachments?client=" + cid, pattern="/api/attachments")
        self.assertEqual(r.status, 200, j)
        self.assertEqual([(a["id"], a["clients"]) for a in j["attachments"]], [(aid, [cid])])
        self.assertTrue(j["attachments"][0]["path"].endswith("paul.txt"))
        r, data = self.sam.get("/api/attachments/%d" % aid)
        self.assertEqual((r.status, data.decode()), (200, text))
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertIn("attachment", r.getheader("Content-Disposition"))
        r, j = self.sam.req("GET", "/api/attachments/999999", pattern="/api/attachments/{id}")
        self.assertEqual(r.status, 404, j)
        self.assertIn("999999", j["error"]["message"])
        self.denied("sam", self.sam, "DELETE", "/api/attachments/%d" % aid, None, "/api/attachments/{id}", "erase")
        before = snapshot()
        r, j = self.anna.req("DELETE", "/api/attachments/%d" % aid, csrf=False, pattern="/api/attachments/{id}")
        self.assertEqual(r.status, 403, j)
        self.assertEqual(snapshot(), before)
        r, j = self.anna.req("DELETE", "/api/attachments/%d" % aid, pattern="/api/attachments/{id}")
        self.assertEqual((r.status, j), (200, {"id": aid, "removed": True}))
        r, j = self.anna.req("DELETE", "/api/attachments/%d" % aid, pattern="/api/attachments/{id}")
        self.assertEqual(r.status, 404, j)

    def test_consent_policy_and_mail_api(self):
        r, j = self.sam.req("GET", "/api/consent/verify", pattern="/api/consent/verify")
        self.assertEqual(r.status, 200, j)
        self.assertTrue(j["ok"])
        self.assertIsNone(j["problem"])
        r, j = self.sam.req("GET", "/api/requests/policy", pattern="/api/requests/policy")
        self.assertEqual(r.status, 200, j)
        self.denied("sam", self.sam, "PATCH", "/api/requests/policy", {"second_step": ["access"]}, "/api/requests/policy", "map")
        before = snapshot()
        r, j = self.anna.req("PATCH", "/api/requests/policy", {"second_step": ["telepathy"]}, pattern="/api/requests/policy")
        self.assertEqual(r.status, 400, j)
        self.assertIn("telepathy", j["error"]["message"])
        r, j = self.anna.req("PATCH", "/api/requests/policy", {"kinds": []}, pattern="/api/requests/policy")
        self.assertEqual(r.status, 400, j)
        self.assertEqual(snapshot(), before)
        r, j = self.anna.req("PATCH", "/api/requests/policy", {"second_step": ["erasure", "access"]}, pattern="/api/requests/policy")
        self.assertEqual((r.status, j), (200, {"second_step": ["access", "erasure"]}))
        r, j = self.anna.req("PATCH", "/api/requests/policy", {"second_step": []}, pattern="/api/requests/policy")
        self.assertEqual((r.status, j), (200, {"second_step": []}))
        fort("mail", "queue", "--to", "api.post@example.org", "--subject", "Via the API", "--text", "secret 0815 body",
             "--ref", "api:1")
        r, j = self.sam.req("GET", "/api/mail?ref=api:", pattern="/api/mail")
        self.assertEqual(r.status, 200, j)
        self.assertEqual([(m["to"], m["subject"], m["status"]) for m in j["messages"]],
                         [("api.post@example.org", "Via the API", "queued")])
        self.assertNotIn("0815", json.dumps(j))

    def test_users_roles_api(self):
        PASS["uwe"] = "nine tidy walruses borrow a crimson bicycle"
        serverkit.add_user("uwe", "bookkeeper")
        fort("role", "add", "apirole", "read")
        self.denied("sam", self.sam, "DELETE", "/api/roles/apirole", None, "/api/roles/{id}", "users")
        r, j = self.anna.req("DELETE", "/api/roles/nosuchrole", pattern="/api/roles/{id}")
        self.assertEqual(r.status, 404, j)
        self.assertIn("nosuchrole", j["error"]["message"])
        r, j = self.anna.req("DELETE", "/api/roles/apirole", pattern="/api/roles/{id}")
        self.assertEqual((r.status, j), (200, {"role": "apirole", "removed": True}))
        serverkit.enroll("uwe")
        self.denied("sam", self.sam, "DELETE", "/api/users/uwe/totp", None, "/api/users/{id}/totp", "users")
        r, j = self.anna.req("DELETE", "/api/users/uwe/totp", pattern="/api/users/{id}/totp")
        self.assertEqual((r.status, j), (200, {"user": "uwe", "totp": False}))
        self.denied("sam", self.sam, "DELETE", "/api/users/uwe", None, "/api/users/{id}", "users")
        r, j = self.anna.req("DELETE", "/api/users/nobody-here", pattern="/api/users/{id}")
        self.assertEqual(r.status, 404, j)
        self.assertIn("nobody-here", j["error"]["message"])
        r, j = self.anna.req("DELETE", "/api/users/uwe", pattern="/api/users/{id}")
        self.assertEqual(r.status, 200, j)
        self.assertEqual((j["user"], j["status"]), ("uwe", "removed"))
        self.assertIn("identity", j["rotation"]["keys"])

    def test_intake_api(self):
        body = {"name": "apiform", "fields": ["email"], "consents": ["marketing"]}
        self.denied("sam", self.sam, "POST", "/api/intake/forms", body, "/api/intake/forms", "intake")
        r, j = self.anna.req("POST", "/api/intake/forms", dict(body, fields=["shoe_size"]), pattern="/api/intake/forms")
        self.assertIn(r.status, (400, 404), j)
        self.assertIn("shoe_size", j["error"]["message"])
        r, j = self.anna.req("POST", "/api/intake/forms", body, pattern="/api/intake/forms")
        self.assertEqual(r.status, 201, j)
        self.assertEqual((j["name"], j["fields"], j["consents"], j["allowed_origins"]), ("apiform", ["email"], ["marketing"], []))
        r, j = self.anna.req("POST", "/api/intake/forms", body, pattern="/api/intake/forms")
        self.assertEqual(r.status, 409, j)
        r, j = self.sam.req("GET", "/api/intake/forms", pattern="/api/intake/forms")
        self.assertIn("apiform", [f["name"] for f in j["forms"]])
        r, j = self.anna.req("PATCH", "/api/intake/forms/apiform", {"allowed_origins": ["https://a.example"]},
                             pattern="/api/intake/forms/{id}")
        self.assertEqual((r.status, j["allowed_origins"]), (200, ["https://a.example"]), j)
        r, j = self.anna.req("PATCH", "/api/intake/forms/apiform", {"allowed_origins": ["javascript:alert(1)"]},
                             pattern="/api/intake/forms/{id}")
        self.assertEqual(r.status, 400, j)
        r, j = self.anna.req("PATCH", "/api/intake/forms/nosuchform", {"allowed_origins": []}, pattern="/api/intake/forms/{id}")
        self.assertEqual(r.status, 404, j)
        self.denied("sam", self.sam, "POST", "/api/intake/key", None, "/api/intake/key", "intake")
        r, j = self.anna.req("POST", "/api/intake/key", pattern="/api/intake/key")
        self.assertEqual((r.status, j), (200, {"rotated": True, "resealed": 0}))
        self.denied("sam", self.sam, "DELETE", "/api/intake/forms/apiform", None, "/api/intake/forms/{id}", "intake")
        r, j = self.anna.req("DELETE", "/api/intake/forms/apiform", pattern="/api/intake/forms/{id}")
        self.assertEqual((r.status, j), (200, {"removed": "apiform"}))
        r, j = self.anna.req("DELETE", "/api/intake/forms/apiform", pattern="/api/intake/forms/{id}")
        self.assertEqual(r.status, 404, j)


if __name__ == "__main__":
    serverkit.main("fortress-admin-", openapi=True)
