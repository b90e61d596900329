#!/usr/bin/env python3
"""Browser tests of the web app (issue 17 items 5 and 6): the real
`fortress serve` on a free loopback port over a real vault, driven by
Debian's Chromium (headless) through chromedriver and Selenium; every page
checked with axe-core (tests/web/vendor/axe.min.js, injected through the
driver) against the WCAG 2.x A and AA rules.  Vault setup, TOTP codes and
the server come from tests/server/serverkit.py, as test_serve.py's do.

    test_web.py --fortress build/fortress --root .
"""
import argparse, hashlib, http.client, os, re, sys, tempfile, time, unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import serverkit as kit  # noqa: E402
from serverkit import PASS, totp, enroll, audit_rows  # noqa: E402

try:
    import selenium  # noqa: F401
except ImportError:  # Debian's python3-selenium, when another Python runs the tests
    sys.path.append("/usr/lib/python3/dist-packages")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
IBAN = "DE89370400440532013000"
AXE = None
ARGS = None


def chromium():
    for path in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if os.path.exists(path):
            return path
    raise AssertionError("Chromium is not installed: apt-get install chromium chromium-driver (scripts/install-deps.sh)")


def count(table):
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % kit.VAULT, uri=True)
    n = db.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    db.close()
    return n


class WebTest(unittest.TestCase):
    srv = None
    driver = None
    axed = set()

    @classmethod
    def setUpClass(cls):
        cls.srv = kit.Server()
        cls.base = "http://127.0.0.1:%d" % cls.srv.port
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium()
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                  "--disable-extensions", "--window-size=1280,900", "--user-data-dir=" + os.path.join(kit.TMP, "chrome")):
            opts.add_argument(a)
        cls.driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver",
                                                      log_path=os.path.join(kit.TMP, "chromedriver.log")), options=opts)
        cls.driver.set_page_load_timeout(30)
        # one client to work on, added through the CLI
        out = kit.fort("--json", "client", "add", "--set", "full_name=Jana Schmidt", "--set", "email=jana@example.org",
                       "--set", "iban=" + IBAN).stdout
        cls.client = re.search(r'"id":\s*"(c-[0-9a-f]+)"', out).group(1)

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()
        rc = cls.srv.stop()
        log = cls.srv.log()
        cls.srv.close()
        # a clean stop: exit 0, and (in the ASan build) no sanitizer report about the pages' code
        if rc != 0 or "Sanitizer" in log or "runtime error" in log:
            raise AssertionError("fortress serve stopped with %s:\n%s" % (rc, log[-4000:]))

    # ------------------------------------------------------------ helpers
    def go(self, path):
        self.driver.get(self.base + path)

    def h1(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def wait_h1(self, test, timeout=20):
        """Wait for the next page, whose <h1> passes TEST (a string: equal)."""
        ok = (lambda t: t == test) if isinstance(test, str) else test
        # the old page may go away between finding its <h1> and reading it (stale, or "node does not belong
        # to the document"): look again until the timeout
        WebDriverWait(self.driver, timeout, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException,
                                                                WebDriverException]).until(
            lambda d: ok(d.find_element(By.TAG_NAME, "h1").text))

    def axe(self, name):
        """Run axe-core on the page shown; fail listing every violation."""
        d = self.driver
        d.execute_script(AXE)
        d.set_script_timeout(30)
        res = d.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
            ".then(function (r) { done(r.violations.map(function (v) { return v.id + ' (' + v.impact + '): ' + v.help +"
            " ' at ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); })); })"
            ".catch(function (e) { done(['axe failed: ' + e]); });", AXE_TAGS)
        self.assertEqual(res, [], "axe-core on %s (%s): %d violation(s):\n  %s" % (name, d.current_url, len(res), "\n  ".join(res)))
        WebTest.axed.add(name)

    def sign_in(self, user, code=None, keep_cookies=False):
        d = self.driver
        if not keep_cookies:
            d.delete_all_cookies()
        if code is None:
            secret, _ = enroll(user)
            code = totp(secret, time.time() + 30)  # the next step: the current one counts as used
        self.go("/signin")
        d.find_element(By.ID, "user").send_keys(user)
        d.find_element(By.ID, "passphrase").send_keys(PASS[user])
        d.find_element(By.ID, "code").send_keys(code)
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    def signed_in(self, user, keep_cookies=False):
        self.sign_in(user, keep_cookies=keep_cookies)
        self.wait_h1("Dashboard")

    def cookie(self):
        c = self.driver.get_cookie("fortress_session")
        return c["value"] if c else None

    def get(self, path, sid=None, method="GET", body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        h = dict(headers or {})
        if sid:
            h["Cookie"] = "fortress_session=" + sid
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        return r, text

    def client_page(self):
        self.go("/clients/" + self.client)
        self.assertEqual(self.h1(), "Client " + self.client)

    def reveal(self, field, purpose):
        row = self.driver.find_element(By.XPATH, "//form[input[@name='field' and @value='%s']]" % field)
        Select(row.find_element(By.NAME, "purpose")).select_by_visible_text(purpose)
        row.find_element(By.TAG_NAME, "button").click()

    # ------------------------------------------------------------ tests
    def test_signin_with_totp(self):
        d = self.driver
        d.delete_all_cookies()
        self.go("/")
        self.assertTrue(d.current_url.endswith("/signin"), "signed out: the dashboard sends to the sign-in page")
        self.assertEqual(self.h1(), "Sign in")
        self.axe("sign-in")
        # a wrong code: the page says so, in the library's words
        secret, _ = enroll("anna")
        wrong = "%06d" % ((int(totp(secret, time.time() + 30)) + 1) % 1000000)
        self.sign_in("anna", wrong)
        # the answer is the sign-in page again, now with the refusal
        alert = WebDriverWait(d, 20, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "[role=alert]")).text
        self.assertEqual(self.h1(), "Sign in")
        self.assertIn("sign-in refused: wrong name, passphrase or code", alert)
        self.assertIsNone(self.cookie())
        self.axe("sign-in refused")
        # the right one
        self.signed_in("anna")
        c = d.get_cookie("fortress_session")
        self.assertTrue(c["httpOnly"])
        self.assertEqual(c.get("sameSite"), "Strict")
        self.assertIn("anna", d.find_element(By.CSS_SELECTOR, "form.signout button").text)
        self.axe("dashboard")
        # signing in again in the same browser: a new session id, the old one ends
        old = c["value"]
        self.signed_in("anna", keep_cookies=True)
        self.assertNotEqual(self.cookie(), old)
        r, _ = self.get("/", sid=old)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/signin")
        self.assertTrue(audit_rows("signin"))

    def test_signin_form_needs_its_token(self):
        """Another site cannot post the sign-in form: the token of the form must match the page's cookie."""
        secret, _ = enroll("anna")
        body = "user=anna&passphrase=%s&code=%s" % (PASS["anna"].replace(" ", "+"), totp(secret, time.time() + 30))
        n = len(audit_rows("signin"))
        r, text = self.get("/signin", method="POST", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 403)
        self.assertIn("did not come from this page", text)
        self.assertIsNone(r.getheader("Location"))
        self.assertFalse([c for c in (r.msg.get_all("Set-Cookie") or []) if c.startswith("fortress_session=") and "Max-Age=0" not in c])
        self.assertEqual(len(audit_rows("signin")), n, "no sign-in happened")

    def test_add_client(self):
        d = self.driver
        self.signed_in("anna")
        n = count("clients")
        self.go("/clients")
        self.axe("clients")
        d.find_element(By.LINK_TEXT, "Add a client").click()
        self.wait_h1("Add a client")
        self.axe("add a client")
        d.find_element(By.ID, "f-full_name").send_keys("Lena Vogel")
        d.find_element(By.ID, "f-email").send_keys("lena.vogel@example.net")
        d.find_element(By.ID, "f-iban").send_keys("GB82WEST12345698765432")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1(lambda t: t.startswith("Client c-"))
        cid = self.h1().split()[1]
        self.assertEqual(count("clients"), n + 1)
        self.assertTrue(d.current_url.endswith("/clients/" + cid))
        page = d.find_element(By.TAG_NAME, "main").text
        self.assertNotIn("GB82WEST12345698765432", page, "masked")
        self.assertNotIn("lena.vogel@example.net", page, "masked")
        self.axe("client (masked)")
        # found by e-mail, and the address never lands in a URL or the log
        self.go("/clients")
        d.find_element(By.ID, "find-email").send_keys("lena.vogel@example.net")
        d.find_element(By.CSS_SELECTOR, "form[role=search] button").click()
        self.wait_h1("Find a client")
        self.assertIn(cid, d.find_element(By.TAG_NAME, "main").text)
        self.assertNotIn("lena", d.current_url)
        self.axe("find a client")
        self.assertNotIn("lena", self.srv.log())
        self.assertNotIn(cid, self.srv.log(), "the log names the page's pattern, not the id")

    def test_clients_pages(self):
        d = self.driver
        self.signed_in("anna")
        for i in range(26):
            kit.fort("client", "add", "--set", "full_name=Page Person %d" % i)
        self.go("/clients")
        self.assertIn("Clients 1 to 25 of", d.find_element(By.TAG_NAME, "caption").text)
        d.find_element(By.LINK_TEXT, "Next page").click()
        WebDriverWait(d, 10).until(lambda d: "after=" in d.current_url)
        self.assertIn("Clients 26 to", d.find_element(By.TAG_NAME, "caption").text)
        self.go("/clients?after=c-0000000000000000")
        self.assertEqual(self.h1(), "Not found")
        self.axe("error page")

    def test_reveal_with_purpose(self):
        d = self.driver
        self.signed_in("anna")
        self.client_page()
        self.assertNotIn(IBAN, d.find_element(By.TAG_NAME, "main").text)
        n = len(audit_rows())
        self.reveal("iban", "billing")
        self.wait_h1(lambda t: t.endswith("revealed"))
        self.assertIn(IBAN, d.find_element(By.CSS_SELECTOR, "dl.revealed").text)
        self.assertIn("billing", d.find_element(By.CSS_SELECTOR, "dl.revealed").text)
        self.assertNotIn(IBAN, d.current_url)
        self.axe("revealed")
        rows = [x for x in audit_rows()[n:] if x[0] == "anna" and x[2] == "ok"]
        self.assertTrue(rows, "the reveal is audited in anna's name")
        self.assertNotIn(IBAN, self.srv.log())

    def test_staff_refused_bank_details(self):
        d = self.driver
        self.signed_in("sam")
        self.client_page()
        self.assertIn("Your role may not reveal this", d.find_element(By.XPATH, "//form[input[@value='iban']]").text)
        n = len(audit_rows())
        self.reveal("iban", "billing")
        self.wait_h1("Not allowed")
        self.assertNotIn(IBAN, d.page_source)
        msg = d.find_element(By.CSS_SELECTOR, "[role=alert]").text
        self.assertTrue(msg, "the refusal says why")
        denied = [x for x in audit_rows()[n:] if x[0] == "sam" and x[2] == "denied"]
        self.assertTrue(denied, "the refusal is audited in sam's name")
        self.axe("refusal")

    def test_csrf_missing_or_wrong_refused(self):
        d = self.driver
        self.signed_in("anna")
        for how in ("missing", "wrong"):
            n, refusals = count("clients"), len(audit_rows("http"))
            self.go("/clients/new")
            d.find_element(By.ID, "f-full_name").send_keys("Mallory Forged")
            tok = d.find_element(By.CSS_SELECTOR, "main form input[name=csrf]")
            if how == "missing":
                d.execute_script("arguments[0].remove()", tok)
            else:
                d.execute_script("arguments[0].value = arguments[1]", tok, "A" * 43)
            d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
            self.wait_h1("Not allowed")
            self.assertIn("security token", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
            self.assertEqual(count("clients"), n, "nothing was added (%s token)" % how)
            rows = audit_rows("http")
            self.assertEqual(len(rows), refusals + 1)
            self.assertEqual(rows[-1][0], "anna")
            self.assertEqual(rows[-1][2], "denied")
        self.axe("csrf refusal")
        # a GET never changes anything: the form's action refuses it
        r, _ = self.get("/signout", sid=self.cookie())
        self.assertEqual(r.status, 405)
        self.assertEqual(r.getheader("Allow"), "POST")

    def test_requests_and_incident_clocks(self):
        d = self.driver
        kit.fort("request", "open", "access", self.client, "--received", time.strftime("%Y-%m-%d", time.gmtime()))
        aware = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 2 * 3600))
        kit.fort("incident", "open", "Laptop with client list stolen", "--aware", aware)
        self.signed_in("anna")
        self.assertIn(self.client, d.find_element(By.ID, "h-requests").find_element(By.XPATH, "..").text,
                      "the open request is on the dashboard")
        self.assertIn("open incident", d.find_element(By.ID, "h-incidents").find_element(By.XPATH, "..").text)
        d.find_element(By.LINK_TEXT, "Requests").click()
        self.wait_h1("Requests from clients")
        row = d.find_element(By.XPATH, "//tr[td/a[text()='%s']]" % self.client).text
        self.assertIn("access", row)
        self.assertRegex(row, r"\d{4}-\d{2}-\d{2}")
        self.axe("requests")
        d.find_element(By.LINK_TEXT, "Incidents").click()
        self.wait_h1("Incidents")
        self.assertIn("Laptop with client list stolen", d.find_element(By.TAG_NAME, "main").text)
        clocks = d.find_elements(By.CSS_SELECTOR, "[data-due]")
        self.assertTrue(clocks, "the open incident's clocks are shown")
        # the authority's 72 hours, 2 of them gone: about 70 h left, counted down by the page's script
        left = [c.text for c in clocks]
        self.assertTrue(any(re.fullmatch(r"in (2 d 2[12] h|69 h \d+ min|70 h \d+ min)", t) for t in left), left)
        # as the server writes them (without the script)
        r, html = self.get("/incidents", sid=self.cookie())
        served = re.findall(r'<span data-due="\d+">([^<]*)</span>', html)
        self.assertTrue(any(re.fullmatch(r"in (2 d 2[12] h|69 h \d+ min|70 h \d+ min)", t) for t in served), served)
        # the script that rewrites them every 30 s is loaded (the CSP allows our file) and counts as the server does
        self.assertEqual(d.execute_script("return fortressLeft(Math.floor(Date.now() / 1000) - 7260)"), "2 h 1 min ago")
        self.assertEqual(d.execute_script("return fortressLeft(Math.floor(Date.now() / 1000) + 90000 + 30)"), "in 1 d 1 h")
        self.axe("incidents")

    def test_audit_account_and_signout(self):
        d = self.driver
        self.signed_in("anna")
        d.find_element(By.LINK_TEXT, "Audit").click()
        self.wait_h1("Audit log")
        self.assertIn("The audit log is intact", d.find_element(By.CSS_SELECTOR, "[role=status]").text)
        self.axe("audit")
        d.find_element(By.LINK_TEXT, "Account").click()
        self.wait_h1("Your account")
        self.assertIn("On:", d.find_element(By.CSS_SELECTOR, "dl.facts").text)
        self.axe("account")
        sid = self.cookie()
        d.find_element(By.CSS_SELECTOR, "form.signout button").click()
        self.wait_h1("Sign in")
        self.assertIsNone(self.cookie())
        r, _ = self.get("/", sid=sid)
        self.assertEqual(r.status, 303, "the session ended on the server too")
        self.assertTrue([x for x in audit_rows("signout") if x[0] == "anna"])

    def test_phone_and_keyboard(self):
        d = self.driver
        self.signed_in("anna")
        d.set_window_size(390, 844)
        try:
            for path, name in (("/", "dashboard (phone)"), ("/clients/" + self.client, "client (phone)")):
                self.go(path)
                width = d.execute_script("return document.documentElement.scrollWidth")
                self.assertLessEqual(width, 390, "%s: no sideways scrolling on a phone" % path)
                self.axe(name)
        finally:
            d.set_window_size(1280, 900)
        # the first Tab reaches the skip link, and focus is visible
        self.go("/")
        d.find_element(By.TAG_NAME, "body").send_keys("\ue004")
        a = d.switch_to.active_element
        self.assertEqual(a.get_attribute("class"), "skip")
        outline = d.execute_script("return getComputedStyle(arguments[0]).outlineStyle", a)
        self.assertNotEqual(outline, "none")

    def test_headers_csp_and_errors(self):
        r, text = self.get("/signin")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Security-Policy"), PAGE_CSP)
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertEqual(r.getheader("Referrer-Policy"), "no-referrer")
        self.assertEqual(r.getheader("X-Frame-Options"), "DENY")
        self.assertTrue(r.getheader("Content-Type").startswith("text/html"))
        # no inline script or style: the CSP would block it
        self.assertFalse(re.search(r"<script(?![^>]*\bsrc=)", text), "inline script")
        self.assertFalse(re.search(r"<style|\sstyle=", text), "inline style")
        self.assertIn('name="viewport"', text)
        for path, ctype in (("/static/app.css", "text/css"), ("/static/app.js", "text/javascript")):
            r, body = self.get(path)
            self.assertEqual(r.status, 200)
            self.assertTrue(r.getheader("Content-Type").startswith(ctype))
            with open(os.path.join(ARGS.root, "src", "server", "web", os.path.basename(path))) as f:
                self.assertEqual(body, f.read())
        r, text = self.get("/no/such/page")
        self.assertEqual(r.status, 404)
        self.assertIn("There is no such page", text)
        # the API keeps its JSON answers
        r, text = self.get("/api/nothing")
        self.assertEqual(r.status, 404)
        self.assertTrue(r.getheader("Content-Type").startswith("application/json"))
        # signed out: a form post is refused and says what to do
        r, text = self.get("/clients", method="POST", body="full_name=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 401)
        self.assertIn("sign in again", text)
        # the CSP holds in the browser: an inline script injected as HTML does not run
        self.signed_in("anna")
        self.driver.execute_script("var s = document.createElement('script'); s.textContent = 'window.ran = 1;'; "
                                   "document.body.appendChild(s);")
        self.assertIsNone(self.driver.execute_script("return window.ran"))

    def test_form_post_must_be_a_form(self):
        self.signed_in("anna")
        sid = self.cookie()
        n = len(audit_rows("http"))
        r, text = self.get("/clients", sid=sid, method="POST", body='{"f-full_name": "x"}',
                           headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 415)
        self.assertEqual(len(audit_rows("http")), n + 1)

    def test_intake_visitor_to_client(self):
        """Issue 18 item 1: a visitor sends the public form; it is sealed (not in the file, not in the log),
        a person without the intake key cannot open the inbox, a keyholder accepts it, the client has the consent."""
        d = self.driver
        notice = re.search(r"[0-9a-f]{64}", kit.fort("notice", "publish").stdout).group(0)
        kit.fort("intake", "create", "webform", "--fields", "full_name,email,postal_address", "--consents", "marketing")
        canary = "canaryweb4k2z"
        d.delete_all_cookies()
        self.go("/intake/webform")
        self.assertEqual(self.h1(), "Send us your details")
        self.axe("intake form")
        d.find_element(By.ID, "f_email").send_keys("not an address")
        d.find_element(By.ID, "f_full_name").send_keys("Vera " + canary)
        d.find_element(By.CSS_SELECTOR, "form.intake button[type=submit]").click()
        WebDriverWait(d, 20).until(lambda x: x.find_elements(By.ID, "err_email"))
        self.assertEqual(d.find_element(By.ID, "f_email").get_attribute("aria-invalid"), "true")
        self.assertEqual(d.find_element(By.ID, "f_full_name").get_attribute("value"), "Vera " + canary)
        self.axe("intake form (a field's problem)")
        e = d.find_element(By.ID, "f_email")
        e.clear()
        e.send_keys(canary + "@example.org")
        d.find_element(By.ID, "f_postal_address").send_keys("<b>Hauptstr. 1</b>")
        d.find_element(By.ID, "c_marketing").click()
        d.find_element(By.CSS_SELECTOR, "form.intake button[type=submit]").click()
        self.wait_h1("Thank you")
        self.axe("intake thank-you")
        self.assertNotIn(canary, d.current_url)
        data = b""
        for suffix in ("", "-wal"):
            if os.path.exists(kit.VAULT + suffix):
                with open(kit.VAULT + suffix, "rb") as f:
                    data += f.read()
        self.assertNotIn(canary.encode(), data, "the submission is in the vault file only sealed")
        self.assertNotIn(canary, self.srv.log())
        self.assertEqual(count("intake_inbox"), 1)
        # staff hold no intake key: the inbox is refused, nothing shown
        self.signed_in("sam")
        self.go("/inbox")
        self.assertEqual(self.h1(), "Not allowed")
        self.assertNotIn(canary, d.page_source)
        # the owner holds it: the inbox, the submission (masked), accept
        self.signed_in("anna")
        self.go("/inbox")
        self.assertEqual(self.h1(), "Intake inbox")
        self.axe("intake inbox")
        d.find_element(By.CSS_SELECTOR, "table a[href^='/inbox/']").click()
        self.wait_h1(lambda t: t.startswith("Submission "))
        self.assertNotIn(canary, d.page_source, "masked until revealed")
        self.axe("intake submission")
        d.find_element(By.XPATH, "//button[contains(., 'Show the values')]").click()
        self.wait_h1(lambda t: t.endswith(": revealed"))
        self.assertIn("&lt;b&gt;Hauptstr. 1&lt;/b&gt;", d.page_source)
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "main dd b"), [], "markup in a value is shown as text")
        d.find_element(By.XPATH, "//button[contains(., 'Accept')]").click()
        self.wait_h1(lambda t: t.startswith("Client c-"))
        cid = self.h1().split()[1]
        self.assertEqual(count("intake_inbox"), 0)
        cons = kit.fort("--json", "consent", "show", cid).stdout
        self.assertIn('"marketing"', cons)
        self.assertIn('"web"', cons)
        self.assertIn(notice, cons)


def main():
    global ARGS, AXE
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortress", required=True)
    ap.add_argument("--root", required=True)
    ARGS, rest = ap.parse_known_args()
    with open(os.path.join(HERE, "vendor", "axe.min.js"), "rb") as f:
        raw = f.read()
    if hashlib.sha256(raw).hexdigest() != AXE_SHA256:
        print("tests/web/vendor/axe.min.js is not the pinned axe-core (see tests/web/vendor/README.md)")
        sys.exit(1)
    AXE = raw.decode()
    with tempfile.TemporaryDirectory(prefix="fortress-web-") as tmp:
        kit.setup(ARGS.fortress, tmp)
        kit.team_vault()
        prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
        res = prog.result
        failed = len(res.failures) + len(res.errors)
        print("%d passed, %d failed; axe-core found no violations on %d pages: %s"
              % (res.testsRun - failed, failed, len(WebTest.axed), ", ".join(sorted(WebTest.axed))))
        ok = res.wasSuccessful()
        if ok:
            v = kit.fort("audit", "verify", check=False)
            if v.returncode != 0:
                print("audit verify after the tests failed: " + v.stdout + v.stderr)
                ok = False
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
