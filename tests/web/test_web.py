#!/usr/bin/env python3
"""Browser tests of the web app (issue 17 items 5 and 6): the real
`fortress serve` on a free loopback port over a real vault, driven by
Debian's Chromium (headless) through chromedriver and Selenium; every page
checked with axe-core (tests/web/vendor/axe.min.js, injected through the
driver) against the WCAG 2.x A and AA rules.  Vault setup, TOTP codes and
the server come from tests/server/serverkit.py, as test_serve.py's do.

    test_web.py --fortress build/fortress --root .
"""
import hashlib, http.client, os, re, sys, time, unittest

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
ARGS = kit.ARGS   # ARGS.root: the source tree (serverkit.main's --root)
# how long a wait for a page, an element or a script may last: a bound on a
# condition, not a delay (each wait ends as soon as it holds), as long as the
# suite's other waits (tests/README.md): an ASan build on a loaded 2-core machine
# runs a sign-in, an import or a passphrase change several times slower
WAIT = 60


def chromium():
    for path in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if os.path.exists(path):
            return path
    raise AssertionError("Chromium is not installed: apt-get install chromium chromium-driver (scripts/install-deps.sh)")


def replaced(old):
    """Has the page whose <html> element is OLD been replaced by the next one (after a form's button)?"""
    try:
        old.is_enabled()
        return False
    except WebDriverException:  # stale, or Chromium's "node does not belong to the document"
        return True


def click_and_wait(driver, el, timeout=WAIT):
    """Click EL and wait until the next page replaced this one (its <h1> may be the same)."""
    old = driver.find_element(By.TAG_NAME, "html")
    el.click()
    WebDriverWait(driver, timeout).until(lambda _: replaced(old))


def count(table):
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % kit.VAULT, uri=True)
    n = db.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    db.close()
    return n


class BrowserCase(unittest.TestCase):
    """The browser, the server and the helpers every browser test module shares
    (tests/web/test_staff.py subclasses it; one browser per module)."""
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
        cls.driver.set_page_load_timeout(WAIT)
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

    def wait_h1(self, test, timeout=WAIT):
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
        d.set_script_timeout(WAIT)
        res = d.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
            ".then(function (r) { done(r.violations.map(function (v) { return v.id + ' (' + v.impact + '): ' + v.help +"
            " ' at ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); })); })"
            ".catch(function (e) { done(['axe failed: ' + e]); });", AXE_TAGS)
        self.assertEqual(res, [], "axe-core on %s (%s): %d violation(s):\n  %s" % (name, d.current_url, len(res), "\n  ".join(res)))
        BrowserCase.axed.add(name)

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

    def new_client(self, name):
        out = kit.fort("--json", "client", "add", "--set", "full_name=" + name, "--set",
                       "email=%s@example.org" % name.lower().replace(" ", ".")).stdout
        return re.search(r'"id":\s*"(c-[0-9a-f]+)"', out).group(1)

    def post_form(self, path, body):
        """POST BODY (a form) with the signed-in browser's session and the page's CSRF token."""
        tok = self.driver.find_element(By.CSS_SELECTOR, "form.signout input[name=csrf]").get_attribute("value")
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        c.request("POST", path, body="csrf=%s%s" % (tok, "&" + body if body else ""),
                  headers={"Cookie": "fortress_session=" + self.cookie(),
                           "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data



class WebTest(BrowserCase):
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
        alert = WebDriverWait(d, WAIT, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]).until(
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
        WebDriverWait(d, WAIT).until(lambda d: "after=" in d.current_url)
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

    # ------------------------------------------------------------ account, client edit and erase (web_account.c, web_clients.c)
    def test_enrol_totp_from_the_page(self):
        d = self.driver
        self.signed_in("anna")
        d.find_element(By.LINK_TEXT, "Account").click()
        self.wait_h1("Your account")
        d.find_element(By.LINK_TEXT, "Set up an authenticator app").click()
        self.wait_h1("Set up your authenticator app")
        self.axe("totp enrolment")
        svg = d.find_element(By.CSS_SELECTOR, "svg.qr")
        self.assertEqual(svg.get_attribute("role"), "img")
        self.assertTrue(svg.find_element(By.TAG_NAME, "path").get_attribute("d").startswith("M"))
        secret = d.find_element(By.ID, "totp-secret").text
        self.assertRegex(secret, r"^[A-Z2-7]{32}$")
        self.assertNotIn(secret, d.current_url)
        # a wrong code: refused, the same key offered again, nothing changed
        n = len(audit_rows("totp-enroll"))
        wrong = "%06d" % ((int(totp(secret)) + 500000) % 1000000)
        d.find_element(By.ID, "code").send_keys(wrong)
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        alert = WebDriverWait(d, WAIT, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "[role=alert]")).text
        self.assertIn("not the code your authenticator app shows", alert)
        self.assertEqual(d.find_element(By.ID, "totp-secret").text, secret)
        self.assertEqual(len(audit_rows("totp-enroll")), n, "a wrong code enrols nothing")
        self.axe("totp wrong code")
        # the right one: ten recovery codes, shown once
        d.find_element(By.ID, "code").send_keys(totp(secret))
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Your recovery codes")
        codes = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#recovery-codes li")]
        self.assertEqual(len(codes), 10)
        self.assertTrue(all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2}", c) for c in codes), codes)
        self.assertEqual(len(audit_rows("totp-enroll")), n + 1)
        self.axe("recovery codes")
        self.assertNotIn(secret, self.srv.log())
        # sign out, and in with the app's next code; then with a recovery code
        d.find_element(By.CSS_SELECTOR, "form.signout button").click()
        self.wait_h1("Sign in")
        self.sign_in("anna", totp(secret, time.time() + 30))
        self.wait_h1("Dashboard")
        self.sign_in("anna", codes[3])
        self.wait_h1("Dashboard")

    def test_edit_client(self):
        d = self.driver
        cid = self.new_client("Otto Brandt")
        self.signed_in("anna")
        self.go("/clients/" + cid)
        d.find_element(By.LINK_TEXT, "Edit").click()
        self.wait_h1("Edit client " + cid)
        self.axe("edit a client")
        # a bad value (an IBAN whose check digits are wrong): refused by the library's validation, naming the
        # field; nothing changed
        d.find_element(By.ID, "f-iban").send_keys("DE00370400440532013000")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Please check what you entered")
        self.assertIn("iban", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.axe("edit refused")
        self.assertNotIn("iban", kit.fort("--json", "client", "get", cid).stdout)
        # a good one, and a field removed
        self.go("/clients/%s/edit" % cid)
        d.find_element(By.ID, "f-email").send_keys("otto@example.net")
        d.find_element(By.ID, "clear-full_name").click()
        n = len(audit_rows())
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Client " + cid)
        shown = kit.fort("--json", "client", "get", cid, "--reveal", "email", "--purpose", "service").stdout
        self.assertIn("otto@example.net", shown)
        self.assertNotIn("full_name", shown)
        self.assertTrue([x for x in audit_rows()[n:] if x[0] == "anna" and x[1] == "edit" and x[2] == "ok"],
                        audit_rows()[n:])
        self.assertNotIn("otto@example.net", d.current_url)
        self.assertNotIn("otto", self.srv.log())

    def test_erase_needs_typed_confirmation(self):
        d = self.driver
        cid = self.new_client("Erna Weiss")
        self.signed_in("anna")
        self.go("/clients/" + cid)
        d.find_element(By.LINK_TEXT, "Erase").click()
        self.wait_h1("Erase client " + cid)
        self.axe("erase a client")
        n = count("clients")
        # the wrong confirmation: refused, the client still there
        d.find_element(By.ID, "confirm").send_keys("c-0000000000000000")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        alert = WebDriverWait(d, WAIT, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "[role=alert]")).text
        self.assertIn("not erased", alert)
        self.assertEqual(count("clients"), n)
        self.assertEqual(kit.fort("client", "get", cid).returncode, 0)
        self.axe("erase refused")
        # the right one (spaces around and any case are fine)
        d.find_element(By.ID, "confirm").send_keys(" " + cid.upper() + " ")
        d.find_element(By.ID, "reason").send_keys("asked by phone")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Client %s erased" % cid)
        self.assertEqual(count("clients"), n - 1)
        self.assertNotEqual(kit.fort("client", "get", cid, check=False).returncode, 0)
        self.assertTrue([x for x in audit_rows("erase") if x[0] == "anna" and x[2] == "ok"])
        self.axe("erased")

    def test_staff_may_not_erase(self):
        d = self.driver
        cid = self.new_client("Stay Here")
        self.signed_in("sam")
        n = len(audit_rows())
        self.go("/clients/%s/erase" % cid)
        if self.h1() == "Erase client " + cid:
            d.find_element(By.ID, "confirm").send_keys(cid)
            d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Not allowed")
        self.assertEqual(kit.fort("client", "get", cid).returncode, 0, "still there")
        self.assertTrue([x for x in audit_rows()[n:] if x[0] == "sam" and x[2] == "denied"], "the refusal is audited")

    def test_record_access_request_and_download(self):
        d = self.driver
        cid = self.new_client("Paula Frey")
        self.signed_in("anna")
        d.find_element(By.LINK_TEXT, "Requests").click()
        self.wait_h1("Requests from clients")
        d.find_element(By.LINK_TEXT, "Record a request").click()
        self.wait_h1("Record a request")
        self.axe("record a request")
        # an unknown client: refused, nothing recorded
        n = count("requests")
        Select(d.find_element(By.ID, "kind")).select_by_value("access")
        d.find_element(By.ID, "client").send_keys("c-0000000000000000")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Not found")
        self.assertEqual(count("requests"), n)
        self.go("/requests/new")
        Select(d.find_element(By.ID, "kind")).select_by_value("access")
        d.find_element(By.ID, "client").send_keys(cid)
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1(lambda t: re.fullmatch(r"Request \d+", t))
        rid = self.h1().split()[1]
        self.assertEqual(count("requests"), n + 1)
        # the due date, a month on (GDPR Art. 12(3)), counted by the library
        due = d.find_element(By.ID, "due").text
        self.assertRegex(due, r"^\d{4}-\d{2}-\d{2}.*\(\d+ days left\)")
        self.axe("request")
        # the identity check, recorded
        d.find_element(By.ID, "method").send_keys("known-contact")
        d.find_element(By.XPATH, "//form[contains(@action,'/identity')]//button").click()
        # the page before the POST has the same <h1>: wait for the recorded check itself
        WebDriverWait(d, WAIT, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException,
                                                 WebDriverException]).until(
            lambda d: "known-contact" in d.find_element(By.CSS_SELECTOR, "dl.facts").text)
        self.assertEqual(self.h1(), "Request " + rid)
        # the package: a POST with the page's CSRF token, answered as a zip download that is not kept
        form = d.find_element(By.XPATH, "//form[contains(@action,'/package')]")
        tok = form.find_element(By.NAME, "csrf").get_attribute("value")
        r, _ = self.get("/requests/%s/package" % rid, sid=self.cookie(), method="POST", body="x=1",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 403, "no CSRF token: refused")
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        c.request("POST", "/requests/%s/package" % rid, body="csrf=" + tok,
                  headers={"Cookie": "fortress_session=" + self.cookie(),
                           "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        body = r.read()
        c.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/zip")
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="request-%s.zip"' % rid)
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        import io, zipfile
        z = zipfile.ZipFile(io.BytesIO(body))
        names = sorted(z.namelist())
        # the package's files at the zip's root, as the API's download (fort_request_fulfil_zip)
        self.assertEqual(names, sorted(("data.json", "data.csv", "letter.md", "letter.html", "letter.pdf", "manifest.json")))
        self.assertIn("paula.frey@example.org", z.read("data.json").decode())
        man = z.read("manifest.json").decode()
        self.assertIn(hashlib.sha256(z.read("letter.pdf")).hexdigest(), man)
        self.assertNotIn("paula", self.srv.log())
        # answered: the page says closed, and a second download is refused
        self.go("/requests/" + rid)
        self.assertIn("answered", d.find_element(By.CSS_SELECTOR, "dl.facts").text)
        self.assertIn("closed", d.find_element(By.TAG_NAME, "main").text)
        self.assertTrue([x for x in audit_rows("request-fulfil") if x[0] == "anna" and x[2] == "ok"
                         and x[3].startswith("request %s " % rid) and "package downloaded as a zip" in x[3]],
                        audit_rows("request-fulfil"))

    def test_open_incident_and_see_its_clock(self):
        d = self.driver
        self.signed_in("anna")
        d.find_element(By.LINK_TEXT, "Incidents").click()
        self.wait_h1("Incidents")
        d.find_element(By.LINK_TEXT, "Record an incident").click()
        self.wait_h1("Record an incident")
        self.axe("record an incident")
        n = count("incidents")
        # awareness in the future: refused by the library, nothing recorded
        future = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 3 * 86400))
        d.find_element(By.ID, "title").send_keys("Backup disk missing")
        d.execute_script("arguments[0].removeAttribute('max'); arguments[0].value = arguments[1]",
                         d.find_element(By.ID, "aware"), future)
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Please check what you entered")
        self.assertEqual(count("incidents"), n)
        # aware two hours ago
        self.go("/incidents/new")
        aware = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 2 * 3600))
        d.find_element(By.ID, "title").send_keys("Backup disk missing")
        Select(d.find_element(By.ID, "kind")).select_by_visible_text("lost-device")
        d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "aware"), aware)
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1(lambda t: re.fullmatch(r"Incident \d+", t))
        iid = self.h1().split()[1]
        self.assertEqual(count("incidents"), n + 1)
        self.assertIn("Backup disk missing", d.find_element(By.TAG_NAME, "main").text)
        # the authority's 72 hours, 2 of them gone, counting down
        left = [c.text for c in d.find_elements(By.CSS_SELECTOR, "[data-due]")]
        self.assertTrue(any(re.fullmatch(r"in (2 d 2[12] h|69 h \d+ min|70 h \d+ min)", t) for t in left), left)
        self.axe("incident")
        # a fact, and the scope: every client with financial data; the impact names the client with an IBAN
        Select(d.find_element(By.ID, "note-kind")).select_by_value("fact")
        d.find_element(By.ID, "note-text").send_keys("the disk held last month's backup")
        click_and_wait(d, d.find_element(By.XPATH, "//form[contains(@action,'/note')]//button"))
        self.wait_h1("Incident " + iid)
        self.assertIn("1 facts", d.find_element(By.CSS_SELECTOR, "dl.facts").text)
        Select(d.find_element(By.ID, "category")).select_by_visible_text("financial")
        click_and_wait(d, d.find_element(By.XPATH, "//form[contains(@action,'/scope')]//button"))
        self.wait_h1("Incident " + iid)
        d.find_element(By.XPATH, "//form[contains(@action,'/impact')]//button").click()
        self.wait_h1("Incident %s: who is affected" % iid)
        self.assertIn(self.client, d.find_element(By.TAG_NAME, "table").text)
        self.assertNotIn(IBAN, d.page_source)
        self.axe("incident impact")
        # a notification made by the authority's portal, recorded: its clock is met
        self.go("/incidents/" + iid)
        Select(d.find_element(By.ID, "channel")).select_by_visible_text("portal")
        d.find_element(By.ID, "reference").send_keys("DPA-2026-77")
        click_and_wait(d, d.find_element(By.XPATH, "//form[contains(@action,'/notified')]//button"))  # the same heading
        self.wait_h1("Incident " + iid)
        rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "table tbody tr")]
        self.assertTrue(any("authority" in r.lower() and "not yet" not in r for r in rows), rows)
        # the letters preview: the letters, or the library saying which element is missing
        d.find_element(By.XPATH, "//form[contains(@action,'/letters')]//button").click()
        self.wait_h1(lambda t: t in ("Incident %s: letters" % iid, "Please check what you entered", "Not found"))
        if self.h1() == "Incident %s: letters" % iid:
            self.assertIn("supervisory authority", d.find_element(By.TAG_NAME, "main").text)
        else:
            self.assertTrue(d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.axe("incident letters")

    def test_consent_recorded_from_the_page(self):
        d = self.driver
        cid = self.new_client("Clara Ort")
        self.signed_in("anna")
        self.go("/clients/" + cid)
        d.find_element(By.LINK_TEXT, "Consent").click()
        self.wait_h1("Consent of client " + cid)
        self.axe("consent")
        n = len(audit_rows())
        Select(d.find_element(By.ID, "action")).select_by_value("object")
        Select(d.find_element(By.ID, "purpose")).select_by_value("marketing")
        Select(d.find_element(By.ID, "channel")).select_by_visible_text("email")
        click_and_wait(d, d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        self.wait_h1("Consent of client " + cid)
        row = d.find_element(By.XPATH, "//table[@id='consent-state']//tr[th='marketing']").text
        self.assertIn("objected", row)
        self.assertTrue([x for x in audit_rows()[n:] if x[0] == "anna" and x[2] == "ok"])
        # the library enforces it: a reveal for marketing is now refused
        r = kit.fort("client", "get", cid, "--reveal", "email", "--purpose", "marketing", check=False)
        self.assertNotEqual(r.returncode, 0)
        # a bad channel (posted by hand) is refused by the library, nothing recorded
        sel = d.find_element(By.ID, "channel")
        d.execute_script("arguments[0].options[0].value = 'carrier-pigeon'", sel)
        Select(sel).select_by_index(0)
        m = count("consent")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Please check what you entered")
        self.assertEqual(count("consent"), m)

    def test_users_page_and_adding_a_user(self):
        d = self.driver
        env = dict(os.environ, FORTRESS_VAULT=kit.VAULT, FORTRESS_PASSPHRASE_FILE=kit.passfile("kim"))
        import subprocess
        subprocess.run([kit.FORTRESS, "user", "request", "kim", "--kdf", "interactive"], env=env, check=True,
                       capture_output=True)
        import json
        fp = [u for u in json.loads(kit.fort("--json", "user", "list").stdout) if u["name"] == "kim"][0]["fingerprint"]
        # staff see the team, but no form to add anyone
        self.signed_in("sam")
        d.find_element(By.LINK_TEXT, "Users").click()
        self.wait_h1("Users and roles")
        self.assertIn("kim", d.find_element(By.ID, "users").text)
        self.assertFalse(d.find_elements(By.ID, "fingerprint"))
        self.axe("users (staff)")
        # and a post made by hand is refused by the library and audited
        tok = d.find_element(By.CSS_SELECTOR, "form.signout input[name=csrf]").get_attribute("value")
        n = len(audit_rows())
        r, _ = self.get("/users", sid=self.cookie(), method="POST",
                        body="csrf=%s&name=kim&role=owner&fingerprint=%s" % (tok, fp.replace(" ", "+")),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 403)
        self.assertTrue([x for x in audit_rows()[n:] if x[0] == "sam" and x[2] == "denied"])
        # the owner: a wrong fingerprint refused, then the right one
        self.signed_in("anna")
        self.go("/users")
        self.axe("users (owner)")
        Select(d.find_element(By.ID, "name")).select_by_visible_text("kim")
        Select(d.find_element(By.ID, "role")).select_by_visible_text("staff")
        d.find_element(By.ID, "fingerprint").send_keys("0000 0000 0000 0000")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1(lambda t: t != "Users and roles")
        self.assertIn("pending", [u["status"] for u in json.loads(kit.fort("--json", "user", "list").stdout)
                                  if u["name"] == "kim"])
        self.go("/users")
        Select(d.find_element(By.ID, "name")).select_by_visible_text("kim")
        Select(d.find_element(By.ID, "role")).select_by_visible_text("staff")
        d.find_element(By.ID, "fingerprint").send_keys(fp)
        # the answer has the same heading: wait for the page itself to be replaced
        click_and_wait(d, d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        self.wait_h1("Users and roles")
        row = d.find_element(By.XPATH, "//table[@id='users']//tr[th='kim']").text
        self.assertIn("active", row)
        self.assertIn("staff", row)

    def test_notice_records_retention_backup(self):
        d = self.driver
        self.signed_in("anna")
        d.find_element(By.LINK_TEXT, "Notice").click()
        self.wait_h1("Privacy notice and records")
        self.assertIn("Acme Ltd", d.find_element(By.ID, "notice").text)
        self.axe("notice")
        if d.find_elements(By.XPATH, "//form[@action='/notice/publish']"):
            n = len(audit_rows())
            click_and_wait(d, d.find_element(By.XPATH, "//form[@action='/notice/publish']//button"))
            self.wait_h1("Privacy notice and records")
            self.assertTrue(audit_rows()[n:], "publishing is audited")
        self.assertIn("This is the published version", d.find_element(By.CSS_SELECTOR, "[role=status]").text)
        # the records of processing, as a download
        r, data = self.post_form("/records", "format=csv")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.getheader("Content-Type").startswith("text/csv"))
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="records-of-processing.csv"')
        self.assertIn("billing", data.decode())
        r, _ = self.post_form("/records", "format=exe")
        self.assertEqual(r.status, 400)
        # retention: what is due, said plainly
        d.find_element(By.LINK_TEXT, "Retention").click()
        self.wait_h1("Retention")
        self.axe("retention")
        # a backup, downloaded; it opens with the owner's passphrase
        d.find_element(By.LINK_TEXT, "Backups").click()
        self.wait_h1("Backups")
        self.axe("backups")
        n = len(audit_rows("backup-create"))
        r, data = self.post_form("/backups", "")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/octet-stream")
        self.assertRegex(r.getheader("Content-Disposition"), r'^attachment; filename="fortress-backup-\d{4}-\d{2}-\d{2}\.fbk"$')
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertEqual(len(audit_rows("backup-create")), n + 1)
        path = os.path.join(kit.TMP, "web-backup.fbk")
        with open(path, "wb") as f:
            f.write(data)
        self.assertNotIn(b"jana@example.org", data, "encrypted")
        v = kit.fort("backup", "verify", path, check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_import_shows_rejected_rows(self):
        d = self.driver
        self.signed_in("anna")
        self.go("/clients")
        d.find_element(By.LINK_TEXT, "Import clients").click()
        self.wait_h1("Import clients")
        self.axe("import")
        csv = "Name,E-mail,Favourite colour\nIda Roth,ida.roth@example.org,blue\nBad Row,not-an-address,red\n"
        n = count("clients")
        d.find_element(By.ID, "data").send_keys(csv)
        click_and_wait(d, d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        self.wait_h1("Import clients")
        WebDriverWait(d, WAIT).until(lambda d: d.find_elements(By.ID, "import-problems"))
        problems = d.find_element(By.ID, "import-problems").text
        self.assertIn("line 3", problems)
        self.assertEqual(count("clients"), n, "all or nothing: nothing imported")
        self.assertIn("Favourite colour", d.find_element(By.ID, "import-notes").text, "the ignored column is named")
        self.axe("import refused")
        # the good rows, with the box ticked
        d.find_element(By.ID, "data").send_keys(csv)
        d.find_element(By.ID, "skip").click()
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        WebDriverWait(d, WAIT).until(lambda d: d.find_elements(By.ID, "import-result"))
        self.assertIn("1 of 2 clients imported", d.find_element(By.ID, "import-result").text)
        self.assertIn("line 3", d.find_element(By.ID, "import-problems").text)
        self.assertEqual(count("clients"), n + 1)
        self.assertNotIn("ida.roth", self.srv.log())

    def test_business_settings_and_dashboard_retention(self):
        d = self.driver
        self.signed_in("anna")
        self.assertIn("retention", d.find_element(By.ID, "retention-due").text)
        self.go("/business")
        self.wait_h1("Business settings")
        self.axe("business settings")
        self.assertTrue(d.find_element(By.ID, "authority").text)
        # a bad e-mail: refused by the library naming the field; nothing changed
        before = kit.fort("--json", "business", "show", check=False).stdout
        e = d.find_element(By.ID, "b-email")
        e.clear()
        e.send_keys("privacy-at-acme")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Please check what you entered")
        self.assertIn("email", d.find_element(By.CSS_SELECTOR, "[role=alert]").text.lower())
        self.assertEqual(kit.fort("--json", "business", "show", check=False).stdout, before)
        self.go("/business")
        e = d.find_element(By.ID, "b-email")
        e.clear()
        e.send_keys("privacy@acme.example")
        click_and_wait(d, d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))  # the same heading
        self.wait_h1("Business settings")
        self.assertEqual(d.find_element(By.ID, "b-email").get_attribute("value"), "privacy@acme.example")
        # staff see the details but no form
        self.signed_in("sam")
        self.go("/business")
        self.assertFalse(d.find_elements(By.ID, "b-email"))

    def test_plan_and_drill(self):
        d = self.driver
        self.signed_in("anna")
        d.find_element(By.LINK_TEXT, "Plan").click()
        self.wait_h1("Incident-response plan")
        if d.find_elements(By.XPATH, "//form[@action='/plan/init']"):
            self.axe("plan (none yet)")
            click_and_wait(d, d.find_element(By.XPATH, "//form[@action='/plan/init']//button"))
            self.wait_h1("Incident-response plan")
        self.assertTrue(d.find_element(By.ID, "plan").text)
        self.axe("plan")
        # a contact: a bad e-mail refused by the library naming the field, then a good one
        Select(d.find_element(By.ID, "role")).select_by_visible_text("lead")
        d.find_element(By.ID, "c-name").send_keys("Anna Keller")
        d.find_element(By.ID, "c-phone").send_keys("not a phone")
        d.find_element(By.XPATH, "//form[@action='/plan/contact']//button").click()
        self.wait_h1("Please check what you entered")
        self.assertIn("phone", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.go("/plan")
        self.assertNotIn("Anna Keller", d.find_element(By.ID, "plan").text)
        Select(d.find_element(By.ID, "role")).select_by_visible_text("lead")
        d.find_element(By.ID, "c-name").send_keys("Anna Keller")
        d.find_element(By.ID, "c-email").send_keys("anna@acme.example")
        click_and_wait(d, d.find_element(By.XPATH, "//form[@action='/plan/contact']//button"))  # the same heading
        self.wait_h1("Incident-response plan")
        self.assertIn("Anna Keller", d.find_element(By.ID, "plan").text)
        # a drill of the first playbook: one step done, the others skipped
        d.find_element(By.XPATH, "//form[@action='/plan/drill']//button").click()
        self.wait_h1(lambda t: t.startswith("Drill: "))
        self.axe("drill")
        steps = d.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name^=step-]")
        self.assertTrue(steps)
        steps[0].click()
        d.find_element(By.ID, "outcome").send_keys("the contact list was out of date")
        n = len(audit_rows("plan-drill"))
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Incident-response plan")
        self.assertIn("1 of %d" % len(steps), d.find_element(By.ID, "drills").text)
        self.assertEqual(len(audit_rows("plan-drill")), n + 1)
        # the PDF to print
        r, data = self.post_form("/plan/export", "")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/pdf")
        self.assertTrue(data.startswith(b"%PDF"))

    def test_rectification_answered_after_the_edit(self):
        d = self.driver
        cid = self.new_client("Rita Falsch")
        kit.fort("request", "open", "rectification", cid, "--received", time.strftime("%Y-%m-%d", time.gmtime()))
        rid = str(max(int(x) for x in re.findall(r'"id":\s*(\d+)', kit.fort("--json", "request", "list").stdout)))
        self.signed_in("anna")
        self.go("/requests/" + rid)
        self.assertIn("edit the client", d.find_element(By.TAG_NAME, "main").text)
        # answered before anything was corrected: the library refuses
        Select(d.find_element(By.ID, "action")).select_by_value("answer")
        d.find_element(By.XPATH, "//form[contains(@action,'/step')]//button").click()
        self.wait_h1("Please check what you entered")
        self.assertIn("corrected", d.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        # corrected, then answered
        self.go("/clients/%s/edit" % cid)
        d.find_element(By.ID, "f-full_name").send_keys("Rita Richtig")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait_h1("Client " + cid)
        self.go("/requests/" + rid)
        Select(d.find_element(By.ID, "action")).select_by_value("answer")
        click_and_wait(d, d.find_element(By.XPATH, "//form[contains(@action,'/step')]//button"))  # the same heading
        self.wait_h1("Request " + rid)
        self.assertIn("answered", d.find_element(By.CSS_SELECTOR, "dl.facts").text)

    def test_export_for_a_purpose_and_the_audit_log(self):
        d = self.driver
        self.signed_in("anna")
        self.go("/clients")
        d.find_element(By.LINK_TEXT, "Export clients").click()
        self.wait_h1("Export clients")
        self.axe("export")
        n = len(audit_rows("export"))
        r, data = self.post_form("/clients/export", "purpose=billing&format=csv")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="clients-billing.csv"')
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertIn(IBAN, data.decode())
        self.assertEqual(len(audit_rows("export")), n + 1)
        r, _ = self.post_form("/clients/export", "purpose=no-such-purpose&format=csv")
        self.assertIn(r.status, (400, 404))
        self.assertEqual([x[2] for x in audit_rows("export")[n:]], ["ok", "denied"], "the refusal audited, nothing exported")
        # the audit page lists the newest entries: the export is there, in anna's name, without values
        self.go("/audit")
        log = d.find_element(By.ID, "audit-log").text
        self.assertIn("export", log)
        self.assertIn("anna", log)
        self.assertNotIn(IBAN, d.page_source)
        self.axe("audit log")

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
        WebDriverWait(d, WAIT).until(lambda x: x.find_elements(By.ID, "err_email"))
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


def load_axe():
    """AXE: the pinned axe-core (tests/web/vendor/axe.min.js), checked
    against AXE_SHA256; exits 1 when it is another file."""
    global AXE
    with open(os.path.join(HERE, "vendor", "axe.min.js"), "rb") as f:
        raw = f.read()
    if hashlib.sha256(raw).hexdigest() != AXE_SHA256:
        print("tests/web/vendor/axe.min.js is not the pinned axe-core (see tests/web/vendor/README.md)")
        sys.exit(1)
    AXE = raw.decode()


def main():
    """The command line of the browser tests (this file's, and those that import it): serverkit.main."""
    load_axe()
    kit.main("fortress-web-", report=lambda: "axe-core found no violations on %d pages: %s"
             % (len(BrowserCase.axed), ", ".join(sorted(BrowserCase.axed))))


if __name__ == "__main__":
    main()
