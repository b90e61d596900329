#!/usr/bin/env python3
"""HTTP tests of the public intake form page of `fortress serve` (issue 18
item 1; src/server/web_intake.c) and its review pages: a real vault, the
real binary on a free loopback port, requests with the standard library
from several loopback addresses (127.0.0.x: the per-address limit).

    test_intake.py --fortress build/fortress --root .
"""
import csv, json, os, re, subprocess, unittest, urllib.parse
import serverkit as kit
from serverkit import fort, Server, Session, audit_rows

ARGS = kit.ARGS   # ARGS.root: the source tree
FORM = "application/x-www-form-urlencoded"
NOTICE = None
NOTICE_FR = None
LANGS = ("en", "de", "fr", "es", "it", "nl")
CAT = {}


def catalogues():
    """data/i18n/LANG.csv, as the binary embeds them."""
    for lang in LANGS:
        with open(os.path.join(ARGS.root, "data", "i18n", lang + ".csv"), encoding="utf-8") as f:
            CAT[lang] = {row["key"]: row["text"] for row in csv.DictReader(f)}


def esc(s):
    """A text as the pages escape it (fort_html_escape)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def inbox_count():
    return kit.count("SELECT count(*) FROM intake_inbox")


def vault_bytes():
    """Everything the vault holds at rest: the SQLite file and its WAL, or
    (PostgreSQL) a data dump of the database, where bytea is hex: the
    caller looks for the hex too."""
    if kit.PG:
        p = subprocess.run(["pg_dump", "--data-only", "--no-owner", kit.VAULT], capture_output=True)
        if p.returncode != 0:
            raise AssertionError("pg_dump of the vault failed: %s" % p.stderr.decode(errors="replace"))
        return p.stdout
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(kit.VAULT + suffix):
            with open(kit.VAULT + suffix, "rb") as f:
                data += f.read()
    return data


class IntakeTest(unittest.TestCase):
    srv = None

    @classmethod
    def setUpClass(cls):
        global NOTICE
        NOTICE = re.search(r"[0-9a-f]{64}", fort("notice", "publish").stdout).group(0)
        global NOTICE_FR
        NOTICE_FR = re.search(r"[0-9a-f]{64}", fort("notice", "publish", "--language", "fr").stdout).group(0)
        fort("intake", "create", "contact", "--fields", "full_name,email,phone,postal_address", "--consents", "marketing")
        fort("intake", "set", "contact", "--allow-origin", "https://www.example.com,http://shop.example:8080")
        fort("intake", "create", "plain", "--fields", "email")
        fort("client", "add", "--set", "full_name=Known Client", "--set", "email=known@example.org")
        cls.srv = Server()

    @classmethod
    def tearDownClass(cls):
        kit.stop_clean(cls.srv)

    def post(self, form, fields, source="127.0.0.1", raw=None, headers=None):
        body = raw if raw is not None else urllib.parse.urlencode(fields, doseq=True).encode()
        h = {"Content-Type": FORM}
        h.update(headers or {})
        r, _ = self.srv.request("POST", "/intake/" + form, raw=body, headers=h, source=source)
        return r

    def post_text(self, form, fields, source, headers=None):
        h = {"Content-Type": FORM}
        h.update(headers or {})
        return self.srv.fetch_text("POST", "/intake/" + form, fields, h, source=source)

    def get_text(self, path, session=None):
        """PATH as a visitor, or as SESSION: the answer as text."""
        if session:
            r, data = session.get(path)
            return r, data.decode()
        return self.srv.fetch_text("GET", path)

    # ------------------------------------------------------------ the page
    def test_form_page_shows_fields_consents_notice(self):
        r, text = self.get_text("/intake/contact")
        self.assertEqual(r.status, 200)
        for label in ("Full name", "E-mail address", "Phone number", "Postal address"):
            self.assertIn(">%s</label>" % label, text)
        self.assertIn('type="email"', text)
        self.assertIn('type="tel"', text)
        self.assertIn('name="consent"', text)
        self.assertIn('value="marketing"', text)
        self.assertIn('name="notice" value="%s"' % NOTICE, text)
        self.assertIn(NOTICE[:16], text, "the notice's version is shown")
        self.assertIn('href="/intake/contact/notice"', text)
        self.assertIn('name="website"', text, "the honeypot")
        self.assertNotIn("waiting", text, "nothing tells how many submissions there are")
        r, notice = self.get_text("/intake/contact/notice")
        self.assertEqual(r.status, 200)
        self.assertIn("Privacy notice: Acme Ltd", notice)
        self.assertIn(NOTICE[:16], notice)
        r, text = self.get_text("/intake/nosuchform")
        self.assertEqual(r.status, 404)
        self.assertIn("There is no such form here", text)

    def test_notice_in_the_visitors_language(self):
        """Issue 18 item 4: the notice published in the visitor's language;
        else the English one with a line in theirs saying so."""
        self.assertNotEqual(NOTICE_FR, NOTICE)
        r, text = self.get_text("/intake/contact?lang=fr")
        self.assertEqual(r.status, 200)
        self.assertIn('name="notice" value="%s"' % NOTICE_FR, text, "the version shown is recorded")
        r, notice = self.get_text("/intake/contact/notice?lang=fr")
        self.assertEqual(r.status, 200)
        self.assertIn('<html lang="fr">', notice)
        self.assertIn(esc(CAT["fr"]["notice.title"].replace("{business}", "Acme Ltd")), notice)
        self.assertIn(esc(CAT["fr"]["notice.h.rights"]), notice)
        self.assertIn(NOTICE_FR[:16], notice)
        self.assertNotIn("Privacy notice: Acme Ltd", notice)
        self.assertNotIn(esc(CAT["fr"]["notice.not_in_language"]), notice)
        # German: none published, the English one and a line in German
        r, text = self.get_text("/intake/contact?lang=de")
        self.assertIn('name="notice" value="%s"' % NOTICE, text)
        r, notice = self.get_text("/intake/contact/notice?lang=de")
        self.assertEqual(r.status, 200)
        self.assertIn(esc(CAT["de"]["notice.not_in_language"]), notice)
        self.assertIn("Privacy notice: Acme Ltd", notice)
        self.assertNotIn("notice.", notice, "no raw text key")

    def test_frame_ancestors_from_the_origin_list(self):
        r, _ = self.get_text("/intake/contact")
        csp = r.getheader("Content-Security-Policy")
        self.assertIn("frame-ancestors https://www.example.com http://shop.example:8080;", csp)
        self.assertIn("script-src 'self'", csp)
        self.assertIsNone(r.getheader("X-Frame-Options"), "the CSP alone says who may frame it")
        r, _ = self.get_text("/intake/contact/thanks")
        self.assertIn("frame-ancestors https://www.example.com http://shop.example:8080;",
                      r.getheader("Content-Security-Policy"))
        # a form without a list: no site may frame it
        r, _ = self.get_text("/intake/plain")
        self.assertIn("frame-ancestors 'none'", r.getheader("Content-Security-Policy"))
        self.assertEqual(r.getheader("X-Frame-Options"), "DENY")
        # the staff pages stay unframeable
        r, _ = self.get_text("/signin")
        self.assertIn("frame-ancestors 'none'", r.getheader("Content-Security-Policy"))
        # a bad origin is refused by name, the list unchanged
        p = fort("intake", "set", "contact", "--allow-origin", "https://x.example/path'; script-src *", check=False)
        self.assertEqual(p.returncode, 6)
        self.assertIn("is not a site's origin", p.stderr)
        r, _ = self.get_text("/intake/contact")
        self.assertIn("frame-ancestors https://www.example.com http://shop.example:8080;",
                      r.getheader("Content-Security-Policy"))

    # ------------------------------------------------------------ languages
    def get_lang(self, path, accept=None):
        return self.srv.fetch_text("GET", path, headers={"Accept-Language": accept} if accept else {})

    def assert_switcher(self, text, here, lang):
        """The same language switcher as /me: one link per language to HERE,
        named in its own language, the page's language marked current."""
        links = re.findall(r'<a href="([^"]*)" lang="([a-z]+)" hreflang="\2"( aria-current="true")?>([^<]*)</a>', text)
        self.assertEqual([(h, l) for h, l, _, _ in links], [("%s?lang=%s" % (here, l), l) for l in LANGS])
        self.assertEqual([l for _, l, cur, _ in links if cur], [lang])
        self.assertEqual([n for _, _, _, n in links],
                         ["English", "Deutsch", "Français", "Español", "Italiano", "Nederlands"])
        self.assertIn('<nav aria-label="%s"><ul class="languages">' % esc(CAT[lang]["me.language"]), text)

    def test_language_from_accept_language_then_query(self):
        r, text = self.get_lang("/intake/contact", "de-CH,de;q=0.9,en;q=0.5")
        self.assertEqual(r.status, 200)
        self.assertIn('<html lang="de">', text)
        self.assertIn("<h1>%s</h1>" % esc(CAT["de"]["intake.title"]), text)
        self.assertIn(esc(CAT["de"]["intake.send"]) + "</button>", text)
        self.assertIn('<input type="hidden" name="lang" value="de">', text, "the POST answers in the same language")
        self.assertNotIn(esc(CAT["en"]["intake.title"]), text)
        self.assert_switcher(text, "/intake/contact", "de")
        # ?lang= wins over the browser's language
        r, text = self.get_lang("/intake/contact?lang=fr", "de")
        self.assertEqual(r.status, 200)
        self.assertIn('<html lang="fr">', text)
        self.assertIn("<h1>%s</h1>" % esc(CAT["fr"]["intake.title"]), text)
        self.assertIn('<input type="hidden" name="lang" value="fr">', text)
        self.assert_switcher(text, "/intake/contact", "fr")
        # a language we do not have: the browser's, else English
        self.assertIn('<html lang="nl">', self.get_lang("/intake/contact?lang=pt", "nl")[1])
        _, text = self.get_lang("/intake/contact", "ja, pt-BR;q=0.8")
        self.assertIn('<html lang="en">', text)
        self.assertIn("<h1>%s</h1>" % esc(CAT["en"]["intake.title"]), text)

    def test_every_language_every_page(self):
        """Every fixed text of the form, thank-you and unknown-form pages in
        each language: the catalogue's text is there (a missing or empty
        one would leave it out), the page says its language."""
        for lang in LANGS:
            t = CAT[lang]
            r, text = self.get_lang("/intake/contact?lang=" + lang)
            self.assertEqual(r.status, 200, lang)
            self.assertIn('<html lang="%s">' % lang, text)
            before, after = t["intake.intro"].split("%s")
            self.assertIn("<p>%sAcme Ltd%s</p>" % (esc(before), esc(after)), text, lang)
            for key in ("title", "optional", "consents", "consents_help", "notice", "notice_version", "honeypot", "send"):
                self.assertTrue(t["intake." + key].strip(), "%s: intake.%s is empty" % (lang, key))
                self.assertIn(esc(t["intake." + key]), text, "%s: intake.%s" % (lang, key))
            for key in ("me.skip", "me.footer"):
                self.assertIn(esc(t[key]), text, "%s: %s" % (lang, key))
            self.assertNotRegex(text, r"<(h1|legend|button type=\"submit\"|label for=\"website\")>\s*</", lang)
            self.assert_switcher(text, "/intake/contact", lang)
            r, text = self.get_lang("/intake/contact/thanks?lang=" + lang)
            self.assertEqual(r.status, 200)
            self.assertIn('<html lang="%s">' % lang, text)
            self.assertIn("<h1>%s</h1>" % esc(t["intake.thanks_title"]), text)
            self.assertIn(esc(t["intake.thanks"]), text)
            self.assertIn('<a href="/intake/contact?lang=%s">%s</a>' % (lang, esc(t["intake.again"])), text)
            self.assert_switcher(text, "/intake/contact/thanks", lang)
            r, text = self.get_lang("/intake/nosuchform?lang=" + lang)
            self.assertEqual(r.status, 404)
            self.assertIn('<html lang="%s">' % lang, text)
            self.assertIn(esc(t["intake.no_form"]), text)
            self.assertNotIn('<a href="/">', text, "a visitor's page has no link into the app")
            if lang != "en":
                for key in ("intake.title", "intake.thanks", "intake.no_form"):
                    self.assertNotEqual(t[key], CAT["en"][key], "%s: %s is translated" % (lang, key))

    def test_post_answers_in_the_forms_language(self):
        n = inbox_count()
        # a problem: the form again in the language it was sent in, not the browser's
        r, text = self.post_text("contact", {"f_email": "not-an-email", "f_full_name": "Ada Lovelace", "lang": "it"},
                                 "127.0.0.10", headers={"Accept-Language": "de"})
        self.assertEqual(r.status, 400)
        self.assertIn('<html lang="it">', text)
        self.assertIn(esc(CAT["it"]["intake.problems"]), text)
        self.assertIn("<h1>%s</h1>" % esc(CAT["it"]["intake.title"]), text)
        self.assertIn('<input type="hidden" name="lang" value="it">', text)
        self.assertIn('<span class="field-error" id="err_email">', text, "the library's problem (English) next to the field")
        self.assertIn('value="Ada Lovelace"', text)
        self.assert_switcher(text, "/intake/contact", "it")
        self.assertEqual(inbox_count(), n)
        # without the field: the browser's language
        r, text = self.post_text("contact", {"f_email": "not-an-email"}, "127.0.0.10", headers={"Accept-Language": "es"})
        self.assertEqual(r.status, 400)
        self.assertIn('<html lang="es">', text)
        self.assertIn(esc(CAT["es"]["intake.problems"]), text)
        # accepted: the thank-you page in that language, the submission says it
        r = self.post("plain", {"f_email": "lang-nl@example.org", "lang": "nl"}, source="127.0.0.10")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/intake/plain/thanks?lang=nl")
        _, text = self.get_lang(r.getheader("Location"), "de")
        self.assertIn("<h1>%s</h1>" % esc(CAT["nl"]["intake.thanks_title"]), text)
        items = json.loads(fort("--json", "intake", "review", "plain").stdout)
        self.assertIn("nl", [x.get("language") for x in items])

    # ------------------------------------------------------------ abuse and bad input
    def test_oversized_submission_413(self):
        n = inbox_count()
        r = self.post("contact", {"f_postal_address": "x" * (40 << 10)}, source="127.0.0.2")
        self.assertEqual(r.status, 413)
        self.assertEqual(inbox_count(), n, "nothing stored")

    def test_malformed_field_named(self):
        n = inbox_count()
        r, text = self.post_text("contact", {"f_email": "not-an-email", "f_full_name": "Ada Lovelace"}, "127.0.0.5")
        self.assertEqual(r.status, 400)
        m = re.search(r'<span class="field-error" id="err_email">([^<]*)</span>', text)
        self.assertTrue(m, "the problem is next to the e-mail field")
        self.assertEqual(m.group(1), esc(CAT["en"]["intake.err.email"]))
        self.assertIn('aria-describedby="err_email"', text)
        self.assertIn('value="Ada Lovelace"', text, "what the visitor typed is kept")
        self.assertIn('value="not-an-email"', text)
        self.assertEqual(inbox_count(), n, "nothing stored")
        self.assertNotIn("not-an-email", self.srv.log())
        self.assertNotIn("Ada Lovelace", self.srv.log())

    def test_field_errors_in_the_visitors_language(self):
        """The library names the problem (fort_field_check); the page says it
        from the catalogue: no English library message on another language's form."""
        n = inbox_count()
        for i, lang in enumerate(LANGS):
            r, text = self.post_text("contact", {"f_email": "not-an-email", "f_phone": "12ab", "f_full_name": "A\x01B",
                                                 "lang": lang}, "127.0.0.%d" % (40 + i))
            self.assertEqual(r.status, 400)
            errs = dict(re.findall(r'<span class="field-error" id="err_([a-z_]+)">([^<]*)</span>', text))
            self.assertEqual(errs.get("email"), esc(CAT[lang]["intake.err.email"]), lang)
            self.assertEqual(errs.get("phone"), esc(CAT[lang]["intake.err.phone"]), lang)
            self.assertEqual(errs.get("full_name"), esc(CAT[lang]["intake.err.control"]), lang)
            for english in ("not a valid", "field 'email'", "contains a control character", "e-mail address:"):
                if lang != "en":
                    self.assertNotIn(english, text, "an English library message on the %s form" % lang)
        # too long, in German
        r, text = self.post_text("contact", {"f_full_name": "x" * 2000, "lang": "de"}, "127.0.0.47")
        self.assertEqual(r.status, 400)
        self.assertIn('<span class="field-error" id="err_full_name">%s</span>' % esc(CAT["de"]["intake.err.too_long"]), text)
        self.assertNotIn("too long", text)
        self.assertEqual(inbox_count(), n, "nothing stored")

    def test_flood_from_one_address_429(self):
        n = inbox_count()
        for i in range(5):
            r = self.post("plain", {"f_email": "flood%d@example.org" % i}, source="127.0.0.3")
            self.assertEqual(r.status, 303, "submission %d" % i)
        r = self.post("plain", {"f_email": "flood9@example.org"}, source="127.0.0.3")
        self.assertEqual(r.status, 429)
        self.assertGreater(int(r.getheader("Retry-After")), 0)
        self.assertEqual(inbox_count(), n + 5, "the sixth was not stored")
        # another address is not held up
        self.assertEqual(self.post("plain", {"f_email": "other@example.org"}, source="127.0.0.6").status, 303)
        self.assertEqual(inbox_count(), n + 6)

    def test_honeypot_discarded_same_answer(self):
        n = inbox_count()
        bot = self.post("plain", {"f_email": "bot@example.org", "website": "http://spam.example"}, source="127.0.0.4")
        self.assertEqual(inbox_count(), n, "the bot's submission is discarded")
        person = self.post("plain", {"f_email": "person@example.org", "website": ""}, source="127.0.0.4")
        self.assertEqual(inbox_count(), n + 1)
        self.assertEqual((bot.status, bot.getheader("Location")), (person.status, person.getheader("Location")))
        self.assertEqual(bot.getheader("Location"), "/intake/plain/thanks")

    def test_same_answer_for_a_known_email(self):
        known = self.post("plain", {"f_email": "known@example.org"}, source="127.0.0.7")
        unknown = self.post("plain", {"f_email": "unknown@example.org"}, source="127.0.0.7")
        self.assertEqual((known.status, known.getheader("Location"), known.getheader("Content-Length")),
                         (unknown.status, unknown.getheader("Location"), unknown.getheader("Content-Length")))

    # ------------------------------------------------------------ secrecy and review
    def test_canary_sealed_script_escaped_review(self):
        canary = "canary7f3a9q"
        script = "<script>alert('%s')</script>" % canary
        n = inbox_count()
        # nobody is signed in: the server submits without any keyholder
        r = self.post("contact", {"f_email": canary + "@example.org", "f_postal_address": script,
                                  "consent": "marketing", "notice": NOTICE}, source="127.0.0.8")
        self.assertEqual(r.status, 303)
        self.assertNotIn(canary, r.getheader("Location"))
        self.assertEqual(inbox_count(), n + 1)
        held = vault_bytes()
        if kit.PG:
            self.assertIn(b"COPY public.intake_inbox", held, "the dump holds the inbox")
        # (assertFalse: assertNotIn would print the whole dump)
        self.assertFalse(canary.encode() in held, "the vault holds the submission sealed only")
        self.assertFalse(canary.encode().hex().encode() in held.lower(), "not as hex either (bytea in a dump)")
        self.assertNotIn(canary, self.srv.log())
        for row in audit_rows():
            self.assertNotIn(canary, " ".join(str(x) for x in row))
        # a signed-in person without the intake key cannot open the inbox
        kit.fort("user", "totp", "enroll", user="sam")
        sam = Session(self.srv, "sam")
        r, text = self.get_text("/inbox", sam)
        self.assertEqual(r.status, 403)
        self.assertNotIn(canary, text)
        # a keyholder reads it: masked, then revealed with the script escaped
        anna = Session(self.srv, "anna")
        r, text = self.get_text("/inbox", anna)
        self.assertEqual(r.status, 200)
        ids = re.findall(r'href="/inbox/(\d+)"', text)
        self.assertTrue(ids)
        sid = None
        for i in ids:
            r, page = self.get_text("/inbox/" + i, anna)
            if "marketing" in page and "Postal address" in page:
                sid = i
        self.assertTrue(sid, "the submission is listed")
        self.assertNotIn("<script>alert", page)
        rr, shown = anna.form("/inbox/%s/reveal" % sid, {})
        shown = shown.decode()
        self.assertEqual(rr.status, 200)
        self.assertIn("&lt;script&gt;alert('%s')&lt;/script&gt;" % canary, shown)
        self.assertNotIn("<script>alert", shown)
        # without the form's CSRF token: refused, nothing decided
        rr, _ = anna.form("/inbox/%s/accept" % sid, {"x": "1"}, csrf=False)
        self.assertEqual(rr.status, 403)
        self.assertEqual(inbox_count(), n + 1)
        # accept: one library call, the client with the consent
        rr, _ = anna.form("/inbox/%s/accept" % sid, {})
        self.assertEqual(rr.status, 303)
        cid = re.match(r"/clients/(c-[0-9a-f]+)$", rr.getheader("Location")).group(1)
        self.assertEqual(inbox_count(), n)
        cons = fort("--json", "consent", "show", cid).stdout
        self.assertIn('"marketing"', cons)
        self.assertIn('"web"', cons)
        self.assertIn(NOTICE, cons)

    # ------------------------------------------------------------ key rotation
    def test_rotate_key_reseals_pending(self):
        def pk_and_boxes():
            # either backend (kit.query: text values on PostgreSQL; only compared)
            pk = kit.query("SELECT v FROM meta WHERE k = 'intake_pk'")[0][0]
            boxes = dict(kit.query("SELECT id, box FROM intake_inbox"))
            grants = kit.count("SELECT count(*) FROM grants WHERE key_name = 'intake'")
            return pk, boxes, grants
        self.assertEqual(self.post("plain", {"f_email": "before-rotation@example.org"}, source="127.0.0.9").status, 303)
        pk0, boxes0, grants0 = pk_and_boxes()
        before = fort("--json", "intake", "review", "plain").stdout
        self.assertIn("b***", before)
        p = fort("--json", "intake", "rotate-key")
        self.assertIn('"resealed": %d' % len(boxes0), p.stdout)
        pk1, boxes1, grants1 = pk_and_boxes()
        self.assertNotEqual(pk0, pk1, "a new public key")
        self.assertEqual(sorted(boxes0), sorted(boxes1), "the same submissions are pending")
        for i in boxes0:
            self.assertTrue(boxes0[i] != boxes1[i], "submission %s is sealed anew" % i)
        self.assertEqual(grants0, grants1, "the new secret half went to the same holders")
        # still readable by the keyholder, and what the page submits now too
        self.assertEqual(fort("--json", "intake", "review", "plain").stdout.count('"id"'), before.count('"id"'))
        self.assertEqual(self.post("plain", {"f_email": "after-rotation@example.org"}, source="127.0.0.9").status, 303)
        after = fort("--json", "intake", "review", "plain").stdout
        self.assertIn("a***", after)
        self.assertNotIn('"problem": "', after, "every box opens with the new key")
        self.assertTrue([x for x in audit_rows("intake-rotate") if x[2] == "ok"])
        # staff cannot rotate it (no intake action): refused, nothing changed
        p = fort("intake", "rotate-key", user="sam", check=False)
        self.assertEqual(p.returncode, 5)
        self.assertEqual(pk_and_boxes()[0], pk1)


if __name__ == "__main__":
    kit.main("fortress-intake-", catalogues)
