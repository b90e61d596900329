#!/usr/bin/env python3
"""HTTP refusals of the staff pages added for issue 17 item 5 (incident
assess, decide, close, review and actions; the erasure certificate on the
request page; later the tokens, roles and import upload pages): a form
without its CSRF token or with a wrong one, a role that may not, a wrong
confirmation, an unknown id, a GET where only a POST is possible.  Each
gets its status and a page saying what to do, the refusal is audited where
a person is known, and the vault is left as it was.  The sessions come
from serverkit.Session (the API's sign-in: the web pages share its
sessions and CSRF token), as do the requests (Session.form, .upload).

    test_staff_pages.py --fortress build/fortress --root .
"""
import json, re
import serverkit
from serverkit import fort, audit_rows, table_count as count


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


class StaffPagesRefusals(serverkit.ServerTest):
    SNAPSHOT = snapshot

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
            r, data = self.anna.form("/incidents/%d/%s" % (iid, what), fields, csrf=False)
            self.assertRefused(r, data, 403, "this form has no security token", before)
            r, data = self.anna.form("/incidents/%d/%s" % (iid, what), fields, csrf="A" * len(self.anna.csrf))
            self.assertRefused(r, data, 403, "security token is wrong or out of date", before)

    def test_refusals_audited(self):
        iid = self.new_incident()
        before = len(audit_rows())
        r, data = self.anna.form("/incidents/%d/close" % iid, {}, csrf=False)
        self.assertEqual(r.status, 403)
        rows = audit_rows()[before:]
        self.assertTrue([x for x in rows if x[0] == "anna" and x[2] == "denied"], rows)

    def test_incident_bad_inputs(self):
        iid = self.new_incident()
        before = snapshot()
        r, data = self.anna.form("/incidents/%d/assess" % iid, {"likelihood": "9"})
        self.assertRefused(r, data, 400, "the likelihood is 1 to 5, not", before)
        r, data = self.anna.form("/incidents/%d/assess" % iid, {"encrypted": "perhaps"})
        self.assertRefused(r, data, 400, "yes or no", before)
        r, data = self.anna.form("/incidents/%d/decide" % iid, {"decision": "maybe", "reasons": "r"})
        self.assertRefused(r, data, 400, "notify", before)
        r, data = self.anna.form("/incidents/%d/close" % iid, {})
        self.assertRefused(r, data, 400, "fact", before)
        r, data = self.anna.form("/incidents/%d/review" % iid, {"what": ""})
        self.assertRefused(r, data, 400, "the review is empty", before)
        r, data = self.anna.form("/incidents/%d/actions" % iid, {"text": "t", "owner": "sam", "due": "soon"})
        self.assertRefused(r, data, 400, "due date", before)
        r, data = self.anna.form("/incidents/999999/close", {})
        self.assertRefused(r, data, 404, "incident", before)
        r, data = self.anna.form("/actions/x1/done", {})
        self.assertRefused(r, data, 404, "is not an action number", before)
        r, data = self.anna.form("/actions/999999/done", {})
        self.assertRefused(r, data, 404, "action", before)
        r, data = self.anna.form("/incidents/%d/close" % iid, {}, method="PUT")
        self.assertRefused(r, data, 405, "cannot be used that way", before)
        self.assertEqual(r.getheader("Allow"), "POST")

    # ------------------------------------------------------------ erasure certificate

    def test_erasure_certificate_refusals(self):
        out = fort("--json", "client", "add", "--set", "full_name=Ute Bleibt", "--set", "email=ute@example.org").stdout
        cid = json.loads(out)["id"]
        rid = json.loads(fort("--json", "request", "open", "erasure", cid, "--received", "2026-11-02").stdout)["id"]
        path = "/requests/%d/certificate" % rid
        before = snapshot()
        r, data = self.anna.form(path, {"confirm": cid}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.anna.form(path, {"confirm": "c-0000000000000000"})
        self.assertRefused(r, data, 400, "(%s) exactly to confirm" % cid, before)
        r, data = self.anna.form(path, {})
        self.assertRefused(r, data, 400, "Nothing was erased", before)
        # staff may not erase: the library refuses, nothing erased
        r, data = self.sam.form(path, {"confirm": cid})
        self.assertRefused(r, data, 403, "erase", before)
        self.assertEqual(fort("client", "get", cid, check=False).returncode, 0)
        r, data = self.anna.form("/requests/999999/certificate", {"confirm": cid})
        self.assertRefused(r, data, 404, "request", before)

    # ------------------------------------------------------------ import upload

    def test_import_upload(self):
        csv = b"full_name,email\nPia Datei,pia.datei@example.org\nBad,not-an-address\n"
        before = snapshot()
        path = "/clients/import/file"
        r, data = self.anna.upload(path, {}, [("file", "c.csv", csv)], csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.anna.upload(path, {"csrf": "B" * len(self.anna.csrf)}, [("file", "c.csv", csv)], csrf=False)
        self.assertRefused(r, data, 403, "security token is wrong", before)
        # all or nothing: the bad row named by its line
        r, data = self.anna.upload(path, {}, [("file", "c.csv", csv)])
        self.assertRefused(r, data, 400, "line 3", before)
        # no file, an empty one, two files, a file under another name
        r, data = self.anna.upload(path, {}, [])
        self.assertRefused(r, data, 400, "no file came with the form", before)
        r, data = self.anna.upload(path, {}, [("file", "empty.csv", b"")])
        self.assertRefused(r, data, 400, "no file came with the form", before)
        r, data = self.anna.upload(path, {}, [("file", "a.csv", csv), ("file", "b.csv", csv)])
        self.assertRefused(r, data, 400, "one file", before)
        r, data = self.anna.upload(path, {}, [("other", "a.csv", csv)])
        self.assertRefused(r, data, 400, "one file", before)
        # not multipart, no boundary, a JSON body
        r, data = self.anna.upload(path, {}, [("file", "c.csv", csv)], ctype="multipart/form-data")
        self.assertRefused(r, data, 400, "", before)
        r, data = self.anna.upload(path, {}, [("file", "c.csv", csv)], ctype="application/json")
        self.assertRefused(r, data, 415, "file upload (multipart/form-data)", before)
        # larger than the server's limit (1 MiB by default): 413 with what to do
        big = b"full_name,email\n" + b"".join(b"Name %d,n%d@example.org\n" % (i, i) for i in range(60000))
        self.assertGreater(len(big), 1 << 20)
        r, data = self.anna.upload(path, {}, [("file", "big.csv", big)])
        self.assertRefused(r, data, 413, "split it into smaller files", before)
        # the pasted form's route takes no upload
        r, data = self.anna.upload("/clients/import", {}, [("file", "c.csv", csv)])
        self.assertRefused(r, data, 415, "application/x-www-form-urlencoded", before)
        # the good row, with skip: imported
        n = count("clients")
        r, data = self.anna.upload(path, {"skip": "1"}, [("file", "c.csv", csv)])
        self.assertEqual(r.status, 200, data[:500])
        self.assertIn(b"1 of 2 clients imported", data)
        self.assertEqual(count("clients"), n + 1)
        self.assertNotIn("pia.datei", self.srv.log())

    # ------------------------------------------------------------ roles

    def test_roles_refusals(self):
        before = snapshot()
        r, data = self.anna.form("/roles", {"name": "helper", "item": "read"}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        # staff may not manage roles: the library refuses
        r, data = self.sam.form("/roles", {"name": "helper", "item": "read"})
        self.assertRefused(r, data, 403, "users", before)
        r, data = self.sam.form("/roles/change", {"role": "staff", "item": "financial", "op": "grant"})
        self.assertRefused(r, data, 403, "users", before)
        r, data = self.sam.form("/users/role", {"name": "sam", "role": "owner"})
        self.assertRefused(r, data, 403, "users", before)
        # bad inputs named
        r, data = self.anna.form("/roles", {"name": "helper", "item": "bankdetails"})
        self.assertRefused(r, data, 400, "bankdetails", before)
        r, data = self.anna.form("/roles", {"name": "staff"})
        self.assertRefused(r, data, 409, "staff", before)
        r, data = self.anna.form("/roles/change", {"role": "staff", "op": "grant"})
        self.assertRefused(r, data, 400, "tick the data and actions", before)
        r, data = self.anna.form("/roles/change", {"role": "nosuchrole", "item": "read", "op": "grant"})
        self.assertRefused(r, data, 404, "nosuchrole", before)
        r, data = self.anna.form("/roles/change", {"role": "owner", "item": "financial", "op": "revoke"})
        self.assertRefused(r, data, 400, "owner", before)
        r, data = self.anna.form("/users/role", {"name": "ghost", "role": "staff"})
        self.assertRefused(r, data, 404, "ghost", before)

    # ------------------------------------------------------------ tokens

    def test_tokens_refusals(self):
        before = snapshot()
        ok = {"name": "shop", "role": "staff", "expires": "30d"}
        r, data = self.anna.form("/tokens", ok, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.sam.form("/tokens", ok)
        self.assertRefused(r, data, 403, "users", before)
        r, data = self.anna.form("/tokens", dict(ok, role="owner"))
        self.assertRefused(r, data, 400, "owner", before)
        r, data = self.anna.form("/tokens", dict(ok, role="nosuchrole"))
        self.assertRefused(r, data, 404, "nosuchrole", before)
        r, data = self.anna.form("/tokens", dict(ok, expires="999d"))
        self.assertRefused(r, data, 400, "366", before)
        r, data = self.anna.form("/tokens", dict(ok, name="Bad Name!"))
        self.assertRefused(r, data, 400, "a-z", before)
        r, data = self.anna.form("/tokens", dict(ok, purposes="nosuchpurpose"))
        self.assertRefused(r, data, 404, "nosuchpurpose", before)
        r, data = self.anna.form("/tokens", dict(ok, purposes="billing," * 80))
        self.assertRefused(r, data, 400, "name fewer", before)
        r, data = self.anna.form("/tokens/ghost/revoke", {})
        self.assertRefused(r, data, 404, "ghost", before)
        # made: the secret only in the answer's body, not in a header or the log
        r, data = self.anna.form("/tokens", ok)
        self.assertEqual(r.status, 200, data[:400])
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertIsNone(r.getheader("Location"))
        secret = re.search(rb'value="(fortress_tok_[A-Za-z0-9_-]+)"', data).group(1).decode()
        self.assertNotIn(secret, self.srv.log())
        before = snapshot()
        r, data = self.sam.form("/tokens/shop/revoke", {})
        self.assertRefused(r, data, 403, "users", before)
        r, data = self.anna.form("/tokens/shop/revoke", {}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.anna.form("/tokens/shop/revoke", {})
        self.assertEqual(r.status, 303)
        r, data = self.anna.form("/tokens/shop/revoke", {})
        self.assertEqual(r.status, 400, "already revoked")

    # ------------------------------------------------------------ doctor

    def test_doctor_needs_a_post_with_csrf(self):
        n = count("doctor_runs")
        r, body = self.anna.get("/doctor")
        self.assertEqual(r.status, 200)
        self.assertIn(b"Run the check-up", body)
        self.assertEqual(count("doctor_runs"), n, "a GET runs nothing")
        r, data = self.anna.form("/doctor", {}, csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(count("doctor_runs"), n)
        r, data = self.sam.form("/doctor", {})
        self.assertEqual(r.status, 200, data[:300])
        self.assertEqual(count("doctor_runs"), n + 1)

    # ------------------------------------------------------------ keys and recovery

    def recovery(self):
        return json.loads(fort("--json", "recovery", "status").stdout)

    def test_keys_and_recovery_refusals(self):
        before = snapshot()
        rec = self.recovery()
        ok = {"shares": "3", "threshold": "2", "passphrase": serverkit.PASS["anna"]}
        r, data = self.anna.form("/keys/recovery", ok, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        # the session alone is not enough: the passphrase, typed again
        n = len(audit_rows("reauth"))
        r, data = self.anna.form("/keys/recovery", dict(ok, passphrase="wrong wrong wrong wrong"))
        self.assertRefused(r, data, 403, "that is not anna", before)
        self.assertEqual(audit_rows("reauth")[n:], [("anna", "reauth", "denied", "wrong passphrase typed to confirm")])
        r, data = self.anna.form("/keys/recovery", dict(ok, passphrase=""))
        self.assertRefused(r, data, 400, "type your passphrase", before)
        r, data = self.anna.form("/keys/recovery", dict(ok, threshold="5"))
        self.assertRefused(r, data, 400, "2 to 3", before)
        r, data = self.anna.form("/keys/recovery", dict(ok, shares="1"))
        self.assertRefused(r, data, 400, "2 to 255", before)
        # staff, with their own right passphrase: only the owner makes shares
        r, data = self.sam.form("/keys/recovery", dict(ok, passphrase=serverkit.PASS["sam"]))
        self.assertRefused(r, data, 403, "does not allow", before)
        self.assertEqual(self.recovery(), rec)
        # rotation
        r, data = self.anna.form("/keys/rotate", {"key": "financial"}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.anna.form("/keys/rotate", {})
        self.assertRefused(r, data, 400, "tick the keys", before)
        r, data = self.anna.form("/keys/rotate", {"key": "bankdetails"})
        self.assertIn(r.status, (400, 404), data[:300])
        self.assertIn(b"bankdetails", data)
        self.assertEqual(snapshot(), before)
        r, data = self.sam.form("/keys/rotate", {"key": "contact"})
        self.assertRefused(r, data, 403, "users", before)

    # ------------------------------------------------------------ mail settings

    def test_mail_settings_refusals(self):
        show = lambda: fort("--json", "mail", "show").stdout  # noqa: E731
        before, mail = snapshot(), show()
        saved = lambda: [x for x in audit_rows("mail-settings") if x[2] == "ok"]  # noqa: E731
        n = len(saved())
        ok = {"host": "smtp.example.com", "port": "587", "security": "starttls", "from": "office@example.com"}
        r, data = self.anna.form("/mail", ok, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.sam.form("/mail", ok)
        self.assertRefused(r, data, 403, "does not allow", before)
        for field, bad, words in (("security", "ssl3", "smtp.security"), ("from", "not-an-address", "smtp.from"),
                                  ("host", "smtp example com", "smtp.host"), ("port", "0", "smtp.port")):
            r, data = self.anna.form("/mail", dict(ok, **{field: bad}))
            self.assertRefused(r, data, 400, words, before)
        r, data = self.anna.form("/mail", dict(ok, password="x", clear_password="1"))
        self.assertRefused(r, data, 400, "not both", before)
        r, data = self.anna.form("/mail", {})
        self.assertRefused(r, data, 400, "nothing to change", before)
        self.assertEqual(show(), mail)
        self.assertEqual(len(saved()), n, "nothing saved, nothing audited as saved")
        # the test message: CSRF, and a bad address
        r, data = self.anna.form("/mail/test", {"to": "anna@example.com"}, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = self.anna.form("/mail/test", {"to": "nobody"})
        self.assertEqual(r.status, 400, data[:300])
        # saved in one go: one audit entry naming the keys, never the password
        r, data = self.anna.form("/mail", dict(ok, password="pw-7c1e0b"))
        self.assertEqual(r.status, 303, data[:300])
        rows = saved()[n:]
        self.assertEqual(len(rows), 1, rows)
        self.assertIn("smtp.host smtp.port smtp.security smtp.from smtp.password set", rows[0][3])
        self.assertNotIn("pw-7c1e0b", self.srv.log() + json.dumps(rows))


if __name__ == "__main__":
    serverkit.main("fortress-staff-")
