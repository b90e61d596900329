#!/usr/bin/env python3
"""HTTP refusals of the staff pages added for issue 17 item 5 (incident
assess, decide, close, review and actions; the erasure certificate on the
request page; later the tokens, roles and import upload pages): a form
without its CSRF token or with a wrong one, a role that may not, a wrong
confirmation, an unknown id, a GET where only a POST is possible.  Each
gets its status and a page saying what to do, the refusal is audited where
a person is known, and the vault is left as it was.  The sessions come
from test_serve.Session (the API's sign-in: the web pages share its
sessions and CSRF token).

    test_staff_pages.py --fortress build/fortress --root .
"""
import argparse, http.client, json, os, re, sys, tempfile, unittest, urllib.parse
import serverkit
from serverkit import fort, Server, audit_rows
from test_serve import Session
from test_api_routes import stop_clean

ARGS = None


def count(table, where="", args=()):
    return serverkit.count("SELECT count(*) FROM %s %s" % (table, where), args)


def snapshot():
    """Every table a refused form could have changed, with its rows
    (sorted here: either backend)."""
    tables = ("clients", "requests", "erased", "incidents", "incident_notes", "incident_actions", "users", "grants",
              "tokens")
    # the roles (meta 'roles' and its MAC), not the audit chain's head
    answers = serverkit.query_many(["SELECT * FROM %s" % t for t in tables] +
                                   ["SELECT * FROM meta WHERE k IN ('roles', 'policy_mac') ORDER BY k"])
    out = {t: sorted(rows, key=repr) for t, rows in zip(tables, answers)}
    out["roles"] = answers[-1]
    return out


class StaffPagesRefusals(unittest.TestCase):
    srv = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        cls.anna = Session(cls.srv, "anna")
        cls.sam = Session(cls.srv, "sam")

    @classmethod
    def tearDownClass(cls):
        stop_clean(cls.srv)

    def form(self, session, path, fields, csrf=True, method="POST"):
        """POST a form (urlencoded FIELDS) with SESSION's cookie, and its CSRF token unless CSRF is False (or a string)."""
        f = dict(fields)
        if csrf is True:
            f["csrf"] = session.csrf
        elif csrf:
            f["csrf"] = csrf
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        c.request(method, path, body=urllib.parse.urlencode(f).encode(),
                  headers={"Cookie": "fortress_session=" + session.sid,
                           "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    def assertRefused(self, r, data, status, words, before):
        self.assertEqual(r.status, status, data[:600])
        self.assertIn(words, data.decode(errors="replace"))
        self.assertEqual(snapshot(), before, "nothing changed")

    def new_incident(self):
        return json.loads(fort("--json", "incident", "open", "Mail sent to the wrong client", "--kind",
                               "misdirected-email").stdout)["id"]

    # ------------------------------------------------------------ incidents

    def test_incident_forms_need_csrf(self):
        iid = self.new_incident()
        for what, fields in (("assess", {"likelihood": "3", "severity": "3"}),
                             ("decide", {"decision": "notify", "reasons": "names and bank details"}),
                             ("close", {}), ("review", {"what": "x"}),
                             ("actions", {"text": "y", "owner": "sam", "due": "2030-01-01"})):
            before = snapshot()
            r, data = self.form(self.anna, "/incidents/%d/%s" % (iid, what), fields, csrf=False)
            self.assertRefused(r, data, 403, "this form has no security token", before)
            r, data = self.form(self.anna, "/incidents/%d/%s" % (iid, what), fields, csrf="A" * len(self.anna.csrf))
            self.assertRefused(r, data, 403, "security token is wrong or out of date", before)

    def test_refusals_audited(self):
        iid = self.new_incident()
        before = len(audit_rows())
        r, data = self.form(self.anna, "/incidents/%d/close" % iid, {}, csrf=False)
        self.assertEqual(r.status, 403)
        rows = audit_rows()[before:]
        self.assertTrue([x for x in rows if x[0] == "anna" and x[2] == "denied"], rows)

    def test_incident_bad_inputs(self):
        iid = self.new_incident()
        before = snapshot()
        r, data = self.form(self.anna, "/incidents/%d/assess" % iid, {"likelihood": "9"})
        self.assertRefused(r, data, 400, "the likelihood is 1 to 5, not", before)
        r, data = self.form(self.anna, "/incidents/%d/assess" % iid, {"encrypted": "perhaps"})
        self.assertRefused(r, data, 400, "yes or no", before)
        r, data = self.form(self.anna, "/incidents/%d/decide" % iid, {"decision": "maybe", "reasons": "r"})
        self.assertRefused(r, data, 400, "notify", before)
        r, data = self.form(self.anna, "/incidents/%d/close" % iid, {})
        self.assertRefused(r, data, 400, "fact", before)
        r, data = self.form(self.anna, "/incidents/%d/review" % iid, {"what": ""})
        self.assertRefused(r, data, 400, "the review is empty", before)
        r, data = self.form(self.anna, "/incidents/%d/actions" % iid, {"text": "t", "owner": "sam", "due": "soon"})
        self.assertRefused(r, data, 400, "due date", before)
        r, data = self.form(self.anna, "/incidents/999999/close", {})
        self.assertRefused(r, data, 404, "incident", before)
        r, data = self.form(self.anna, "/actions/x1/done", {})
        self.assertRefused(r, data, 404, "is not an action number", before)
        r, data = self.form(self.anna, "/actions/999999/done", {})
        self.assertRefused(r, data, 404, "action", before)
        r, data = self.form(self.anna, "/incidents/%d/close" % iid, {}, method="PUT")
        self.assertRefused(r, data, 405, "cannot be used that way", before)
        self.assertEqual(r.getheader("Allow"), "POST")

    # ------------------------------------------------------------ erasure certificate

    def test_erasure_certificate_refusals(self):
        out = fort("--json", "client", "add", "--set", "full_name=Ute Bleibt", "--set", "email=ute@example.org").stdout
        cid = json.loads(out)["id"]
        rid = json.loads(fort("--json", "request", "open", "erasure", cid, "--received", "2026-11-02").stdout)["id"]
        path = "/requests/%d/certificate" % rid
        before = snapshot()
        r, data = self.form(self.anna, path, {"confirm": cid}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.form(self.anna, path, {"confirm": "c-0000000000000000"})
        self.assertRefused(r, data, 400, "(%s) exactly to confirm" % cid, before)
        r, data = self.form(self.anna, path, {})
        self.assertRefused(r, data, 400, "Nothing was erased", before)
        # staff may not erase: the library refuses, nothing erased
        r, data = self.form(self.sam, path, {"confirm": cid})
        self.assertRefused(r, data, 403, "erase", before)
        self.assertEqual(fort("client", "get", cid, check=False).returncode, 0)
        r, data = self.form(self.anna, "/requests/999999/certificate", {"confirm": cid})
        self.assertRefused(r, data, 404, "request", before)

    def multipart(self, session, path, fields, files, csrf=True, ctype=None):
        """POST a multipart/form-data body: FIELDS (name: text), FILES (name, filename, bytes)."""
        f = dict(fields)
        if csrf is True:
            f["csrf"] = session.csrf
        b = "----fortress-test-7Yq2"
        body = b""
        for k, v in f.items():
            body += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (b, k, v)).encode()
        for name, fname, data in files:
            body += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: text/csv\r\n\r\n'
                     % (b, name, fname)).encode() + data + b"\r\n"
        body += ("--%s--\r\n" % b).encode()
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        c.request("POST", path, body=body, headers={"Cookie": "fortress_session=" + session.sid,
                                                    "Content-Type": ctype or "multipart/form-data; boundary=" + b})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    # ------------------------------------------------------------ import upload

    def test_import_upload(self):
        csv = b"full_name,email\nPia Datei,pia.datei@example.org\nBad,not-an-address\n"
        before = snapshot()
        path = "/clients/import/file"
        r, data = self.multipart(self.anna, path, {}, [("file", "c.csv", csv)], csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.multipart(self.anna, path, {"csrf": "B" * len(self.anna.csrf)}, [("file", "c.csv", csv)], csrf=False)
        self.assertRefused(r, data, 403, "security token is wrong", before)
        # all or nothing: the bad row named by its line
        r, data = self.multipart(self.anna, path, {}, [("file", "c.csv", csv)])
        self.assertRefused(r, data, 400, "line 3", before)
        # no file, an empty one, two files, a file under another name
        r, data = self.multipart(self.anna, path, {}, [])
        self.assertRefused(r, data, 400, "no file came with the form", before)
        r, data = self.multipart(self.anna, path, {}, [("file", "empty.csv", b"")])
        self.assertRefused(r, data, 400, "no file came with the form", before)
        r, data = self.multipart(self.anna, path, {}, [("file", "a.csv", csv), ("file", "b.csv", csv)])
        self.assertRefused(r, data, 400, "one file", before)
        r, data = self.multipart(self.anna, path, {}, [("other", "a.csv", csv)])
        self.assertRefused(r, data, 400, "one file", before)
        # not multipart, no boundary, a JSON body
        r, data = self.multipart(self.anna, path, {}, [("file", "c.csv", csv)], ctype="multipart/form-data")
        self.assertRefused(r, data, 400, "", before)
        r, data = self.multipart(self.anna, path, {}, [("file", "c.csv", csv)], ctype="application/json")
        self.assertRefused(r, data, 415, "file upload (multipart/form-data)", before)
        # larger than the server's limit (1 MiB by default): 413 with what to do
        big = b"full_name,email\n" + b"".join(b"Name %d,n%d@example.org\n" % (i, i) for i in range(60000))
        self.assertGreater(len(big), 1 << 20)
        r, data = self.multipart(self.anna, path, {}, [("file", "big.csv", big)])
        self.assertRefused(r, data, 413, "split it into smaller files", before)
        # the pasted form's route takes no upload
        r, data = self.multipart(self.anna, "/clients/import", {}, [("file", "c.csv", csv)])
        self.assertRefused(r, data, 415, "application/x-www-form-urlencoded", before)
        # the good row, with skip: imported
        n = count("clients")
        r, data = self.multipart(self.anna, path, {"skip": "1"}, [("file", "c.csv", csv)])
        self.assertEqual(r.status, 200, data[:500])
        self.assertIn(b"1 of 2 clients imported", data)
        self.assertEqual(count("clients"), n + 1)
        self.assertNotIn("pia.datei", self.srv.log())

    # ------------------------------------------------------------ roles

    def test_roles_refusals(self):
        before = snapshot()
        r, data = self.form(self.anna, "/roles", {"name": "helper", "item": "read"}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        # staff may not manage roles: the library refuses
        r, data = self.form(self.sam, "/roles", {"name": "helper", "item": "read"})
        self.assertRefused(r, data, 403, "users", before)
        r, data = self.form(self.sam, "/roles/change", {"role": "staff", "item": "financial", "op": "grant"})
        self.assertRefused(r, data, 403, "users", before)
        r, data = self.form(self.sam, "/users/role", {"name": "sam", "role": "owner"})
        self.assertRefused(r, data, 403, "users", before)
        # bad inputs named
        r, data = self.form(self.anna, "/roles", {"name": "helper", "item": "bankdetails"})
        self.assertRefused(r, data, 400, "bankdetails", before)
        r, data = self.form(self.anna, "/roles", {"name": "staff"})
        self.assertRefused(r, data, 409, "staff", before)
        r, data = self.form(self.anna, "/roles/change", {"role": "staff", "op": "grant"})
        self.assertRefused(r, data, 400, "tick the data and actions", before)
        r, data = self.form(self.anna, "/roles/change", {"role": "nosuchrole", "item": "read", "op": "grant"})
        self.assertRefused(r, data, 404, "nosuchrole", before)
        r, data = self.form(self.anna, "/roles/change", {"role": "owner", "item": "financial", "op": "revoke"})
        self.assertRefused(r, data, 400, "owner", before)
        r, data = self.form(self.anna, "/users/role", {"name": "ghost", "role": "staff"})
        self.assertRefused(r, data, 404, "ghost", before)

    # ------------------------------------------------------------ tokens

    def test_tokens_refusals(self):
        before = snapshot()
        ok = {"name": "shop", "role": "staff", "expires": "30d"}
        r, data = self.form(self.anna, "/tokens", ok, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.form(self.sam, "/tokens", ok)
        self.assertRefused(r, data, 403, "users", before)
        r, data = self.form(self.anna, "/tokens", dict(ok, role="owner"))
        self.assertRefused(r, data, 400, "owner", before)
        r, data = self.form(self.anna, "/tokens", dict(ok, role="nosuchrole"))
        self.assertRefused(r, data, 404, "nosuchrole", before)
        r, data = self.form(self.anna, "/tokens", dict(ok, expires="999d"))
        self.assertRefused(r, data, 400, "366", before)
        r, data = self.form(self.anna, "/tokens", dict(ok, name="Bad Name!"))
        self.assertRefused(r, data, 400, "a-z", before)
        r, data = self.form(self.anna, "/tokens", dict(ok, purposes="nosuchpurpose"))
        self.assertRefused(r, data, 404, "nosuchpurpose", before)
        r, data = self.form(self.anna, "/tokens", dict(ok, purposes="billing," * 80))
        self.assertRefused(r, data, 400, "name fewer", before)
        r, data = self.form(self.anna, "/tokens/ghost/revoke", {})
        self.assertRefused(r, data, 404, "ghost", before)
        # made: the secret only in the answer's body, not in a header or the log
        r, data = self.form(self.anna, "/tokens", ok)
        self.assertEqual(r.status, 200, data[:400])
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertIsNone(r.getheader("Location"))
        secret = re.search(rb'value="(fortress_tok_[A-Za-z0-9_-]+)"', data).group(1).decode()
        self.assertNotIn(secret, self.srv.log())
        before = snapshot()
        r, data = self.form(self.sam, "/tokens/shop/revoke", {})
        self.assertRefused(r, data, 403, "users", before)
        r, data = self.form(self.anna, "/tokens/shop/revoke", {}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.form(self.anna, "/tokens/shop/revoke", {})
        self.assertEqual(r.status, 303)
        r, data = self.form(self.anna, "/tokens/shop/revoke", {})
        self.assertEqual(r.status, 400, "already revoked")

    # ------------------------------------------------------------ doctor

    def test_doctor_needs_a_post_with_csrf(self):
        n = count("doctor_runs")
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        c.request("GET", "/doctor", headers={"Cookie": "fortress_session=" + self.anna.sid})
        r = c.getresponse()
        body = r.read()
        c.close()
        self.assertEqual(r.status, 200)
        self.assertIn(b"Run the check-up", body)
        self.assertEqual(count("doctor_runs"), n, "a GET runs nothing")
        r, data = self.form(self.anna, "/doctor", {}, csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(count("doctor_runs"), n)
        r, data = self.form(self.sam, "/doctor", {})
        self.assertEqual(r.status, 200, data[:300])
        self.assertEqual(count("doctor_runs"), n + 1)

    # ------------------------------------------------------------ keys and recovery

    def recovery(self):
        return json.loads(fort("--json", "recovery", "status").stdout)

    def test_keys_and_recovery_refusals(self):
        before = snapshot()
        rec = self.recovery()
        ok = {"shares": "3", "threshold": "2", "passphrase": serverkit.PASS["anna"]}
        r, data = self.form(self.anna, "/keys/recovery", ok, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        # the session alone is not enough: the passphrase, typed again
        n = len(audit_rows("reauth"))
        r, data = self.form(self.anna, "/keys/recovery", dict(ok, passphrase="wrong wrong wrong wrong"))
        self.assertRefused(r, data, 403, "that is not anna", before)
        self.assertEqual(audit_rows("reauth")[n:], [("anna", "reauth", "denied", "wrong passphrase typed to confirm")])
        r, data = self.form(self.anna, "/keys/recovery", dict(ok, passphrase=""))
        self.assertRefused(r, data, 400, "type your passphrase", before)
        r, data = self.form(self.anna, "/keys/recovery", dict(ok, threshold="5"))
        self.assertRefused(r, data, 400, "2 to 3", before)
        r, data = self.form(self.anna, "/keys/recovery", dict(ok, shares="1"))
        self.assertRefused(r, data, 400, "2 to 255", before)
        # staff, with their own right passphrase: only the owner makes shares
        r, data = self.form(self.sam, "/keys/recovery", dict(ok, passphrase=serverkit.PASS["sam"]))
        self.assertRefused(r, data, 403, "does not allow", before)
        self.assertEqual(self.recovery(), rec)
        # rotation
        r, data = self.form(self.anna, "/keys/rotate", {"key": "financial"}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.form(self.anna, "/keys/rotate", {})
        self.assertRefused(r, data, 400, "tick the keys", before)
        r, data = self.form(self.anna, "/keys/rotate", {"key": "bankdetails"})
        self.assertIn(r.status, (400, 404), data[:300])
        self.assertIn(b"bankdetails", data)
        self.assertEqual(snapshot(), before)
        r, data = self.form(self.sam, "/keys/rotate", {"key": "contact"})
        self.assertRefused(r, data, 403, "users", before)

    # ------------------------------------------------------------ mail settings

    def test_mail_settings_refusals(self):
        show = lambda: fort("--json", "mail", "show").stdout  # noqa: E731
        before, mail = snapshot(), show()
        saved = lambda: [x for x in audit_rows("mail-settings") if x[2] == "ok"]  # noqa: E731
        n = len(saved())
        ok = {"host": "smtp.example.com", "port": "587", "security": "starttls", "from": "office@example.com"}
        r, data = self.form(self.anna, "/mail", ok, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.form(self.sam, "/mail", ok)
        self.assertRefused(r, data, 403, "does not allow", before)
        for field, bad, words in (("security", "ssl3", "smtp.security"), ("from", "not-an-address", "smtp.from"),
                                  ("host", "smtp example com", "smtp.host"), ("port", "0", "smtp.port")):
            r, data = self.form(self.anna, "/mail", dict(ok, **{field: bad}))
            self.assertRefused(r, data, 400, words, before)
        r, data = self.form(self.anna, "/mail", dict(ok, password="x", clear_password="1"))
        self.assertRefused(r, data, 400, "not both", before)
        r, data = self.form(self.anna, "/mail", {})
        self.assertRefused(r, data, 400, "nothing to change", before)
        self.assertEqual(show(), mail)
        self.assertEqual(len(saved()), n, "nothing saved, nothing audited as saved")
        # the test message: CSRF, and a bad address
        r, data = self.form(self.anna, "/mail/test", {"to": "anna@example.com"}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.form(self.anna, "/mail/test", {"to": "nobody"})
        self.assertEqual(r.status, 400, data[:300])
        # saved in one go: one audit entry naming the keys, never the password
        r, data = self.form(self.anna, "/mail", dict(ok, password="pw-7c1e0b"))
        self.assertEqual(r.status, 303, data[:300])
        rows = saved()[n:]
        self.assertEqual(len(rows), 1, rows)
        self.assertIn("smtp.host smtp.port smtp.security smtp.from smtp.password set", rows[0][3])
        self.assertNotIn("pw-7c1e0b", self.srv.log() + json.dumps(rows))


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortress", required=True)
    ap.add_argument("--root", required=True)
    ARGS, rest = ap.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="fortress-staff-") as tmp:
        serverkit.setup(ARGS.fortress, tmp)
        serverkit.team_vault()
        prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
        ok = prog.result.wasSuccessful()
        if ok:
            v = fort("audit", "verify", check=False)
            if v.returncode != 0:
                print("audit verify after the tests failed: " + v.stdout + v.stderr)
                ok = False
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
