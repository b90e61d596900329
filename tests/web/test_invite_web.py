#!/usr/bin/env python3
"""Browser test of joining by invitation (issue 17): the owner invites a new
team member on the users page; the invitee, in a browser of their own (a
fresh Chromium profile, no cookie of the owner's), opens the link, chooses a
passphrase, scans the QR code's key (computed here as an authenticator app
does), keeps the recovery codes and reads the fingerprint; the owner
approves comparing it; the invitee signs in and sees only what their role
opens.  axe-core on every new page.  BrowserCase is test_web.py's.

    test_invite_web.py --fortress build/fortress --root .
"""
import os, re, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_web as tw  # noqa: E402
from test_web import BrowserCase  # noqa: E402
import serverkit as kit  # noqa: E402
from serverkit import totp, PASS  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


class InvitePages(BrowserCase):
    def other_browser(self):
        """A second Chromium with a profile of its own: the invitee's machine."""
        opts = webdriver.ChromeOptions()
        opts.binary_location = tw.chromium()
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                  "--disable-extensions", "--window-size=412,900", "--user-data-dir=" + os.path.join(kit.TMP, "chrome-invitee")):
            opts.add_argument(a)
        d = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver",
                                             log_path=os.path.join(kit.TMP, "chromedriver-invitee.log")), options=opts)
        d.set_page_load_timeout(tw.WAIT)
        return d

    def test_invite_join_approve_signin(self):
        owner = self.driver
        self.signed_in("anna")
        self.go("/users")
        self.wait_h1("Users and roles")
        self.axe("users page with the invitation form")
        form = owner.find_element(By.XPATH, "//form[@action='/users/invite']")
        form.find_element(By.ID, "invite-name").send_keys("lea")
        Select(form.find_element(By.ID, "invite-role")).select_by_visible_text("staff")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait_h1("Invitation link")
        self.axe("invitation link")
        link = owner.find_element(By.ID, "invite-link").get_attribute("value")
        self.assertTrue(link.startswith(self.base + "/join/"), link)
        self.assertNotIn(link.rsplit("/", 1)[1], self.srv.log())
        self.go("/users")
        self.assertIn("open", owner.find_element(By.XPATH, "//table[@id='invitations']//tr[th[.='lea']]").text)
        self.axe("users page with an open invitation")

        lea = self.other_browser()
        self.driver = lea  # axe() and wait_h1() look at the invitee's browser now
        try:
            lea.get(link)
            self.wait_h1(lambda t: t.startswith("Join "))
            self.assertEqual(lea.get_cookie("fortress_session"), None)
            self.axe("join page")
            lea.find_element(By.ID, "passphrase").send_keys(PASS["lea"])
            lea.find_element(By.ID, "passphrase2").send_keys(PASS["lea"] + " typo")
            secret = lea.find_element(By.ID, "totp-secret").text
            lea.find_element(By.ID, "code").send_keys(totp(secret))
            # the answer has the same heading: wait for the page itself to be replaced
            tw.click_and_wait(lea, lea.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
            self.wait_h1(lambda t: t.startswith("Join "))
            self.assertIn("not the same", lea.find_element(By.CSS_SELECTOR, "[role=alert]").text)
            self.assertEqual(lea.find_element(By.ID, "totp-secret").text, secret, "the same key: no second scan")
            self.axe("join page with a mistake")
            lea.find_element(By.ID, "passphrase").send_keys(PASS["lea"])
            lea.find_element(By.ID, "passphrase2").send_keys(PASS["lea"])
            lea.find_element(By.ID, "code").send_keys(totp(secret))
            lea.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
            self.wait_h1("You have joined: one step left", timeout=tw.WAIT)
            self.axe("joined: fingerprint and recovery codes")
            fp = lea.find_element(By.ID, "fingerprint").text
            self.assertEqual(len(lea.find_elements(By.CSS_SELECTOR, "#recovery-codes li")), 10)
        finally:
            self.driver = owner

        # the owner compares the fingerprint and approves
        self.go("/users")
        self.wait_h1("Users and roles")
        row = owner.find_element(By.XPATH, "//table[@id='users']//tr[th[.='lea']]").text
        self.assertIn("pending", row)
        self.assertIn(fp, row)
        self.assertIn("joined", owner.find_element(By.XPATH, "//table[@id='invitations']//tr[th[.='lea']]").text)
        form = owner.find_element(By.XPATH, "//form[@action='/users']")
        Select(form.find_element(By.ID, "name")).select_by_visible_text("lea")
        Select(form.find_element(By.ID, "role")).select_by_visible_text("staff")
        form.find_element(By.ID, "fingerprint").send_keys(fp)
        tw.click_and_wait(owner, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))  # the same heading
        self.wait_h1("Users and roles")
        self.assertIn("active", owner.find_element(By.XPATH, "//table[@id='users']//tr[th[.='lea']]").text)

        # the invitee signs in from their browser, with the app they set up when joining; staff only
        self.driver = lea
        try:
            self.go("/signin")
            lea.find_element(By.ID, "user").send_keys("lea")
            lea.find_element(By.ID, "passphrase").send_keys(PASS["lea"])
            lea.find_element(By.ID, "code").send_keys(totp(secret, time.time() + 30))
            lea.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
            self.wait_h1("Dashboard", timeout=tw.WAIT)
            self.client_page()
            self.assertIn("Your role may not reveal this", lea.find_element(By.XPATH, "//form[input[@value='iban']]").text)
            self.go("/users")
            self.wait_h1("Users and roles")
            self.assertEqual(lea.find_elements(By.XPATH, "//form[@action='/users/invite']"), [])
            self.assertNotIn(tw.IBAN, lea.page_source)
        finally:
            self.driver = owner
            lea.quit()


if __name__ == "__main__":
    tw.main()
