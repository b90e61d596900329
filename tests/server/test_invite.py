#!/usr/bin/env python3
"""Invitations to join from a browser (issue 17) over plain HTTP, and the
last staff-page gaps of issue 17 item 2 (a request's channel on its page,
the keys page's passphrase throttled): the owner
makes one on the users page (the link shown once), the invitee opens it in
a browser of their own (no session), chooses a passphrase and confirms a
second factor in one form, reads their fingerprint; the owner approves
them comparing it; they sign in and their role is enforced.  Every bad
input gets its status and a page saying what to do, changes nothing, and
the refusals of a link are audited; the token is in no log line and no
audit entry.

    test_invite.py --fortress build/fortress --root .
"""
import json, re, sqlite3, time, urllib.parse
import serverkit
from serverkit import fort, audit_rows, totp, PASS, Session

KIM = PASS["kim"]


def users():
    db = sqlite3.connect("file:%s?mode=ro" % serverkit.VAULT, uri=True)
    rows = db.execute("SELECT name, status FROM users ORDER BY id").fetchall()
    db.close()
    return rows


def snapshot():
    db = sqlite3.connect("file:%s?mode=ro" % serverkit.VAULT, uri=True)
    out = {t: db.execute("SELECT * FROM %s ORDER BY 1, 2" % t).fetchall()
           for t in ("users", "grants", "invitations", "invite_joins", "user_totp")}
    db.close()
    return out


def invites():
    return {i["id"]: i for i in json.loads(fort("--json", "user", "invite", "list").stdout)}


class Browser:
    """A browser of its own: cookies kept per name, no session unless signed in."""

    def __init__(self, srv):
        self.srv = srv
        self.cookies = {}

    def send(self, method, path, fields=None, cookies=True):
        h = {}
        if cookies and self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        r, data = self.srv.fetch(method, path, body, h)
        for v in r.msg.get_all("Set-Cookie") or []:
            m = re.match(r"([^=]+)=([^;]*)", v)
            if m:
                self.cookies[m.group(1)] = m.group(2)
        return r, data.decode(errors="replace")


def hidden(page, name):
    m = re.search(r'name="%s" value="([^"]*)"' % name, page)
    return m.group(1) if m else None


class Invitations(serverkit.ServerTest):
    USERS = ("anna",)

    def owner_form(self, path, fields, csrf=True):
        """Anna's form (with her CSRF token unless CSRF is False): the response and the page as text."""
        r, data = self.anna.form(path, fields, csrf=csrf)
        return r, data.decode(errors="replace")

    def invite(self, name, role="staff", expires="7d"):
        r, page = self.owner_form("/users/invite", {"name": name, "role": role, "expires": expires})
        self.assertEqual(r.status, 200, page[:800])
        m = re.search(r'value="[^"]*/join/([A-Za-z0-9_-]+)"', page)
        self.assertIsNotNone(m, page[:2000])
        return m.group(1)

    def test_join_approve_signin(self):
        n_users = len(users())
        token = self.invite("kim")
        self.assertNotIn(token, self.srv.log())
        self.assertNotIn(token, json.dumps(audit_rows()))
        inv = [i for i in invites().values() if i["name"] == "kim"][-1]
        self.assertEqual(inv["state"], "open")
        self.assertEqual(inv["role"], "staff")
        # the invitee's own browser: the page, its headers
        kim = Browser(self.srv)
        r, page = kim.send("GET", "/join/" + token)
        self.assertEqual(r.status, 200, page[:800])
        self.assertEqual(r.getheader("Referrer-Policy"), "no-referrer")
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertIn("kim", page)
        self.assertIn("<svg class=\"qr\"", page)
        secret = hidden(page, "secret")
        jt = hidden(page, "join_token")
        self.assertTrue(secret and jt)
        good = {"join_token": jt, "secret": secret, "passphrase": KIM, "passphrase2": KIM}
        before = snapshot()
        # CSRF: the form's token missing, or another browser's (no cookie)
        r, page = Browser(self.srv).send("POST", "/join/" + token, dict(good, code=totp(secret)))
        self.assertEqual(r.status, 403, page[:800])
        r, page = kim.send("POST", "/join/" + token, dict(good, join_token="", code=totp(secret)))
        self.assertEqual(r.status, 403, page[:800])
        self.assertIn("did not come from the invitation page", page)
        self.assertEqual(snapshot(), before)
        # each answer is the form again with a new form token: mismatch, weak, wrong code
        r, page = kim.send("POST", "/join/" + token, dict(good, join_token=hidden(page, "join_token"),
                                                          passphrase2=KIM + "x", code=totp(secret)))
        self.assertEqual(r.status, 400, page[:800])
        self.assertIn("not the same", page)
        self.assertEqual(hidden(page, "secret"), secret, "the same key again: the app need not be set up twice")
        r, page = kim.send("POST", "/join/" + token, dict(good, join_token=hidden(page, "join_token"),
                                                          passphrase="password1", passphrase2="password1", code=totp(secret)))
        self.assertEqual(r.status, 400, page[:800])
        self.assertIn("passphrase", page)
        wrong = "%06d" % ((int(totp(secret)) + 500000) % 1000000)
        r, page = kim.send("POST", "/join/" + token, dict(good, join_token=hidden(page, "join_token"), code=wrong))
        self.assertEqual(r.status, 403, page[:800])
        self.assertEqual(snapshot(), before, "nothing changed by a refused join")
        # joined
        r, page = kim.send("POST", "/join/" + token, dict(good, join_token=hidden(page, "join_token"), code=totp(secret)))
        self.assertEqual(r.status, 200, page[:800])
        fp = re.search(r'id="fingerprint" class="secret">([0-9a-f ]+)<', page).group(1)
        codes = re.findall(r"<li><code>([a-z0-9-]{12})</code></li>", page)
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(users()), n_users + 1)
        self.assertIn(("kim", "pending"), users())
        inv = invites()[inv["id"]]
        self.assertEqual(inv["state"], "joined")
        self.assertEqual(inv["fingerprint"], fp)
        self.assertNotIn(token, self.srv.log())
        self.assertNotIn(KIM, self.srv.log())
        # the link works once: the page and the form refuse, audited, nothing changes
        before = snapshot()
        n_denied = len([a for a in audit_rows("invite-join") if a[2] == "denied"])
        r, page = kim.send("GET", "/join/" + token)
        self.assertEqual(r.status, 403, page[:800])
        self.assertIn("already used", page)
        r, page = kim.send("POST", "/join/" + token, dict(good, code=totp(secret)))
        self.assertEqual(r.status, 403, page[:800])
        self.assertEqual(snapshot(), before)
        self.assertGreaterEqual(len([a for a in audit_rows("invite-join") if a[2] == "denied"]), n_denied + 2)
        # pending: no sign-in yet
        r, j = self.srv.request("POST", "/api/session", {"user": "kim", "passphrase": KIM, "code": totp(secret, time.time() + 30)})
        self.assertNotEqual(r.status, 201)
        # the owner sees the fingerprint on the users page, and approves comparing it
        b = Browser(self.srv)
        b.cookies["fortress_session"] = self.anna.sid
        r, page = b.send("GET", "/users")
        self.assertIn(fp, page)
        r, page = self.owner_form("/users", {"name": "kim", "role": "staff", "fingerprint": "0000 1111 2222 3333"})
        self.assertIn(r.status, (409, 500), page[:600])
        self.assertIn("fingerprint", page)
        self.assertIn(("kim", "pending"), users())
        r, page = self.owner_form("/users", {"name": "kim", "role": "staff", "fingerprint": fp})
        self.assertEqual(r.status, 303, page[:600])
        self.assertIn(("kim", "active"), users())
        self.assertEqual(invites()[inv["id"]]["state"], "approved")
        # kim signs in with the second factor made when joining, and is staff
        s = Session(self.srv, "kim", code=totp(secret, time.time() + 30))
        r, j = s.req("GET", "/api/clients?limit=5")
        self.assertEqual(r.status, 200, j)
        b = Browser(self.srv)
        b.cookies["fortress_session"] = s.sid
        r, page = b.send("GET", "/users")
        self.assertNotIn("Invite someone", page)
        r, page = b.send("POST", "/users/invite", {"name": "eve", "role": "owner", "expires": "7d", "csrf": s.csrf})
        self.assertEqual(r.status, 403, page[:600])
        self.assertNotIn("eve", [i["name"] for i in invites().values()])

    def test_forged_revoked_csrf(self):
        token = self.invite("ida")
        iid = [i for i in invites().values() if i["name"] == "ida"][-1]["id"]
        before = snapshot()
        n_denied = len([a for a in audit_rows("invite-join") if a[2] == "denied"])
        # forged: the number right, the secret not; not a token at all
        forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
        for t in (forged, "1_short", "nothing"):
            r, page = Browser(self.srv).send("GET", "/join/" + t)
            self.assertEqual(r.status, 404, page[:600])
            self.assertIn("not valid", page)
        rows = [a for a in audit_rows("invite-join") if a[2] == "denied"]
        self.assertEqual(len(rows), n_denied + 3)
        self.assertNotIn(forged, json.dumps(rows) + self.srv.log())
        # revoke: CSRF first, then for real
        r, page = self.owner_form("/invites/%d/revoke" % iid, {}, csrf=False)
        self.assertEqual(r.status, 403, page[:600])
        self.assertEqual(snapshot(), before)
        r, page = self.owner_form("/invites/%d/revoke" % iid, {})
        self.assertEqual(r.status, 303, page[:600])
        self.assertEqual(invites()[iid]["state"], "revoked")
        r, page = Browser(self.srv).send("GET", "/join/" + token)
        self.assertEqual(r.status, 403, page[:600])
        self.assertIn("withdrawn", page)
        self.assertNotIn(("ida", "pending"), users())
        # a bad invitation form: no name, an unknown role, a bad expiry
        for f in ({"name": "", "role": "staff"}, {"name": "lea", "role": "nosuch"}, {"name": "lea", "role": "staff", "expires": "99d"}):
            r, page = self.owner_form("/users/invite", f)
            self.assertIn(r.status, (400, 404), page[:600])
        r, page = self.owner_form("/users/invite", {"name": "lea", "role": "staff"}, csrf=False)
        self.assertEqual(r.status, 403, page[:600])
        self.assertNotIn("lea", [i["name"] for i in invites().values()])

    def test_keys_reauth_throttled(self):
        """The keys page's passphrase typed again is slowed as sign-in is (issue 17 item 2)."""
        zoe = Session(self.srv, "zoe")
        b = Browser(self.srv)
        b.cookies["fortress_session"] = zoe.sid
        n0 = len([a for a in audit_rows("reauth") if a[2] == "denied"])
        form = {"shares": "3", "threshold": "2", "passphrase": "not zoe's passphrase at all", "csrf": zoe.csrf}
        for i in range(5):
            r, page = b.send("POST", "/keys/recovery", form)
            self.assertEqual(r.status, 403, page[:600])
            self.assertIn("not zoe's passphrase", page)
        # from the sixth on, each waits 2^(n-5) s after the last: on a slow machine (Argon2id under a
        # sanitizer) the first waits may be over before the next try, so try until one is slowed
        tries = 5
        for _ in range(8):
            r, page = b.send("POST", "/keys/recovery", form)
            tries += 1
            if r.status != 403:
                break
        self.assertEqual(r.status, 429, page[:600])
        self.assertTrue(int(r.getheader("Retry-After")) > 0)
        self.assertIn("too many wrong passphrases", page)
        # even the right passphrase waits now (no Argon2id spent), and is audited as throttled
        r, page = b.send("POST", "/keys/recovery", dict(form, passphrase=PASS["zoe"]))
        self.assertEqual(r.status, 429, page[:600])
        self.assertEqual(len([a for a in audit_rows("reauth") if a[2] == "denied"]), n0 + tries + 1)
        self.assertNotIn(PASS["zoe"], self.srv.log())

    def test_request_channel(self):
        """Recording a request on its page takes how it arrived and the client's words, as --channel and --note-file (issue 17 item 2)."""
        cid = fort("client", "add", "--set", "full_name=Channel Client", "--set", "email=channel@example.org").stdout.strip().split()[-1]
        today = time.strftime("%Y-%m-%d", time.gmtime())
        r, page = self.owner_form("/requests", {"kind": "rectification", "client": cid, "received": today,
                                                "jurisdiction": "EU", "channel": "pigeon", "note": "x"})
        self.assertEqual(r.status, 400, page[:600])
        self.assertIn("pigeon", page)
        r, page = self.owner_form("/requests", {"kind": "rectification", "client": cid, "received": today,
                                                "jurisdiction": "EU", "channel": "phone",
                                                "note": "my street is Lindenweg 4, not 14"})
        self.assertEqual(r.status, 303, page[:600])
        rid = int(r.getheader("Location").rsplit("/", 1)[1])
        j = json.loads(fort("--json", "request", "show", str(rid)).stdout)
        self.assertEqual(j["channel"], "phone")
        self.assertTrue(j.get("has_note") or j.get("note"), j)
        self.assertNotIn("Lindenweg", json.dumps(audit_rows()) + self.srv.log())

    def test_tampered_invitation(self):
        token = self.invite("lea")
        db = sqlite3.connect(serverkit.VAULT)
        db.execute("UPDATE invitations SET role = 'owner' WHERE name = 'lea'")
        db.commit()
        try:
            r, page = Browser(self.srv).send("GET", "/join/" + token)
            self.assertGreaterEqual(r.status, 400, page[:600])
            self.assertIn("changed outside Fortress", page)
            p = fort("user", "invite", "list", check=False)
            self.assertEqual(p.returncode, 8, p.stderr)
        finally:
            db.execute("UPDATE invitations SET role = 'staff' WHERE name = 'lea'")
            db.commit()
            db.close()
        r, page = Browser(self.srv).send("GET", "/join/" + token)
        self.assertEqual(r.status, 200, page[:600])


if __name__ == "__main__":
    serverkit.main("fortress-invite-")
