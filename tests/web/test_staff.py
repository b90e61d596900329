#!/usr/bin/env python3
"""Browser tests of the staff pages added for issue 17 item 5's last part:
an incident assessed, decided, closed and reviewed with a tracked action;
an erasure request answered from its page with the signed certificate as a
download.  One browser for this module; the browser, the server and the
helpers are test_web.py's BrowserCase (vault setup and TOTP from
tests/server/serverkit.py), every new page checked with axe-core.

    test_staff.py --fortress build/fortress --root .
"""
import http.client, io, json, os, re, sqlite3, subprocess, sys, time, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_web as tw  # noqa: E402
from test_web import BrowserCase, count  # noqa: E402
import serverkit as kit  # noqa: E402
from serverkit import audit_rows  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def incident_row(iid):
    db = sqlite3.connect("file:%s?mode=ro" % kit.VAULT, uri=True)
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM incidents WHERE id = ?", (int(iid),)).fetchone()
    db.close()
    return dict(row)


class StaffPages(BrowserCase):
    def main_text(self):
        return self.driver.find_element(By.TAG_NAME, "main").text

    def click(self, el):
        """Click EL (a form's button) and wait until the next page replaced this one (its <h1> may be the same)."""
        tw.click_and_wait(self.driver, el)

    def submit(self, action_part):
        self.click(self.driver.find_element(By.XPATH, "//form[contains(@action,'%s')]//button[@type='submit']" % action_part))

    def test_incident_assessed_decided_closed_reviewed(self):
        d = self.driver
        iid = str(json.loads(kit.fort("--json", "incident", "open", "Laptop stolen from the car", "--kind",
                                      "lost-device").stdout)["id"])
        self.signed_in("anna")
        self.go("/incidents/" + iid)
        self.wait_h1("Incident " + iid)
        self.axe("incident with assess, decide and close")
        # closing too early: the library says what is missing, nothing changes
        self.submit("/close")
        self.wait_h1("Please check what you entered")
        self.assertIn("fact", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.axe("incident close refused")
        self.assertEqual(incident_row(iid)["closed"], 0)
        for kind, text in (("fact", "the laptop's disk is encrypted"), ("effect", "none known"),
                           ("remedy", "the laptop was wiped remotely")):
            kit.fort("incident", "log", iid, kind, text)
        # the assessment: likelihood 2 x severity 3, encrypted, key safe
        self.go("/incidents/" + iid)
        Select(d.find_element(By.ID, "likelihood")).select_by_value("2")
        Select(d.find_element(By.ID, "severity")).select_by_value("3")
        Select(d.find_element(By.ID, "encrypted")).select_by_value("yes")
        Select(d.find_element(By.ID, "key_compromised")).select_by_value("no")
        d.find_element(By.ID, "contact").send_keys("Anna Berg, privacy@acme.example")
        self.submit("/assess")
        self.wait_h1("Incident " + iid)
        self.assertIn("6 of 25 (likelihood 2, severity 3)", d.find_element(By.CSS_SELECTOR, "dl.facts").text)
        row = incident_row(iid)
        self.assertEqual((row["likelihood"], row["severity"], row["encrypted"], row["key_compromised"]), (2, 3, 1, 0))
        # a decision without reasons: refused by the library (the browser's own check removed)
        d.find_element(By.ID, "dec-no").click()
        d.execute_script("arguments[0].removeAttribute('required')", d.find_element(By.ID, "reasons"))
        self.submit("/decide")
        self.wait_h1("Please check what you entered")
        self.assertEqual(incident_row(iid)["decision"], "")
        # the decision not to notify, with its reasons
        self.go("/incidents/" + iid)
        d.find_element(By.ID, "dec-no").click()
        d.find_element(By.ID, "reasons").send_keys("encrypted disk, key not compromised: unlikely to result in a risk")
        self.submit("/decide")
        self.wait_h1("Incident " + iid)
        facts = d.find_element(By.CSS_SELECTOR, "dl.facts").text
        self.assertIn("no-notify", facts)
        self.assertIn("Decided: no-notify by anna", self.main_text())
        shown = json.loads(kit.fort("--json", "incident", "show", iid).stdout)
        self.assertIn("unlikely to result in a risk", json.dumps(shown))
        # closed now
        self.submit("/close")
        self.wait_h1("Incident " + iid)
        self.assertIn("closed", d.find_element(By.CSS_SELECTOR, "dl.facts").text)
        self.assertGreater(incident_row(iid)["closed"], 0)
        self.assertEqual(incident_row(iid)["decision"], "no-notify")
        self.assertTrue([a for a in audit_rows("incident-close") if a[0] == "anna" and a[2] == "ok"])
        self.axe("closed incident")
        # the review and a tracked action, on the review page
        d.find_element(By.LINK_TEXT, "The review and its actions").click()
        self.wait_h1("Incident %s: review" % iid)
        self.assertIn("Nothing written yet", self.main_text())
        self.axe("incident review (empty)")
        d.find_element(By.ID, "what").send_keys("a laptop left visible in a parked car was stolen")
        d.find_element(By.ID, "root_cause").send_keys("no rule about laptops in cars")
        self.submit("/review")
        self.wait_h1("Incident %s: review" % iid)
        review = d.find_element(By.ID, "review").text
        self.assertIn("a laptop left visible in a parked car was stolen", review)
        self.assertIn("no rule about laptops in cars", review)
        n = count("incident_actions")
        due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 14 * 86400))
        d.find_element(By.ID, "text").send_keys("write the laptop rule")
        d.find_element(By.ID, "owner").send_keys("sam")
        d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "due"), due)
        self.submit("/actions")
        self.wait_h1("Incident %s: review" % iid)
        rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "table tbody tr")]
        self.assertEqual(len(rows), 1, rows)
        self.assertIn("write the laptop rule", rows[0])
        self.assertIn("sam", rows[0])
        self.assertIn(due, rows[0])
        self.axe("incident review with an action")
        acts = json.loads(kit.fort("--json", "actions", "list").stdout)
        mine = [a for a in acts if a["incident"] == int(iid)]
        self.assertEqual([(a["text"], a["owner"], a["due"], a["done"]) for a in mine],
                         [("write the laptop rule", "sam", due, None)])
        self.assertEqual(count("incident_actions"), n + 1)
        # done: who and when are recorded
        self.click(d.find_element(By.XPATH, "//button[contains(., 'Mark done')]"))
        self.wait_h1("Incident %s: review" % iid)
        row = d.find_element(By.CSS_SELECTOR, "table tbody tr").text
        self.assertIn("by anna", row)
        self.assertEqual(d.find_elements(By.XPATH, "//button[contains(., 'Mark done')]"), [])
        a = json.loads(kit.fort("--json", "actions", "show", str(mine[0]["id"])).stdout)
        self.assertEqual(a["done_by"], "anna")

    def test_erasure_certificate_downloaded(self):
        d = self.driver
        cid = self.new_client("Erik Gone")
        today = time.strftime("%Y-%m-%d", time.gmtime())
        rid = str(json.loads(kit.fort("--json", "request", "open", "erasure", cid, "--received", today).stdout)["id"])
        self.signed_in("anna")
        self.go("/requests/" + rid)
        self.wait_h1("Request " + rid)
        self.axe("erasure request")
        # a wrong id typed: refused, nothing erased
        d.find_element(By.ID, "confirm").send_keys(self.client)
        self.submit("/certificate")
        self.wait_h1("Please check what you entered")
        self.assertIn("type the client's id (%s)" % cid, d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.axe("erasure refused")
        self.assertEqual(kit.fort("client", "get", cid, check=False).returncode, 0, "still there")
        # the right one: the certificate as a download, not kept
        self.go("/requests/" + rid)
        r, body = self.post_form("/requests/%s/certificate" % rid, "confirm=" + cid)
        self.assertEqual(r.status, 200, body[:500])
        self.assertEqual(r.getheader("Content-Type"), "application/zip")
        self.assertEqual(r.getheader("Content-Disposition"),
                         'attachment; filename="request-%s-erasure-certificate.zip"' % rid)
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        z = zipfile.ZipFile(io.BytesIO(body))
        self.assertTrue({"certificate.json", "letter.md", "letter.pdf"} <= set(z.namelist()), z.namelist())
        cert = json.loads(z.read("certificate.json"))
        self.assertEqual(cert["body"]["client"], cid)
        self.assertEqual(cert["body"]["signer"], "anna")
        path = os.path.join(kit.TMP, "cert-%s.json" % rid)
        with open(path, "wb") as f:
            f.write(z.read("certificate.json"))
        v = json.loads(kit.fort("--json", "verify-certificate", path).stdout)
        self.assertTrue(v["valid"] and v["vault_checked"], v)
        # erased, the request answered; the page says so
        self.assertNotEqual(kit.fort("client", "get", cid, check=False).returncode, 0)
        self.go("/requests/" + rid)
        self.assertIn("closed", self.main_text())
        self.assertEqual(d.find_elements(By.ID, "confirm"), [])
        self.assertNotIn("erik", self.srv.log().lower())


    def test_import_upload_rejected_row_by_line(self):
        d = self.driver
        csv = ("Name,E-mail,Favourite colour\nUwe Upload,uwe.upload@example.org,green\n"
               "Bad Upload,not-an-address,red\nVera Upload,vera.upload@example.org,blue\n")
        path = os.path.join(kit.TMP, "clients-upload.csv")
        with open(path, "w") as f:
            f.write(csv)
        self.signed_in("anna")
        self.go("/clients/import")
        self.wait_h1("Import clients")
        self.axe("import with upload")
        n = count("clients")
        form = d.find_element(By.XPATH, "//form[@action='/clients/import/file']")
        self.assertEqual(form.get_attribute("enctype"), "multipart/form-data")
        form.find_element(By.ID, "file").send_keys(path)
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.wait_h1("Import clients")
        WebDriverWait(d, tw.WAIT).until(lambda x: x.find_elements(By.ID, "import-problems"))
        problems = d.find_element(By.ID, "import-problems").text
        self.assertIn("line 3", problems)
        self.assertNotIn("line 2", problems)
        self.assertEqual(count("clients"), n, "all or nothing: nothing imported")
        self.assertIn("upload it again", self.main_text())
        self.axe("import upload refused")
        # the good rows, with the box ticked, from the upload form the answer shows again
        form = d.find_element(By.XPATH, "//form[@action='/clients/import/file']")
        form.find_element(By.ID, "file").send_keys(path)
        form.find_element(By.ID, "file-skip").click()
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        WebDriverWait(d, tw.WAIT).until(lambda x: x.find_elements(By.ID, "import-result"))
        self.assertIn("2 of 3 clients imported", d.find_element(By.ID, "import-result").text)
        self.assertIn("line 3", d.find_element(By.ID, "import-problems").text)
        self.assertEqual(count("clients"), n + 2)
        found = kit.fort("--json", "client", "find", "email=vera.upload@example.org").stdout
        self.assertIn("c-", found)
        self.assertNotIn("upload@example", self.srv.log())


    def test_role_created_granted_and_given_to_a_staff_member(self):
        d = self.driver
        self.signed_in("anna")
        self.go("/users")
        self.wait_h1("Users and roles")
        self.axe("users and roles with the role forms")
        form = d.find_element(By.XPATH, "//form[@action='/roles']")
        form.find_element(By.ID, "role-name").send_keys("assistant")
        for item in ("contact", "read", "reveal"):
            form.find_element(By.ID, "new-" + item).click()
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.wait_h1("Users and roles")
        row = d.find_element(By.XPATH, "//table[@id='roles']//tr[th[.='assistant']]").text
        self.assertIn("contact", row)
        self.assertIn("read,reveal", row)
        # grant identity to it
        form = d.find_element(By.XPATH, "//form[@action='/roles/change']")
        Select(form.find_element(By.ID, "change-role")).select_by_visible_text("assistant")
        form.find_element(By.ID, "chg-identity").click()
        form.find_element(By.ID, "op-grant").click()
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.wait_h1("Users and roles")
        roles = {r["name"]: r for r in json.loads(kit.fort("--json", "role", "list").stdout)}
        self.assertIn("identity", json.dumps(roles["assistant"]))
        self.assertIn("contact", json.dumps(roles["assistant"]))
        self.assertNotIn("financial", json.dumps(roles["assistant"]))
        # a wrong item: the library names it, nothing changes
        form = d.find_element(By.XPATH, "//form[@action='/roles/change']")
        d.execute_script("arguments[0].value = 'bankdetails'", form.find_element(By.ID, "chg-notes"))
        form.find_element(By.ID, "chg-notes").click()
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.wait_h1("Please check what you entered")
        self.assertIn("bankdetails", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.axe("role change refused")
        self.assertEqual(json.loads(kit.fort("--json", "role", "list").stdout),
                         list(roles.values()), "nothing changed")
        # zoe gets the role
        self.go("/users")
        form = d.find_element(By.XPATH, "//form[@action='/users/role']")
        Select(form.find_element(By.ID, "assign-user")).select_by_visible_text("zoe")
        Select(form.find_element(By.ID, "assign-role")).select_by_visible_text("assistant")
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.wait_h1("Users and roles")
        self.assertIn("assistant", d.find_element(By.XPATH, "//table[@id='users']//tr[th[.='zoe']]").text)
        # she reads the client, and cannot reveal the bank details: no key for them
        self.signed_in("zoe")
        self.client_page()
        self.assertIn("Your role may not reveal this", d.find_element(By.XPATH, "//form[input[@value='iban']]").text)
        n = len(audit_rows())
        self.reveal("iban", "billing")
        self.wait_h1("Not allowed")
        self.assertNotIn(tw.IBAN, d.page_source)
        self.assertTrue([x for x in audit_rows()[n:] if x[0] == "zoe" and x[2] == "denied"])
        # and the role forms are not offered to her (no 'users' action)
        self.go("/users")
        self.assertEqual(d.find_elements(By.XPATH, "//form[@action='/roles']"), [])


    def bearer(self, token, path):
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        c.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status

    def test_token_created_and_revoked_from_the_page(self):
        d = self.driver
        self.signed_in("anna")
        self.go("/users")
        d.find_element(By.LINK_TEXT, "Tokens for programs").click()
        self.wait_h1("Tokens for programs")
        self.axe("tokens (none yet)")
        d.find_element(By.ID, "tok-name").send_keys("website")
        Select(d.find_element(By.ID, "tok-role")).select_by_visible_text("staff")
        self.assertNotIn("owner", [o.text for o in Select(d.find_element(By.ID, "tok-role")).options])
        d.find_element(By.ID, "tok-purposes").send_keys("billing")
        Select(d.find_element(By.ID, "tok-expires")).select_by_value("30d")
        self.click(d.find_element(By.XPATH, "//form[@action='/tokens']//button"))
        self.wait_h1("Token website made")
        secret = d.find_element(By.ID, "secret").get_attribute("value")
        self.assertTrue(secret.startswith("fortress_tok_"), secret)
        self.assertNotIn(secret, d.current_url)
        self.assertTrue(d.current_url.endswith("/tokens"))
        self.axe("token made")
        # it works as a keyholder of its own, and the secret is nowhere but on that page
        self.assertEqual(self.bearer(secret, "/api/clients"), 200)
        self.assertNotIn(secret, self.srv.log())
        data = b""
        for suffix in ("", "-wal"):
            if os.path.exists(kit.VAULT + suffix):
                with open(kit.VAULT + suffix, "rb") as f:
                    data += f.read()
        self.assertNotIn(secret.encode(), data)
        row = json.loads(kit.fort("--json", "token", "list").stdout)
        row = [t for t in (row["tokens"] if isinstance(row, dict) else row) if t["name"] == "website"][0]
        self.assertEqual((row["role"], row["state"]), ("staff", "active"))
        self.assertIn("billing", json.dumps(row))
        # listed, then revoked from the page: it opens nothing any more
        self.go("/tokens")
        self.assertIn("active", d.find_element(By.XPATH, "//table[@id='tokens']//tr[th[.='website']]").text)
        self.assertNotIn(secret, d.page_source, "shown once only")
        self.axe("tokens list")
        self.click(d.find_element(By.XPATH, "//form[@action='/tokens/website/revoke']//button"))
        self.wait_h1("Tokens for programs")
        self.assertIn("revoked", d.find_element(By.XPATH, "//table[@id='tokens']//tr[th[.='website']]").text)
        self.assertEqual(d.find_elements(By.XPATH, "//form[@action='/tokens/website/revoke']"), [])
        self.assertEqual(self.bearer(secret, "/api/clients"), 401)
        self.assertTrue([x for x in audit_rows("token-revoke") if x[0] == "anna" and x[2] == "ok"])


    def test_doctor_run_with_next_steps_and_history(self):
        d = self.driver
        self.signed_in("anna")
        n = count("doctor_runs")
        d.find_element(By.LINK_TEXT, "Check-up").click()
        self.wait_h1("Security check-up")
        self.axe("check-up")
        self.click(d.find_element(By.XPATH, "//form[@action='/doctor']//button"))
        score = d.find_element(By.ID, "doctor-score").text
        m = re.match(r"Score (\d+) of 100: (\d+) passed", score)
        self.assertTrue(m, score)
        self.assertEqual(count("doctor_runs"), n + 1)
        rows = d.find_elements(By.CSS_SELECTOR, "#doctor-checks tbody tr")
        self.assertGreater(len(rows), 5)
        # what is wrong comes first, each with what to do
        bad = d.find_elements(By.CSS_SELECTOR, "#doctor-checks tr.check-failed, #doctor-checks tr.check-warning")
        self.assertTrue(bad, "a fresh vault has things to do (no backup, no drill)")
        self.assertEqual(rows[0].get_attribute("class"), bad[0].get_attribute("class"))
        for r in bad:
            self.assertNotEqual(r.find_elements(By.TAG_NAME, "td")[2].text.strip(), "-", r.text)
        hist = d.find_elements(By.CSS_SELECTOR, "#doctor-history tbody tr")
        self.assertEqual(len(hist), n + 1)
        self.assertIn(m.group(1), hist[0].text)
        self.axe("check-up run")
        self.assertTrue([x for x in audit_rows("doctor") if x[0] == "anna"])


    def test_keys_and_recovery(self):
        d = self.driver
        self.signed_in("anna")
        self.go("/users")
        d.find_element(By.LINK_TEXT, "Keys and recovery").click()
        self.wait_h1("Keys and recovery")
        self.assertIn("No recovery shares yet", d.find_element(By.ID, "recovery-status").text)
        self.axe("keys and recovery")
        # a wrong passphrase: refused and audited, no shares
        d.find_element(By.ID, "rec-pass").send_keys("not the passphrase at all")
        self.submit("/keys/recovery")
        self.assertEqual(self.h1(), "Not allowed")
        self.assertIn("not anna's passphrase", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.axe("recovery refused")
        self.assertFalse(json.loads(kit.fort("--json", "recovery", "status").stdout)["configured"])
        self.assertTrue([x for x in audit_rows("reauth") if x[0] == "anna" and x[2] == "denied"])
        # the right one: three shares, any two
        self.go("/keys")
        for f, v in (("shares", "3"), ("threshold", "2")):
            e = d.find_element(By.ID, f)
            e.clear()
            e.send_keys(v)
        d.find_element(By.ID, "rec-pass").send_keys(tw.PASS["anna"])
        self.submit("/keys/recovery")
        self.assertEqual(self.h1(), "Recovery shares made")
        shares = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#shares code")]
        self.assertEqual(len(shares), 3)
        self.assertTrue(all(x.startswith("FORT-SHARE-1:") and ":2-of-3:" in x for x in shares), shares)
        self.assertNotIn(shares[0], self.srv.log())
        self.assertNotIn(tw.PASS["anna"], self.srv.log())
        self.axe("recovery shares made")
        st = json.loads(kit.fort("--json", "recovery", "status").stdout)
        self.assertEqual((st["configured"], st["k"], st["n"]), (True, 2, 3))
        self.go("/keys")
        self.assertIn("2 of 3", d.find_element(By.ID, "recovery-status").text)
        # rotating the financial key: the records re-encrypted, still readable
        d.find_element(By.ID, "rot-financial").click()
        self.submit("/keys/rotate")
        self.assertEqual(self.h1(), "Keys rotated")
        self.assertRegex(d.find_element(By.ID, "rotate-result").text, r"Rotated: financial\. \d+ client records? re-encrypted")
        self.axe("keys rotated")
        self.assertTrue([x for x in audit_rows("rotate-finish") if x[0] == "anna" and x[2] == "ok"])
        out = kit.fort("client", "get", self.client, "--reveal", "iban", "--purpose", "billing")
        self.assertIn(tw.IBAN, out.stdout)


    def test_mail_settings_and_a_test_message(self):
        d = self.driver
        sink = kit.SmtpSink(os.path.join(kit.TMP, "mail"))
        try:
            self.signed_in("anna")
            self.go("/users")
            d.find_element(By.LINK_TEXT, "E-mail settings").click()
            self.wait_h1("E-mail settings")
            self.assertIn("not set up yet", d.find_element(By.ID, "mail-status").text)
            self.axe("e-mail settings")
            before = kit.fort("--json", "mail", "show").stdout
            # a bad port: named, nothing saved
            d.find_element(By.ID, "host").send_keys("127.0.0.1")
            d.execute_script("arguments[0].removeAttribute('max'); arguments[0].value = '99999'", d.find_element(By.ID, "port"))
            self.submit("/mail")
            self.assertEqual(self.h1(), "Please check what you entered")
            self.assertIn("smtp.port", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
            self.axe("e-mail settings refused")
            self.assertEqual(kit.fort("--json", "mail", "show").stdout, before)
            # saved, with a password that is never shown again
            self.go("/mail")
            d.find_element(By.ID, "host").send_keys("127.0.0.1")
            d.find_element(By.ID, "port").send_keys(sink.port)
            Select(d.find_element(By.ID, "security")).select_by_value("none")
            d.find_element(By.ID, "from").send_keys("office@acme.example")
            d.find_element(By.ID, "from_name").send_keys("Acme Ltd")
            d.find_element(By.ID, "password").send_keys("smtp-pass-5f3a9")
            self.submit("/mail")
            self.assertEqual(self.h1(), "E-mail settings")
            self.assertIn("E-mail is set up", d.find_element(By.ID, "mail-status").text)
            st = json.loads(kit.fort("--json", "mail", "show").stdout)
            self.assertEqual((st["host"], st["port"], st["security"], st["from"], st["from_name"], st["password"]),
                             ("127.0.0.1", int(sink.port), "none", "office@acme.example", "Acme Ltd", True))
            self.assertNotIn("smtp-pass-5f3a9", d.page_source)
            self.assertNotIn("smtp-pass-5f3a9", self.srv.log())
            self.assertEqual(d.find_element(By.ID, "password").get_attribute("value"), "")
            rows = [x for x in audit_rows("mail-settings") if x[0] == "anna"]
            self.assertIn("smtp.password set", rows[-1][3])
            # no login on the sink: the password removed
            d.find_element(By.ID, "clear_password").click()
            self.submit("/mail")
            self.assertFalse(json.loads(kit.fort("--json", "mail", "show").stdout)["password"])
            # the test message, sent at once
            d.find_element(By.ID, "to").send_keys("anna@acme.example")
            self.submit("/mail/test")
            self.assertEqual(self.h1(), "Test message")
            self.assertIn("was sent", d.find_element(By.ID, "mail-test").text)
            self.axe("e-mail test sent")
            msgs = sink.messages()
            self.assertEqual(len(msgs), 1)
            self.assertIn(b"Fortress test message", msgs[0])
            self.assertIn(b"anna@acme.example", msgs[0])
        finally:
            sink.stop()

    def test_passphrase_changed_from_the_account_page(self):
        """Issue 17: `fortress passwd` from a browser: the account page's link, a wrong current passphrase
        refused, a weak new one refused with the library's reason, then the change; this browser stays
        signed in, the old passphrase no longer signs in, the new one does."""
        d = self.driver
        env = dict(os.environ, FORTRESS_VAULT=kit.VAULT, FORTRESS_PASSPHRASE_FILE=kit.passfile("ida"))
        subprocess.run([kit.FORTRESS, "user", "request", "ida", "--kdf", "interactive"], env=env, check=True,
                       capture_output=True)
        kit.fort("user", "add", "ida", "--role", "staff")
        old, new = kit.PASS["ida"], "lanterns drift past eleven sleepy orchards"
        self.signed_in("ida")
        self.go("/account")
        self.click(d.find_element(By.LINK_TEXT, "Change your passphrase"))
        self.wait_h1("Change your passphrase")
        self.axe("change your passphrase")

        def fill(cur, n1, n2):
            for fid, val in (("current", cur), ("new", n1), ("new2", n2)):
                el = d.find_element(By.ID, fid)
                el.clear()
                el.send_keys(val)
            self.submit("/account/passphrase")
        fill("this is not my passphrase at all", new, new)
        self.wait_h1("Change your passphrase")
        self.assertIn("that is not ida", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.axe("change your passphrase: wrong current one")
        fill(old, "ida ida ida ida ida ida", "ida ida ida ida ida ida")
        self.wait_h1("Change your passphrase")
        self.assertIn("Your passphrase has not changed", self.main_text())
        self.assertEqual(kit.fort("client", "list", user="ida", check=False).returncode, 0, "the old one still opens")
        fill(old, new, new)
        self.wait_h1("Passphrase changed")
        self.assertIn("the old one no longer opens your keys", d.find_element(By.ID, "passphrase-changed").text)
        self.axe("passphrase changed")
        # still signed in, with the new session
        self.go("/account")
        self.wait_h1("Your account")
        self.assertNotIn(new, self.srv.log())
        # the old passphrase is refused at the sign-in page, the new one signs in
        kit.PASS["ida"] = new
        with open(kit.passfile("ida"), "w") as f:
            f.write(new + "\n")
        secret, _ = kit.enroll("ida")
        code = kit.totp(secret, time.time() + 30)
        d.delete_all_cookies()
        self.go("/signin")
        d.find_element(By.ID, "user").send_keys("ida")
        d.find_element(By.ID, "passphrase").send_keys(old)
        d.find_element(By.ID, "code").send_keys(code)
        self.click(d.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        self.wait_h1("Sign in")
        self.assertIn("sign-in refused", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.sign_in("ida", code=code)
        self.wait_h1("Dashboard")

    def test_admin_pages_pass_axe(self):
        """The other pages of issue 17's last gaps, as the owner sees them, checked with axe-core."""
        d = self.driver
        path = os.path.join(kit.TMP, "contract-axe.txt")
        with open(path, "w") as f:
            f.write("Contract with jana@example.org\n")
        aid = json.loads(kit.fort("--json", "quarantine", path).stdout)
        aid = (aid[0] if isinstance(aid, list) else aid)["attachment"]
        kit.fort("intake", "create", "axeform", "--fields", "email")
        kit.fort("mail", "queue", "--to", "otto@example.org", "--subject", "Hello", "--text", "body")
        self.signed_in("anna")
        for path, h1, name in (("/users", "Users and roles", "users with removal forms"),
                               ("/attachments", "Attachments", "attachments"),
                               ("/attachments/%d/remove" % aid, "Remove attachment %d" % aid, "attachment removal"),
                               ("/audit/consent", "Consent ledger check", "consent ledger check"),
                               ("/intake-forms", "Intake forms", "intake forms"),
                               ("/requests/policy", "Request policy", "request policy"),
                               ("/mail/outbox", "Outbox", "outbox")):
            self.go(path)
            self.wait_h1(h1)
            self.axe(name)
        # the download button gives the file
        self.go("/attachments")
        self.assertIn("contract-axe.txt", self.main_text())


if __name__ == "__main__":
    tw.main()
