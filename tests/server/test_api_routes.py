#!/usr/bin/env python3
"""HTTP tests of the API routes of issue 17 item 4: requests (list with
due dates, open, show, identity check, steps, the access package and the
erasure certificate as zip downloads), client edit and erase, export,
retention; incidents (list with clocks, open, show, impact, letters,
notify through the outbox), the plan and drills; the notice, the records,
the check-up, backups and import upload.  Each success path, and each bad input
(malformed JSON, a wrong type, an unknown id, a role that may not, a
missing CSRF token, an oversized body) answered with the right status, the
refusal audited and nothing changed.  Every JSON answer is checked against
docs/api/openapi.json (serverkit.validate).

    test_api_routes.py --fortress build/fortress --root .
"""
import hashlib, http.client, io, json, os, zipfile
import serverkit
from serverkit import fort, audit_rows, validate, table_count as count


def snapshot():
    """What a refused request must leave as it was: the vault's records
    (clients, requests, the erasure ledger, holds) and the chain's head
    apart from the refusal entries themselves."""
    tables = ("clients", "requests", "erased", "holds", "incidents", "incident_notes", "incident_scope",
              "mail_outbox", "plan_drills", "notices", "doctor_runs", "exports")
    counts = serverkit.query_many(["SELECT count(*) FROM %s" % t for t in tables])
    return {t: int(rows[0][0]) for t, rows in zip(tables, counts)}


def download(session, path, body):
    """POST BODY to PATH; the answer's response object and its bytes."""
    h = {"Cookie": "fortress_session=" + session.sid, "X-CSRF-Token": session.csrf, "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", session.srv.port, timeout=60)
    conn.request("POST", path, body=json.dumps(body).encode(), headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r, data


def oversized(session, path, method="POST"):
    """A Content-Length over the 1 MiB limit: refused before the body (413)."""
    c = http.client.HTTPConnection("127.0.0.1", session.srv.port, timeout=30)
    c.putrequest(method, path)
    for k, v in {"Content-Type": "application/json", "Content-Length": str(2 << 20),
                 "Cookie": "fortress_session=" + session.sid, "X-CSRF-Token": session.csrf}.items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    j = json.loads(r.read())
    c.close()
    return r, j


class ApiRightsTest(serverkit.ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clients = []
        for name, mail in (("Jana Schmidt", "jana@example.org"), ("Otto Weber", "otto@example.org"),
                           ("Lena Vogel", "lena@example.org"), ("Karl Busch", "karl@example.org")):
            r, j = cls.anna.req("POST", "/api/clients", {"fields": {"full_name": name, "email": mail, "iban": "DE89370400440532013000"}},
                                pattern="/api/clients")
            assert r.status == 201, j
            cls.clients.append(j["id"])

    def open_request(self, kind, client, received="2026-11-02", **extra):
        body = dict(kind=kind, client=client, received=received, **extra)
        r, j = self.anna.req("POST", "/api/requests", body, pattern="/api/requests")
        self.assertEqual(r.status, 201, j)
        return j

    def assertRefused(self, r, j, status, code, words, before):
        self.assertEqual(r.status, status, j)
        self.assertEqual(j["error"]["code"], code, j)
        self.assertIn(words, j["error"]["message"])
        self.assertEqual(snapshot(), before, "nothing changed")

    # ------------------------------------------------------------ requests

    def test_requests_open_list_pages_show(self):
        c = self.clients[0]
        opened = [self.open_request("access", c, "2026-11-%02d" % d)["id"] for d in (2, 3, 4)]
        first = self.open_request("access", c, "2026-11-02")
        self.assertEqual(first["kind"], "access")
        self.assertEqual(first["client"], c)
        self.assertEqual(first["due"], "2026-12-02")   # GDPR: one month from receipt
        self.assertIsNotNone(first["days_left"])
        # pages of two, in order, until next is null
        seen, after = [], None
        while True:
            r, j = self.anna.req("GET", "/api/requests?client=%s&limit=2%s" % (c, "&after=%d" % after if after else ""),
                                 pattern="/api/requests")
            self.assertEqual(r.status, 200, j)
            self.assertLessEqual(len(j["requests"]), 2)
            seen += [x["id"] for x in j["requests"]]
            if j["next"] is None:
                break
            self.assertEqual(j["next"], j["requests"][-1]["id"])
            after = j["next"]
        self.assertEqual(sorted(seen), sorted(opened + [first["id"]]))
        self.assertEqual(len(seen), len(set(seen)))
        # due order: open ones, soonest first
        r, j = self.anna.req("GET", "/api/requests?due=true&as_of=2026-12-03", pattern="/api/requests")
        self.assertEqual(r.status, 200)
        flags = [x["overdue"] for x in j["requests"]]
        self.assertEqual(flags, sorted(flags, reverse=True), "overdue first")
        self.assertTrue(flags[0] and not flags[-1], flags)
        late = [x["due"] for x in j["requests"] if not x["overdue"]]
        self.assertEqual(late, sorted(late), "then by due date")
        self.assertTrue(all(x["closed"] is None for x in j["requests"]), "open ones only")
        r, j = self.anna.req("GET", "/api/requests/%d" % first["id"], pattern="/api/requests/{id}")
        self.assertEqual(r.status, 200)
        self.assertEqual(j, first)
        # unknown ids, a bad page
        r, j = self.anna.req("GET", "/api/requests/987654", pattern="/api/requests/{id}")
        self.assertEqual(r.status, 404)
        self.assertIn("987654", j["error"]["message"])
        r, j = self.anna.req("GET", "/api/requests/abc", pattern="/api/requests/{id}")
        self.assertEqual(r.status, 400)
        self.assertIn("'abc' is not a request number", j["error"]["message"])
        r, j = self.anna.req("GET", "/api/requests?after=987654", pattern="/api/requests")
        self.assertEqual(r.status, 404)
        self.assertIn("987654", j["error"]["message"])
        r, j = self.anna.req("GET", "/api/requests?limit=0", pattern="/api/requests")
        self.assertEqual(r.status, 400)
        r, j = self.anna.req("GET", "/api/requests?colour=red", pattern="/api/requests")
        self.assertEqual(r.status, 400)
        self.assertIn("colour", j["error"]["message"])

    def test_request_open_bad_inputs(self):
        before = snapshot()
        c = self.clients[0]
        r, j = self.anna.req("POST", "/api/requests", raw=b'{"kind": "access", "client": ', headers={"Content-Type": "application/json"},
                             pattern="/api/requests")
        self.assertRefused(r, j, 400, "EINPUT", "malformed JSON", before)
        r, j = self.anna.req("POST", "/api/requests", {"kind": 5, "client": c, "received": "2026-11-02"}, pattern="/api/requests")
        self.assertRefused(r, j, 400, "EINPUT", '"kind" must be a string', before)
        r, j = self.anna.req("POST", "/api/requests", {"kind": "access", "client": c, "received": "2026-11-02", "verify_id": "yes"},
                             pattern="/api/requests")
        self.assertRefused(r, j, 400, "EINPUT", '"verify_id" must be true or false', before)
        r, j = self.anna.req("POST", "/api/requests", {"kind": "access", "client": c, "received": "2026-11-02", "colour": "red"},
                             pattern="/api/requests")
        self.assertRefused(r, j, 400, "EINPUT", 'unknown field "colour"', before)
        r, j = self.anna.req("POST", "/api/requests", {"kind": "gossip", "client": c, "received": "2026-11-02"}, pattern="/api/requests")
        self.assertRefused(r, j, 400, "EINPUT", "gossip", before)
        r, j = self.anna.req("POST", "/api/requests", {"kind": "access", "client": "c-00000000000000aa", "received": "2026-11-02"},
                             pattern="/api/requests")
        self.assertRefused(r, j, 404, "ENOTFOUND", "c-00000000000000aa", before)
        r, j = self.anna.req("POST", "/api/requests", {"kind": "access", "client": c, "received": "2026-11-02"}, csrf=False,
                             pattern="/api/requests")
        self.assertRefused(r, j, 403, "EDENIED", "missing CSRF token", before)
        r, j = oversized(self.anna, "/api/requests")
        self.assertEqual(r.status, 413, j)
        validate("/api/requests", "POST", 413, j)
        self.assertEqual(snapshot(), before)
        reasons = [x[3] for x in audit_rows("http")]
        self.assertTrue(any("malformed JSON" in x for x in reasons))
        self.assertTrue(any("CSRF" in x for x in reasons))

    def test_identity_and_steps(self):
        q = self.open_request("access", self.clients[1], verify_id=True, jurisdiction="UK")
        self.assertIsNone(q["clock_start"])
        rid = q["id"]
        r, j = self.anna.req("POST", "/api/requests/%d/identity" % rid, {"method": "id-card", "date": "2026-11-05"},
                             pattern="/api/requests/{id}/identity")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["identity"], "verified")
        self.assertEqual(j["identity_method"], "id-card")
        self.assertEqual(j["clock_start"], "2026-11-05")   # UK: the clock starts at verification
        r, j = self.anna.req("POST", "/api/requests/%d/identity" % rid, {"method": "id-card", "ok": "no"},
                             pattern="/api/requests/{id}/identity")
        self.assertEqual(r.status, 400)
        r, j = self.anna.req("POST", "/api/requests/%d/steps" % rid, {"action": "start"}, pattern="/api/requests/{id}/steps")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["state"], "in_progress")
        r, j = self.anna.req("POST", "/api/requests/%d/steps" % rid, {"action": "shred"}, pattern="/api/requests/{id}/steps")
        self.assertEqual(r.status, 400)
        r, j = self.anna.req("POST", "/api/requests/%d/steps" % rid, {"action": "refuse", "note": "manifestly unfounded"},
                             pattern="/api/requests/{id}/steps")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["state"], "refused")
        self.assertIn("manifestly unfounded", j["letter"])
        before = snapshot()
        r, j = self.anna.req("POST", "/api/requests/%d/steps" % rid, {"action": "start"}, pattern="/api/requests/{id}/steps")
        self.assertRefused(r, j, 400, "EINPUT", "closed", before)
        r, j = self.anna.req("POST", "/api/requests/424242/steps", {"action": "start"}, pattern="/api/requests/{id}/steps")
        self.assertRefused(r, j, 404, "ENOTFOUND", "424242", before)

    def test_fulfil_access_package(self):
        c = self.clients[2]
        q = self.open_request("access", c)
        before = snapshot()
        # staff hold neither the financial key nor every category: refused, audited, still open
        n_denied = len([x for x in audit_rows() if x[2] == "denied"])
        r, j = self.sam.req("POST", "/api/requests/%d/fulfil" % q["id"], {}, pattern="/api/requests/{id}/fulfil")
        self.assertRefused(r, j, 403, "EDENIED", "", before)
        self.assertGreater(len([x for x in audit_rows() if x[2] == "denied"]), n_denied, "the refusal is audited")
        r, j = self.anna.req("GET", "/api/requests/%d" % q["id"], pattern="/api/requests/{id}")
        self.assertIsNone(j["closed"])
        r, j = self.anna.req("POST", "/api/requests/%d/fulfil" % q["id"], {"zip": True}, pattern="/api/requests/{id}/fulfil")
        self.assertRefused(r, j, 400, "EINPUT", 'unknown field "zip"', before)
        # the package: a zip download, not cached
        r, data = download(self.anna, "/api/requests/%d/fulfil" % q["id"], {})
        self.assertEqual(r.status, 200, data[:300])
        self.assertEqual(r.getheader("Content-Type"), "application/zip")
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="request-%d-package.zip"' % q["id"])
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        z = zipfile.ZipFile(io.BytesIO(data))
        self.assertIsNone(z.testzip())
        names = set(z.namelist())
        self.assertEqual(names, {"data.json", "data.csv", "letter.md", "letter.html", "letter.pdf", "manifest.json"})
        d = json.loads(z.read("data.json"))
        self.assertEqual(d["client"], c)
        values = {f["field"]: f.get("value") for f in d["fields"]}
        self.assertEqual(values.get("email"), "lena@example.org")
        self.assertEqual(values.get("iban"), "DE89370400440532013000")
        man = json.loads(z.read("manifest.json"))
        for f in man["files"]:
            self.assertEqual(hashlib.sha256(z.read(f["file"])).hexdigest(), f["sha256"], f["file"])
        self.assertTrue(z.read("letter.pdf").startswith(b"%PDF"))
        r, j = self.anna.req("GET", "/api/requests/%d" % q["id"], pattern="/api/requests/{id}")
        self.assertEqual(j["state"], "answered")
        self.assertTrue(any(x[1] == "request-fulfil" or "downloaded as a zip" in (x[3] or "") for x in audit_rows()))
        # answered: a second download is refused
        r, j = self.anna.req("POST", "/api/requests/%d/fulfil" % q["id"], {}, pattern="/api/requests/{id}/fulfil")
        self.assertEqual(r.status, 400)

    def test_portability_package_holds_portable_json(self):
        q = self.open_request("portability", self.clients[2])
        r, data = download(self.anna, "/api/requests/%d/fulfil" % q["id"], {})
        z = zipfile.ZipFile(io.BytesIO(data))
        self.assertEqual(r.status, 200)
        p = json.loads(z.read("portable.json"))
        self.assertEqual(p[0]["email"], "lena@example.org")

    def test_erasure_certificate(self):
        r, j = self.anna.req("POST", "/api/clients", {"fields": {"full_name": "Erin Gone", "email": "erin@example.org"}},
                             pattern="/api/clients")
        c = j["id"]
        q = self.open_request("erasure", c)
        before = snapshot()
        r, j = self.anna.req("POST", "/api/requests/%d/erase" % q["id"], {"confirm": self.clients[0]}, pattern="/api/requests/{id}/erase")
        self.assertRefused(r, j, 400, "EINPUT", '"confirm" must be the request\'s client id', before)
        r, j = self.anna.req("POST", "/api/requests/%d/erase" % q["id"], {}, pattern="/api/requests/{id}/erase")
        self.assertRefused(r, j, 400, "EINPUT", '"confirm" is required', before)
        r, j = self.sam.req("POST", "/api/requests/%d/erase" % q["id"], {"confirm": c}, pattern="/api/requests/{id}/erase")
        self.assertRefused(r, j, 403, "EDENIED", "", before)
        r, j = self.anna.req("POST", "/api/requests/%d/fulfil" % q["id"], {}, pattern="/api/requests/{id}/fulfil")
        self.assertRefused(r, j, 400, "EINPUT", "erasure request", before)
        r, data = download(self.anna, "/api/requests/%d/erase" % q["id"], {"confirm": c})
        self.assertEqual(r.status, 200, data[:300])
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="request-%d-erasure-certificate.zip"' % q["id"])
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        z = zipfile.ZipFile(io.BytesIO(data))
        self.assertTrue({"certificate.json", "letter.md", "letter.pdf"} <= set(z.namelist()), z.namelist())
        cert = json.loads(z.read("certificate.json"))
        self.assertEqual(cert["body"]["client"], c)
        self.assertEqual(cert["body"]["signer"], "anna")
        # the certificate verifies with the CLI, against the vault
        path = os.path.join(serverkit.TMP, "cert-%d.json" % q["id"])
        with open(path, "wb") as f:
            f.write(z.read("certificate.json"))
        v = json.loads(fort("--json", "verify-certificate", path).stdout)
        self.assertTrue(v["valid"] and v["vault_checked"], v)
        # and a single changed byte does not
        body = z.read("certificate.json").replace(b"anna", b"anne", 1)
        with open(path + ".bad", "wb") as f:
            f.write(body)
        self.assertNotEqual(fort("verify-certificate", path + ".bad", check=False).returncode, 0)
        r, j = self.anna.req("GET", "/api/clients/" + c, pattern="/api/clients/{id}")
        self.assertEqual(r.status, 404)
        self.assertEqual(count("erased"), before["erased"] + 1)

    # ------------------------------------------------- client edit and erase

    def test_client_edit(self):
        c = self.clients[3]
        r, j = self.anna.req("PATCH", "/api/clients/" + c, {"fields": {"email": "karl.busch@example.org", "phone": None}},
                             pattern="/api/clients/{id}")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j, {"id": c, "updated": True})
        r, j = self.anna.req("POST", "/api/clients/%s/reveal" % c, {"purpose": "service", "fields": ["email"]},
                             pattern="/api/clients/{id}/reveal")
        self.assertEqual(j["fields"]["email"], {"value": "karl.busch@example.org", "revealed": True})
        self.assertNotIn("phone", {k for k, v in j["fields"].items() if v["value"]}, "null cleared the phone")
        before = snapshot()
        db_before = serverkit.query("SELECT updated FROM clients WHERE id = ?", (int(c[2:], 16),))
        for body, status, words in (({"fields": {"email": 5}}, 400, "must be a string"),
                                    ({"fields": {}}, 400, "edit needs"),
                                    ({"fields": {"nosuchfield": "x"}}, 404, "nosuchfield"),
                                    ({"fields": {"email": "not-an-email"}}, 400, "email"),
                                    ({"email": "x@example.org"}, 400, 'unknown field "email"')):
            r, j = self.anna.req("PATCH", "/api/clients/" + c, body, pattern="/api/clients/{id}")
            self.assertRefused(r, j, status, j["error"]["code"] if r.status == status else "?", words, before)
        r, j = self.anna.req("PATCH", "/api/clients/c-00000000000000bb", {"fields": {"email": "x@example.org"}}, pattern="/api/clients/{id}")
        self.assertRefused(r, j, 404, "ENOTFOUND", "c-00000000000000bb", before)
        r, j = self.anna.req("PATCH", "/api/clients/" + c, {"fields": {"email": "x@example.org"}}, csrf=False, pattern="/api/clients/{id}")
        self.assertRefused(r, j, 403, "EDENIED", "CSRF", before)
        r, j = self.sam.req("PATCH", "/api/clients/" + c, {"fields": {"iban": "DE02120300000000202051"}}, pattern="/api/clients/{id}")
        self.assertRefused(r, j, 403, "EDENIED", "", before)
        r, j = oversized(self.anna, "/api/clients/" + c, "PATCH")
        self.assertEqual(r.status, 413, j)
        validate("/api/clients/{id}", "PATCH", 413, j)
        db_after = serverkit.query("SELECT updated FROM clients WHERE id = ?", (int(c[2:], 16),))
        self.assertEqual(db_before, db_after, "the record was not touched by any refusal")

    def test_client_erase(self):
        r, j = self.anna.req("POST", "/api/clients", {"fields": {"full_name": "Tom Short", "email": "tom@example.org"}},
                             pattern="/api/clients")
        c = j["id"]
        before = snapshot()
        r, j = self.anna.req("POST", "/api/clients/%s/erase" % c, {"confirm": "yes"}, pattern="/api/clients/{id}/erase")
        self.assertRefused(r, j, 400, "EINPUT", "the client's id again", before)
        r, j = self.anna.req("POST", "/api/clients/%s/erase" % c, {"confirm": c, "reason": 7}, pattern="/api/clients/{id}/erase")
        self.assertRefused(r, j, 400, "EINPUT", '"reason" must be a string', before)
        r, j = self.sam.req("POST", "/api/clients/%s/erase" % c, {"confirm": c}, pattern="/api/clients/{id}/erase")
        self.assertRefused(r, j, 403, "EDENIED", "", before)
        self.assertTrue(any(x[0] == "sam" and x[2] == "denied" for x in audit_rows()), "the refusal is audited")
        r, j = self.anna.req("POST", "/api/clients/%s/erase" % c, {"confirm": c}, csrf=False, pattern="/api/clients/{id}/erase")
        self.assertRefused(r, j, 403, "EDENIED", "CSRF", before)
        r, j = oversized(self.anna, "/api/clients/%s/erase" % c)
        self.assertEqual(r.status, 413, j)
        validate("/api/clients/{id}/erase", "POST", 413, j)
        self.assertEqual(snapshot(), before)
        r, j = self.anna.req("POST", "/api/clients/c-00000000000000cc/erase", {"confirm": "c-00000000000000cc"},
                             pattern="/api/clients/{id}/erase")
        self.assertRefused(r, j, 404, "ENOTFOUND", "c-00000000000000cc", before)
        r, j = self.anna.req("POST", "/api/clients/%s/erase" % c, {"confirm": c, "reason": "asked by phone"},
                             pattern="/api/clients/{id}/erase")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j, {"id": c, "erased": True})
        self.assertEqual(count("clients"), before["clients"] - 1)
        self.assertEqual(count("erased"), before["erased"] + 1)
        r, j = self.anna.req("GET", "/api/clients/" + c, pattern="/api/clients/{id}")
        self.assertEqual(r.status, 404)

    # ------------------------------------------------------ export, retention

    def test_export(self):
        r, data = download(self.anna, "/api/export", {"purpose": "billing", "format": "csv"})
        text = data.decode()
        self.assertEqual(r.status, 200, text[:300])
        self.assertEqual(r.getheader("Content-Type"), "text/csv; charset=utf-8")
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="clients-billing.csv"')
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertIn("otto@example.org", text)
        r, j = self.anna.req("POST", "/api/export", {"purpose": "billing", "fields": ["email"]}, pattern="/api/export")
        self.assertEqual(r.status, 200)
        self.assertIn("otto@example.org", [x.get("email") for x in j])
        self.assertTrue(any("HTTP download" in (x[3] or "") for x in audit_rows("export")), "audited with its destination")
        before = snapshot()
        for body, status, words in (({"purpose": "billing", "format": "pdf"}, 400, "json, csv or vcard"),
                                    ({"purpose": 3}, 400, '"purpose" must be a string'),
                                    ({"purpose": "billing", "fields": "email"}, 400, '"fields" must be'),
                                    ({}, 400, '"purpose" is required')):
            r, j = self.anna.req("POST", "/api/export", body, pattern="/api/export")
            self.assertRefused(r, j, status, "EINPUT", words, before)
        r, j = self.anna.req("POST", "/api/export", {"purpose": "astrology"}, pattern="/api/export")
        self.assertIn(r.status, (400, 404), j)
        self.assertIn("astrology", j["error"]["message"])
        r, j = self.sam.req("POST", "/api/export", {"purpose": "billing"}, pattern="/api/export")
        self.assertRefused(r, j, 403, "EDENIED", "", before)

    def test_retention(self):
        r, j = self.anna.req("GET", "/api/retention?within=36600", pattern="/api/retention")
        self.assertEqual(r.status, 200, j)
        self.assertIsInstance(j["due"], list)
        r, j = self.anna.req("GET", "/api/retention?within=-1", pattern="/api/retention")
        self.assertEqual(r.status, 400)
        r, j = self.anna.req("GET", "/api/retention?as_of=2026-13-40", pattern="/api/retention")
        self.assertEqual(r.status, 400)
        before = snapshot()
        r, j = self.anna.req("POST", "/api/retention/run", {"dry_run": True}, pattern="/api/retention/run")
        self.assertEqual(r.status, 200, j)
        self.assertTrue(j["dry_run"])
        self.assertEqual(snapshot(), before, "a dry run changes nothing")
        r, j = self.anna.req("POST", "/api/retention/run", {"dry_run": "yes"}, pattern="/api/retention/run")
        self.assertRefused(r, j, 400, "EINPUT", '"dry_run" must be true or false', before)
        r, j = self.sam.req("POST", "/api/retention/run", {}, pattern="/api/retention/run")
        self.assertRefused(r, j, 403, "EDENIED", "", before)
        # a rule on every purpose of the e-mail: far in the future it expires, and the dry run says so
        for p in ("service", "billing", "correspondence", "identity_verification", "marketing"):
            fort("retention", "rule", p, "1y", "--after", "created", "--reason", "test rule")
        r, j = self.anna.req("POST", "/api/retention/run", {"dry_run": True, "as_of": "2099-01-01"}, pattern="/api/retention/run")
        self.assertEqual(r.status, 200, j)
        self.assertTrue(any("email" in x["fields"] for x in j["erased"]), j)
        r, j = self.anna.req("GET", "/api/retention?as_of=2099-01-01&within=0", pattern="/api/retention")
        self.assertTrue(any("email" in x["fields"] for x in j["due"]), j)
        self.assertEqual(snapshot(), before)
        for p in ("service", "billing", "correspondence", "identity_verification", "marketing"):
            fort("retention", "rule", p, "--clear")


class ApiIncidentsTest(serverkit.ServerTest):
    USERS = ("anna", "kim")   # kim a bookkeeper: reads, reveals, exports; writes nothing

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r, j = cls.anna.req("POST", "/api/clients", {"fields": {"full_name": "Ina Berg", "email": "ina@example.org",
                                                                 "iban": "DE89370400440532013000"}}, pattern="/api/clients")
        assert r.status == 201, j
        cls.client = j["id"]

    def open_incident(self, title="Laptop left on a train", **extra):
        r, j = self.anna.req("POST", "/api/incidents", dict(title=title, kind="lost-device", **extra), pattern="/api/incidents")
        self.assertEqual(r.status, 201, j)
        return j

    def test_open_show_list_clocks(self):
        inc = self.open_incident(aware="2026-12-01T09:00:00Z", occurred="2026-11-30T18:00:00Z")
        self.assertEqual(inc["state"], "open")
        self.assertEqual(inc["opened_by"], "anna")
        auth = [k for k in inc["deadlines"] if k["clock"] == "breach-authority"]
        self.assertEqual(auth[0]["due"], "2026-12-04T09:00:00Z")   # 72 hours from awareness
        r, j = self.anna.req("GET", "/api/incidents/%d?as_of=2026-12-05" % inc["id"], pattern="/api/incidents/{id}")
        self.assertEqual(r.status, 200, j)
        self.assertTrue([k for k in j["deadlines"] if k["clock"] == "breach-authority"][0]["overdue"])
        r, j = self.anna.req("GET", "/api/incidents/%d?as_of=2026-12-02T09:00:00Z" % inc["id"], pattern="/api/incidents/{id}")
        self.assertFalse([k for k in j["deadlines"] if k["clock"] == "breach-authority"][0]["overdue"])
        ids = [inc["id"]] + [self.open_incident("Mail to the wrong client %d" % i)["id"] for i in range(2)]
        seen, after = [], None
        while True:
            r, j = self.anna.req("GET", "/api/incidents?limit=2" + ("&after=%d" % after if after else ""), pattern="/api/incidents")
            self.assertEqual(r.status, 200, j)
            self.assertLessEqual(len(j["incidents"]), 2)
            self.assertTrue(all(x["deadlines"] for x in j["incidents"]), "each with its clocks")
            seen += [x["id"] for x in j["incidents"]]
            if j["next"] is None:
                break
            after = j["next"]
        self.assertTrue(set(ids) <= set(seen))
        self.assertEqual(len(seen), len(set(seen)))
        r, j = self.anna.req("GET", "/api/incidents/777777", pattern="/api/incidents/{id}")
        self.assertEqual(r.status, 404)
        self.assertIn("777777", j["error"]["message"])
        r, j = self.anna.req("GET", "/api/incidents/x1", pattern="/api/incidents/{id}")
        self.assertEqual(r.status, 400)
        r, j = self.anna.req("GET", "/api/incidents/%d?as_of=2026-02-30" % inc["id"], pattern="/api/incidents/{id}")
        self.assertEqual(r.status, 400)
        self.assertIn("2026-02-30", j["error"]["message"])

    def test_open_bad_inputs(self):
        before = snapshot()
        for body, words in (({"kind": "lost-device"}, '"title" is required'),
                            ({"title": 12}, '"title" must be a string'),
                            ({"title": "x", "kind": "meteor"}, "meteor"),
                            ({"title": "x", "aware": "2026-12-01T00:00:00Z", "occurred": "2026-12-02T00:00:00Z"}, "aware"),
                            ({"title": "x", "severity": 5}, 'unknown field "severity"')):
            r, j = self.anna.req("POST", "/api/incidents", body, pattern="/api/incidents")
            self.assertEqual(r.status, 400, (body, j))
            self.assertIn(words, j["error"]["message"])
            self.assertEqual(snapshot(), before)
        r, j = self.anna.req("POST", "/api/incidents", raw=b"{title", headers={"Content-Type": "application/json"}, pattern="/api/incidents")
        self.assertEqual(r.status, 400)
        r, j = self.anna.req("POST", "/api/incidents", {"title": "x"}, csrf=False, pattern="/api/incidents")
        self.assertEqual(r.status, 403)
        n_denied = len([x for x in audit_rows() if x[0] == "kim" and x[2] == "denied"])
        r, j = self.kim.req("POST", "/api/incidents", {"title": "Bookkeeper's incident"}, pattern="/api/incidents")
        self.assertEqual(r.status, 403, j)
        self.assertEqual(j["error"]["code"], "EDENIED")
        self.assertGreater(len([x for x in audit_rows() if x[0] == "kim" and x[2] == "denied"]), n_denied, "audited")
        self.assertEqual(snapshot(), before)

    def prepared(self):
        """An incident whose letters can be written: scope, assessment, facts, effects, remedies."""
        inc = self.open_incident("Bank details exposed")
        i = inc["id"]
        fort("incident", "scope", str(i), "--category", "financial")
        fort("incident", "assess", str(i), "--contact", "Anna Berg, dpo@acme.example, +49 30 1234", "--likelihood", "3",
             "--severity", "3", "--encrypted", "yes", "--key-compromised", "no")
        for kind, text in (("fact", "a laptop was lost"), ("effect", "bank details may be read"), ("remedy", "remote wipe")):
            fort("incident", "log", str(i), kind, text)
        fort("business", "set", "--state", "DE-BE")
        return i

    def test_impact_letters_notify(self):
        i = self.prepared()
        r, j = self.anna.req("GET", "/api/incidents/%d/impact" % i, pattern="/api/incidents/{id}/impact")
        self.assertEqual(r.status, 200, j)
        self.assertIn(self.client, [c["id"] for c in j["clients"]])
        self.assertEqual(j["categories"].get("financial"), j["affected"])
        r, j = self.anna.req("GET", "/api/incidents/888888/impact", pattern="/api/incidents/{id}/impact")
        self.assertEqual(r.status, 404)
        before = snapshot()
        r, j = self.anna.req("POST", "/api/incidents/%d/letters" % i, {}, pattern="/api/incidents/{id}/letters")
        self.assertEqual(r.status, 200, j)
        kinds = sorted(l["kind"] for l in j["letters"])
        self.assertEqual(kinds.count("authority"), 1)
        mine = [l for l in j["letters"] if l["client"] == self.client]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["to"], "ina@example.org")
        self.assertIn("remote wipe", mine[0]["text"])
        self.assertEqual(snapshot(), before, "a preview queues nothing")
        r, j = self.anna.req("POST", "/api/incidents/%d/letters" % i, {"dry_run": True}, pattern="/api/incidents/{id}/letters")
        self.assertEqual(r.status, 400)
        r, j = self.anna.req("POST", "/api/incidents/%d/letters" % i, {"offer_months": "six"}, pattern="/api/incidents/{id}/letters")
        self.assertEqual(r.status, 400)
        # notify: a dry run queues nothing; then each letter is queued once
        r, j = self.anna.req("POST", "/api/incidents/%d/notify" % i, {"dry_run": True}, pattern="/api/incidents/{id}/notify")
        self.assertEqual(r.status, 200, j)
        self.assertTrue(j["dry_run"])
        self.assertEqual({l["state"] for l in j["letters"]}, {"would-queue"})
        self.assertEqual(snapshot(), before)
        r, j = self.kim.req("POST", "/api/incidents/%d/notify" % i, {}, pattern="/api/incidents/{id}/notify")
        self.assertEqual(r.status, 403, j)
        self.assertEqual(snapshot(), before)
        r, j = self.anna.req("POST", "/api/incidents/%d/notify" % i, {}, pattern="/api/incidents/{id}/notify")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["queued"], len(j["letters"]))
        self.assertGreaterEqual(j["queued"], 2)
        self.assertEqual(count("mail_outbox"), before["mail_outbox"] + j["queued"])
        r, j = self.anna.req("POST", "/api/incidents/%d/notify" % i, {}, pattern="/api/incidents/{id}/notify")
        self.assertEqual(j["queued"], 0)
        self.assertEqual({l["state"] for l in j["letters"]}, {"already"})

    def test_letters_name_what_is_missing(self):
        inc = self.open_incident("Nothing recorded yet")
        before = snapshot()
        r, j = self.anna.req("POST", "/api/incidents/%d/letters" % inc["id"], {}, pattern="/api/incidents/{id}/letters")
        self.assertEqual(r.status, 400, j)
        self.assertIn("facts", j["error"]["message"])
        r, j = self.anna.req("POST", "/api/incidents/%d/notify" % inc["id"], {}, pattern="/api/incidents/{id}/notify")
        self.assertEqual(r.status, 400, j)
        self.assertEqual(snapshot(), before)

    def test_plan_and_drills(self):
        r, j = self.anna.req("GET", "/api/plan", pattern="/api/plan")
        if r.status == 404:
            fort("plan", "init")
            r, j = self.anna.req("GET", "/api/plan", pattern="/api/plan")
        self.assertEqual(r.status, 200, j)
        pb = [p for p in j["playbooks"] if p["type"] == "lost-device"][0]
        n = len(pb["steps"])
        r, j = self.anna.req("GET", "/api/plan/drills", pattern="/api/plan/drills")
        self.assertEqual(r.status, 200)
        had = len(j["drills"])
        before = snapshot()
        steps = [{"done": True, "seconds": 60, "note": "ok"} for _ in range(n)]
        for body, words in (({"type": "lost-device", "steps": steps[:-1], "outcome": "x"}, "step"),
                            ({"type": "lost-device", "steps": steps}, '"outcome" is required'),
                            ({"type": "lost-device", "steps": [{"done": "yes"}] * n, "outcome": "x"}, '"steps"[0]'),
                            ({"type": "volcano", "steps": steps, "outcome": "x"}, "volcano"),
                            ({"type": "lost-device", "steps": steps, "outcome": "x", "lessons": "none"}, '"lessons"')):
            r, j = self.anna.req("POST", "/api/plan/drills", body, pattern="/api/plan/drills")
            self.assertIn(r.status, (400, 404), (body, j))
            self.assertIn(words, j["error"]["message"])
            self.assertEqual(snapshot(), before)
        r, j = self.anna.req("POST", "/api/plan/drills", {"type": "lost-device", "steps": steps, "outcome": "we found the laptop",
                                                          "lessons": ["encrypt every disk"]}, csrf=False, pattern="/api/plan/drills")
        self.assertEqual(r.status, 403)
        self.assertEqual(snapshot(), before)
        r, j = self.anna.req("POST", "/api/plan/drills", {"type": "lost-device", "steps": steps, "outcome": "we found the laptop",
                                                          "lessons": ["encrypt every disk"]}, pattern="/api/plan/drills")
        self.assertEqual(r.status, 201, j)
        self.assertEqual(j["steps"], n)
        self.assertEqual(j["seconds"], 60 * n)
        r, j = self.anna.req("GET", "/api/plan/drills", pattern="/api/plan/drills")
        self.assertEqual(len(j["drills"]), had + 1)
        r, j = self.anna.req("GET", "/api/plan", pattern="/api/plan")
        self.assertIsNotNone(j["last_drill"])


class ApiAdminTest(serverkit.ServerTest):
    USERS = ("anna", "kim")

    def test_notice_and_records(self):
        r, j = self.anna.req("GET", "/api/notice", pattern="/api/notice")
        self.assertEqual(r.status, 200, j)
        self.assertRegex(j["version"], "^[0-9a-f]{64}$")
        self.assertEqual(hashlib.sha256(j["text"].encode()).hexdigest(), j["version"])
        self.assertIn("Acme Ltd", j["text"])
        r, h = self.anna.req("GET", "/api/notice?format=html", pattern="/api/notice")
        self.assertIn("<", h["text"])
        r, e = self.anna.req("GET", "/api/notice?format=pdf", pattern="/api/notice")
        self.assertEqual(r.status, 400)
        before = snapshot()
        r, e = self.kim.req("POST", "/api/notice/publish", {}, pattern="/api/notice/publish")
        self.assertEqual(r.status, 403, e)
        self.assertTrue(any(x[0] == "kim" and x[2] == "denied" for x in audit_rows()), "audited")
        r, e = self.anna.req("POST", "/api/notice/publish", {"now": True}, pattern="/api/notice/publish")
        self.assertEqual(r.status, 400)
        r, e = self.anna.req("POST", "/api/notice/publish", {}, csrf=False, pattern="/api/notice/publish")
        self.assertEqual(r.status, 403)
        self.assertEqual(snapshot(), before)
        r, p = self.anna.req("POST", "/api/notice/publish", {}, pattern="/api/notice/publish")
        self.assertEqual(r.status, 200, p)
        self.assertEqual(p["version"], j["version"])
        self.assertEqual(count("notices"), before["notices"] + 1)
        r, rec = self.anna.req("GET", "/api/records", pattern="/api/records")
        self.assertEqual(r.status, 200, rec)
        self.assertTrue(rec["activities"])
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        c.request("GET", "/api/records?format=csv", headers={"Cookie": "fortress_session=" + self.anna.sid})
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "text/csv; charset=utf-8")
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="records-of-processing.csv"')
        self.assertIn(",", text.splitlines()[0])
        r, e = self.anna.req("GET", "/api/records?format=pdf", pattern="/api/records")
        self.assertEqual(r.status, 400)

    def test_doctor(self):
        r, h0 = self.anna.req("GET", "/api/doctor/history", pattern="/api/doctor/history")
        self.assertEqual(r.status, 200)
        r, j = self.anna.req("POST", "/api/doctor", {}, pattern="/api/doctor")
        self.assertEqual(r.status, 200, j)
        self.assertTrue(0 <= j["score"] <= 100)
        self.assertEqual(j["passed"] + j["warnings"] + j["failed"] + j["skipped"], len(j["checks"]))
        r, h1 = self.anna.req("GET", "/api/doctor/history", pattern="/api/doctor/history")
        self.assertEqual(len(h1["runs"]), len(h0["runs"]) + 1)
        self.assertEqual(h1["runs"][-1]["score"], j["score"])
        r, j = self.anna.req("POST", "/api/doctor", {"record": False}, pattern="/api/doctor")
        self.assertEqual(r.status, 200)
        r, j = self.anna.req("POST", "/api/doctor", {"record": "no"}, pattern="/api/doctor")
        self.assertEqual(r.status, 400)
        r, h2 = self.anna.req("GET", "/api/doctor/history", pattern="/api/doctor/history")
        self.assertEqual(len(h2["runs"]), len(h1["runs"]), "record false keeps no run")

    def test_backups(self):
        r, j = self.anna.req("GET", "/api/backups", pattern="/api/backups")
        self.assertEqual(r.status, 200, j)
        had = len(j["backups"])
        before = snapshot()
        r, e = self.kim.req("POST", "/api/backups", {}, pattern="/api/backups")
        self.assertEqual(r.status, 403, e)
        r, e = self.anna.req("POST", "/api/backups", {"to": "/tmp/x"}, pattern="/api/backups")
        self.assertEqual(r.status, 400)
        self.assertIn('unknown field "to"', e["error"]["message"])
        self.assertEqual(snapshot(), before)
        r, data = download(self.anna, "/api/backups", {})
        self.assertEqual(r.status, 200, data[:300])
        self.assertEqual(r.getheader("Content-Type"), "application/octet-stream")
        self.assertRegex(r.getheader("Content-Disposition"), r'^attachment; filename="fortress-backup-\d{8}T\d{6}Z\.fbk"$')
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertNotIn(b"ina@example.org", data, "encrypted")
        path = os.path.join(serverkit.TMP, "api-backup.fbk")
        with open(path, "wb") as f:
            f.write(data)
        v = json.loads(fort("--json", "backup", "verify", path).stdout)
        self.assertTrue(v["verified"], v)
        r, j = self.anna.req("GET", "/api/backups", pattern="/api/backups")
        self.assertEqual(len(j["backups"]), had + 1)
        self.assertEqual(j["backups"][-1]["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(j["backups"][-1]["by"], "anna")

    def test_import_upload(self):
        before = snapshot()
        good = "name,email\nUma Import,uma@example.org\nVic Import,vic@example.org\n"
        bad = "name,email\nWes Import,wes@example.org\nXia Import,not-an-address\n"
        r, j = self.anna.req("POST", "/api/import", {"format": "csv", "data": bad}, pattern="/api/import")
        self.assertEqual(r.status, 400, j)
        self.assertEqual(j["report"]["rejected"], 1)
        self.assertTrue(any(p.startswith("line 3") for p in j["report"]["problems"]), j["report"]["problems"])
        self.assertNotIn("not-an-address", json.dumps(j), "no client value in the answer")
        self.assertEqual(snapshot(), before, "all or nothing")
        for body, status, words in (({"format": "xlsx", "data": good}, 400, "csv, vcard or json"),
                                    ({"format": "csv", "data": 5}, 400, '"data" must be a string'),
                                    ({"format": "csv"}, 400, '"data" is required'),
                                    ({"format": "csv", "data": good, "map": "name=full_name"}, 400, '"map" must be'),
                                    ({"format": "csv", "data": good, "path": "/etc/passwd"}, 400, 'unknown field "path"')):
            r, j = self.anna.req("POST", "/api/import", body, pattern="/api/import")
            self.assertEqual(r.status, status, (body, j))
            self.assertIn(words, j["error"]["message"])
        r, j = self.kim.req("POST", "/api/import", {"format": "csv", "data": good}, pattern="/api/import")
        self.assertEqual(r.status, 403, j)
        r, j = self.anna.req("POST", "/api/import", {"format": "csv", "data": good}, csrf=False, pattern="/api/import")
        self.assertEqual(r.status, 403)
        r, j = self.anna.req("POST", "/api/import", raw=b'{"format": "csv", "data": "x', headers={"Content-Type": "application/json"},
                             pattern="/api/import")
        self.assertEqual(r.status, 400)
        r, j = oversized(self.anna, "/api/import")
        self.assertEqual(r.status, 413)
        validate("/api/import", "POST", 413, j)
        self.assertEqual(snapshot(), before)
        r, j = self.anna.req("POST", "/api/import", {"format": "csv", "data": good}, pattern="/api/import")
        self.assertEqual(r.status, 201, j)
        self.assertEqual((j["rows"], j["imported"], j["rejected"]), (2, 2, 0))
        self.assertEqual(count("clients"), before["clients"] + 2)
        r, j = self.anna.req("GET", "/api/clients?email=vic@example.org", pattern="/api/clients")
        self.assertEqual(len(j["ids"]), 1)


if __name__ == "__main__":
    serverkit.main("fortress-api-", lambda: serverkit.add_user("kim", "bookkeeper"), openapi=True)
