#!/usr/bin/env python3
"""The data map's pages and API routes (issue 17: every CLI task has its
page): /map (the map as `map show` prints it, its JSON as `map export`
writes it, replacing it as `map import` does, pasted or uploaded), the
forms that add and change a field, an activity, a recipient and set a
purpose's retention rule, and the same under /api/map.  Each success is
checked against the CLI's view of the vault; each refusal (no CSRF token, a
wrong one, staff without 'map', a wrong value, a malformed map, an unknown
name) gets its status and the library's words, is audited where the library
refuses a person, and leaves the stored map (meta 'map' and its MAC) as it
was.  JSON answers are checked against docs/api/openapi.json.

    test_map_pages.py --fortress build/fortress --root .
"""
import json, os, time, unittest
import serverkit
from serverkit import fort, Server, Session, audit_rows, stop_clean


def snapshot():
    """The stored data map and its MAC (either backend)."""
    return serverkit.query("SELECT k, v FROM meta WHERE k IN ('map', 'map_mac') ORDER BY k")


def cli_map():
    return json.loads(fort("--json", "map", "show").stdout)


def cli_field(name):
    return [f for f in cli_map()["fields"] if f["name"] == name]


def cli_list(what):
    return json.loads(fort("--json", "map", what, "list").stdout)


def rules():
    return {x["purpose"]: x["rule"] for x in json.loads(fort("--json", "retention", "rules").stdout)}


class MapPages(serverkit.ServerTest):
    SNAPSHOT = snapshot

    # ------------------------------------------------------------ helpers

    def upload(self, session, data, csrf=True):
        """A data map file (DATA) uploaded to /map/import."""
        return session.upload("/map/import", files=[("file", "data-map.json", data)], csrf=csrf)

    def assertRefused(self, r, data, status, words, before):
        super().assertRefused(r, data, status, words, before, "the stored map changed")

    def assertDone(self, r, data, location):
        self.assertEqual(r.status, 303, data[:800])
        self.assertEqual(r.getheader("Location"), location)

    def field_form(self, **kw):
        f = [("label", "End of the contract"), ("type", "date"), ("category", "identity"), ("purpose", "service"),
             ("purpose", "tax"), ("legal_basis", "contract (GDPR Art. 6(1)(b))"), ("retention", "10 years"),
             ("note", ""), ("searchable", "no"), ("max_length", ""), ("purposes_shown", "1")]
        out = [(k, v) for k, v in f if k not in kw]
        for k, v in kw.items():
            for x in (v if isinstance(v, list) else [v]):
                out.append((k, x))
        return out

    # ------------------------------------------------------------ the map

    def test_map_page_shows_the_map(self):
        r, data = self.anna.get("/map")
        self.assertEqual(r.status, 200, data[:300])
        page = data.decode()
        for f in cli_map()["fields"]:
            self.assertIn('<a href="/map/fields/%s">%s</a>' % (f["name"], f["name"]), page)
        for a in cli_list("activity"):
            self.assertIn('<a href="/map/activities/%s">%s</a>' % (a["purpose"], a["purpose"]), page)
            self.assertIn(a["legal_basis"], page)
        self.assertIn('id="map-recipients"', page)
        self.assertIn('href="/map/export"', page)
        self.assertIn('action="/map/import"', page)
        self.assertIn('aria-current="page">Data map', page)
        # staff read the map but get no forms
        r, data = self.sam.get("/map")
        self.assertEqual(r.status, 200)
        self.assertIn(b"Your role may not change the data map", data)
        self.assertNotIn(b'action="/map/import"', data)
        self.assertIn(b"full_name", data)
        for path in ("/map/fields/email", "/map/fields/new", "/map/activities/billing", "/map/recipients/new"):
            r, data = self.sam.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertIn(b"Your role may not change the data map", data)

    def test_export_is_the_cli_file(self):
        r, data = self.anna.get("/map/export")
        self.assertEqual(r.status, 200, data[:300])
        self.assertEqual(r.getheader("Content-Type"), "application/json")
        self.assertEqual(r.getheader("Content-Disposition"), 'attachment; filename="data-map.json"')
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        path = os.path.join(serverkit.TMP, "map-export.json")
        fort("map", "export", "-o", path, "--force")
        self.assertEqual(data.decode(), serverkit.read(path))
        # staff may read it, as `map show` at the terminal
        r, data2 = self.sam.get("/map/export")
        self.assertEqual((r.status, data2), (200, data))

    # ------------------------------------------------------------ fields

    def test_field_add_and_edit(self):
        before = snapshot()
        changes = lambda: [x for x in audit_rows("map") if x[0] == "anna" and x[2] == "ok"]  # noqa: E731
        n = len(changes())
        r, data = self.anna.form("/map/fields", self.field_form(name="contract_end"))
        self.assertDone(r, data, "/map#map-fields")
        f = cli_field("contract_end")[0]
        self.assertEqual((f["type"], f["category"], f["purposes"], f["label"]),
                         ("date", "identity", ["service", "tax"], "End of the contract"))
        self.assertNotEqual(snapshot(), before)
        self.assertEqual(len(changes()), n + 1, "one audited change")
        # its page shows what is stored; the edit changes the label and the purposes
        r, data = self.anna.get("/map/fields/contract_end")
        self.assertEqual(r.status, 200)
        self.assertIn(b'value="End of the contract"', data)
        self.assertRegex(data.decode(), r'value="tax" checked')
        r, data = self.anna.form("/map/fields/contract_end",
                            self.field_form(label="Contract ends", purpose=["service", "billing"]))
        self.assertDone(r, data, "/map#map-fields")
        f = cli_field("contract_end")[0]
        self.assertEqual((f["label"], f["purposes"]), ("Contract ends", ["service", "billing"]))

    def test_field_refusals(self):
        before = snapshot()
        # a wrong type: the library's words, the form again with what was typed
        r, data = self.anna.form("/map/fields", self.field_form(name="shoe_size", type="shoesize",
                                                                      label="Typed label 7q"))
        self.assertRefused(r, data, 400, "unknown type 'shoesize'", before)
        self.assertIn(b'value="Typed label 7q"', data)
        self.assertIn(b'value="shoe_size"', data)
        r, data = self.anna.form("/map/fields", self.field_form(name="Bad Name"))
        self.assertRefused(r, data, 400, "lower-case", before)
        r, data = self.anna.form("/map/fields", self.field_form(name="no_purpose", purpose=[]))
        self.assertRefused(r, data, 400, "purpose", before)
        r, data = self.anna.form("/map/fields", self.field_form(name="email", type="email", category="contact"))
        self.assertRefused(r, data, 409, "field 'email' already exists", before)
        r, data = self.anna.form("/map/fields", self.field_form(name="longest", max_length="many"))
        self.assertRefused(r, data, 400, "positive number, not 'many'", before)
        # every purpose unticked on the edit form: refused, not taken as "unchanged"
        r, data = self.anna.form("/map/fields/phone",
                            [x for x in self.field_form(type="phone", category="contact") if x[0] != "purpose"])
        self.assertRefused(r, data, 400, "tick at least one purpose", before)
        r, data = self.anna.form("/map/fields/nosuchfield", self.field_form())
        self.assertRefused(r, data, 404, "no field 'nosuchfield'", before)
        r, data = self.anna.get("/map/fields/nosuchfield")
        self.assertRefused(r, data, 404, "no field 'nosuchfield'", before)

    # ------------------------------------------------------------ activities

    def test_activity_add_and_edit(self):
        before = snapshot()
        fort("map", "recipient", "add", "mailhost", "--kind", "processor", "--country", "DE")
        add = {"purpose": "newsletter", "description": "Sending our monthly letter", "legal_basis": "consent",
               "special_basis": "", "retention": "until consent is withdrawn", "provision": "",
               "recipients_shown": "1", "recipient": "mailhost"}
        r, data = self.anna.form("/map/activities", add)
        self.assertDone(r, data, "/map/activities/newsletter#retention")
        a = [x for x in cli_list("activity") if x["purpose"] == "newsletter"][0]
        self.assertEqual((a["legal_basis"], a["recipients"], a["description"]),
                         ("consent", ["mailhost"], "Sending our monthly letter"))
        r, data = self.anna.get("/map/activities/newsletter")
        self.assertEqual(r.status, 200)
        self.assertIn(b'<option value="consent" selected>', data)
        self.assertIn(b'value="mailhost" checked', data)
        # every recipient unticked: none (the CLI's --recipient -)
        r, data = self.anna.form("/map/activities/newsletter", dict(add, description="Monthly news", recipient=""))
        self.assertDone(r, data, "/map#map-activities")
        a = [x for x in cli_list("activity") if x["purpose"] == "newsletter"][0]
        self.assertEqual((a["description"], a["recipients"]), ("Monthly news", []))
        self.assertNotEqual(snapshot(), before)

    def test_activity_refusals(self):
        before = snapshot()
        ok = {"purpose": "surveys", "description": "Asking clients what they think", "legal_basis": "consent",
              "recipients_shown": "1"}
        r, data = self.anna.form("/map/activities", dict(ok, legal_basis="because"))
        self.assertRefused(r, data, 400, "needs a legal_basis", before)
        self.assertIn(b'value="Asking clients what they think"', data)
        r, data = self.anna.form("/map/activities", dict(ok, special_basis="whim"))
        self.assertRefused(r, data, 400, "unknown special_basis 'whim'", before)
        r, data = self.anna.form("/map/activities", dict(ok, recipient="ghostcorp"))
        self.assertRefused(r, data, 400, "ghostcorp", before)
        r, data = self.anna.form("/map/activities", dict(ok, purpose="billing"))
        self.assertRefused(r, data, 409, "activity 'billing' already exists", before)
        r, data = self.anna.form("/map/activities/nosuchpurpose", {"description": "x"})
        self.assertRefused(r, data, 404, "no activity 'nosuchpurpose'", before)
        r, data = self.anna.get("/map/activities/nosuchpurpose")
        self.assertRefused(r, data, 404, "no activity 'nosuchpurpose'", before)

    # ------------------------------------------------------------ retention rule

    def test_retention_rule(self):
        before = snapshot()
        path = "/map/activities/correspondence/retention"
        r, data = self.anna.form(path, {"duration": "banana", "after": "created", "reason": "r"})
        self.assertRefused(r, data, 400, "'banana' is not a duration", before)
        self.assertIn(b'id="retention"', data)
        r, data = self.anna.form(path, {"duration": "2y", "after": "whenever", "reason": "r"})
        self.assertRefused(r, data, 400, "created, updated, consent_withdrawn", before)
        r, data = self.anna.form(path, {"duration": "2y", "after": "updated", "reason": ""})
        self.assertRefused(r, data, 400, "reason", before)
        r, data = self.anna.form("/map/activities/nosuchpurpose/retention",
                            {"duration": "2y", "after": "updated", "reason": "r"})
        self.assertRefused(r, data, 404, "nosuchpurpose", before)
        r, data = self.anna.form(path, {"duration": "2y", "after": "updated", "reason": "no longer needed"})
        self.assertDone(r, data, "/map/activities/correspondence#retention")
        self.assertIn("2 years", rules()["correspondence"])
        r, data = self.anna.get("/map/activities/correspondence")
        self.assertIn(rules()["correspondence"].encode(), data)
        self.assertIn(b"Remove the rule", data)
        # a field of that purpose says where its rule is set
        r, data = self.anna.get("/map/fields/phone")
        self.assertIn(b'id="field-retention"', data)
        self.assertIn(b'<a href="/map/activities/correspondence#retention">correspondence</a>', data)
        r, data = self.anna.form(path, {"clear": "1"})
        self.assertDone(r, data, "/map/activities/correspondence#retention")
        self.assertEqual(rules()["correspondence"], "")

    # ------------------------------------------------------------ recipients

    def test_recipients(self):
        before = snapshot()
        ok = {"name": "cloudbooks", "kind": "processor", "country": "US", "safeguard": "", "note": "accounting"}
        r, data = self.anna.form("/map/recipients", ok)
        self.assertRefused(r, data, 400, "outside the EEA", before)
        self.assertIn(b'value="accounting"', data)
        r, data = self.anna.form("/map/recipients", dict(ok, kind="friend"))
        self.assertRefused(r, data, 400, "processor, controller or public_authority", before)
        r, data = self.anna.form("/map/recipients/nosuchrecipient", ok)
        self.assertRefused(r, data, 404, "no recipient 'nosuchrecipient'", before)
        r, data = self.anna.get("/map/recipients/nosuchrecipient")
        self.assertRefused(r, data, 404, "no recipient 'nosuchrecipient'", before)
        r, data = self.anna.form("/map/recipients", dict(ok, safeguard="standard contractual clauses"))
        self.assertDone(r, data, "/map#map-recipients")
        x = [x for x in cli_list("recipient") if x["name"] == "cloudbooks"][0]
        self.assertEqual((x["country"], x["safeguard"]), ("US", "standard contractual clauses"))
        r, data = self.anna.form("/map/recipients", dict(ok, safeguard="sccs"))
        self.assertEqual(r.status, 409, data[:300])
        r, data = self.anna.form("/map/recipients/cloudbooks",
                            {"kind": "processor", "country": "IE", "safeguard": "", "note": "bookkeeping"})
        self.assertDone(r, data, "/map#map-recipients")
        x = [x for x in cli_list("recipient") if x["name"] == "cloudbooks"][0]
        self.assertEqual((x["country"], x["note"]), ("IE", "bookkeeping"))

    # ------------------------------------------------------------ import

    def test_import(self):
        before = snapshot()
        m = cli_map()
        bad = json.dumps(m, indent=2).replace('"fields": [', '"fields": [,', 1)
        line = bad[:bad.index('[,')].count("\n") + 1
        r, data = self.anna.form("/map/import", {"map": bad})
        self.assertRefused(r, data, 400, "line %d" % line, before)
        self.assertIn(b"Nothing changed", data)
        r, data = self.upload(self.anna, bad.encode())
        self.assertRefused(r, data, 400, "line %d" % line, before)
        # valid JSON the map refuses: named by field
        m2 = json.loads(json.dumps(m))
        m2["fields"][0]["type"] = "colour"
        r, data = self.anna.form("/map/import", {"map": json.dumps(m2)})
        self.assertRefused(r, data, 400, "unknown type 'colour'", before)
        # a field holding data cannot go
        fort("client", "add", "--set", "full_name=Ina Import", "--set", "email=ina@example.org")
        m3 = json.loads(json.dumps(m))
        m3["fields"] = [f for f in m3["fields"] if f["name"] != "email"]
        r, data = self.anna.form("/map/import", {"map": json.dumps(m3)})
        self.assertRefused(r, data, 400, "email", before)
        r, data = self.anna.form("/map/import", {"map": ""})
        self.assertRefused(r, data, 400, "the box is empty", before)
        # pasted, then uploaded: replaced
        m4 = json.loads(json.dumps(m))
        m4["fields"][0]["label"] = "Name (pasted)"
        r, data = self.anna.form("/map/import", {"map": json.dumps(m4)})
        self.assertDone(r, data, "/map")
        self.assertEqual(cli_map()["fields"][0]["label"], "Name (pasted)")
        m4["fields"][0]["label"] = "Name (uploaded)"
        r, data = self.upload(self.anna, json.dumps(m4).encode())
        self.assertDone(r, data, "/map")
        self.assertEqual(cli_map()["fields"][0]["label"], "Name (uploaded)")

    # ------------------------------------------------------------ CSRF and roles

    def posts(self):
        """Every form of the map pages, with values the library would take."""
        return [("/map/fields", self.field_form(name="csrf_probe")),
                ("/map/fields/phone", self.field_form(label="Phone", type="phone", category="contact", purpose="service")),
                ("/map/activities", {"purpose": "probe", "description": "d", "legal_basis": "contract"}),
                ("/map/activities/billing", {"description": "Invoices", "legal_basis": "contract"}),
                ("/map/activities/billing/retention", {"duration": "10y", "after": "created", "reason": "tax law"}),
                ("/map/recipients", {"name": "probe", "kind": "processor", "country": "DE"}),
                ("/map/recipients/probe_r", {"kind": "processor", "country": "FR"}),
                ("/map/import", {"map": json.dumps(cli_map())})]

    def test_forms_need_csrf(self):
        fort("map", "recipient", "add", "probe_r", "--kind", "processor", "--country", "DE")
        before = snapshot()
        for path, fields in self.posts():
            r, data = self.anna.form(path, fields, csrf=False)
            self.assertRefused(r, data, 403, "this form has no security token", before)
            r, data = self.anna.form(path, fields, csrf="A" * len(self.anna.csrf))
            self.assertRefused(r, data, 403, "security token is wrong or out of date", before)
        r, data = self.upload(self.anna, json.dumps(cli_map()).encode(), csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)

    def test_staff_refused_and_audited(self):
        """Staff have no 'map': every form is refused by the library's role check, audited as the CLI's refusal
        is (action map-change, denied, in sam's name), and nothing changes."""
        fort("map", "recipient", "add", "probe_s", "--kind", "processor", "--country", "DE", check=False)
        before = snapshot()
        denied = lambda: [x for x in audit_rows() if x[0] == "sam" and x[2] == "denied"]  # noqa: E731
        n = len(denied())
        posts = self.posts()
        for path, fields in posts:
            r, data = self.sam.form(path.replace("probe_r", "probe_s"), fields)
            self.assertRefused(r, data, 403, "your role 'staff' does not allow 'map'", before)
        # the server appends audit entries in groups: wait for them (not for a time)
        deadline = time.monotonic() + 60
        while len(denied()) < n + len(posts) and time.monotonic() < deadline:
            time.sleep(0.2)
        rows = denied()[n:]
        self.assertEqual([x[1] for x in rows], ["map-change"] * len(posts), rows)

    # ------------------------------------------------------------ the API

    def test_api_map(self):
        r, j = self.anna.req("GET", "/api/map", pattern="/api/map")
        self.assertEqual(r.status, 200)
        self.assertEqual(j, cli_map())
        r, j = self.anna.req("GET", "/api/map/activities", pattern="/api/map/activities")
        self.assertEqual(j, cli_list("activity"))
        r, j = self.sam.req("GET", "/api/map/recipients", pattern="/api/map/recipients")
        self.assertEqual((r.status, j), (200, cli_list("recipient")))
        before = snapshot()
        # refusals: CSRF, staff, bad values, unknown names
        r, j = self.anna.req("POST", "/api/map/recipients", {"name": "api_r", "kind": "processor", "country": "DE"},
                             csrf=False, pattern="/api/map/recipients")
        self.assertEqual(r.status, 403)
        self.assertEqual(snapshot(), before)
        n = len(audit_rows())
        r, j = self.sam.req("POST", "/api/map/recipients", {"name": "api_r", "kind": "processor", "country": "DE"},
                            pattern="/api/map/recipients")
        self.assertEqual((r.status, j["error"]["code"]), (403, "EDENIED"))
        self.assertTrue([x for x in audit_rows()[n:] if x[0] == "sam" and x[2] == "denied"])
        r, j = self.anna.req("POST", "/api/map/fields", {"name": "x1", "type": "colour", "category": "notes",
                                                         "purposes": ["service"]}, pattern="/api/map/fields")
        self.assertEqual(r.status, 400)
        self.assertIn("unknown type 'colour'", j["error"]["message"])
        r, j = self.anna.req("POST", "/api/map/fields", {"name": "x1", "colour": "red"}, pattern="/api/map/fields")
        self.assertEqual(r.status, 400)
        self.assertIn("colour", j["error"]["message"])
        r, j = self.anna.req("PATCH", "/api/map/fields/nosuchfield", {"label": "x"}, pattern="/api/map/fields/{id}")
        self.assertEqual(r.status, 404)
        self.assertIn("nosuchfield", j["error"]["message"])
        r, j = self.anna.req("PATCH", "/api/map/activities/nosuchpurpose", {"description": "x"},
                             pattern="/api/map/activities/{id}")
        self.assertEqual(r.status, 404)
        r, j = self.anna.req("PUT", "/api/map/activities/billing/retention-rule",
                             {"duration": "soon", "after": "created", "reason": "r"},
                             pattern="/api/map/activities/{id}/retention-rule")
        self.assertEqual(r.status, 400)
        self.assertIn("'soon' is not a duration", j["error"]["message"])
        bad = dict(cli_map(), fields=[])
        r, j = self.anna.req("PUT", "/api/map", bad, pattern="/api/map")
        self.assertEqual(r.status, 400)
        self.assertEqual(snapshot(), before)
        # successes, each seen by the CLI
        r, j = self.anna.req("POST", "/api/map/recipients", {"name": "api_r", "kind": "processor", "country": "DE"},
                             pattern="/api/map/recipients")
        self.assertEqual((r.status, j), (201, {"id": "api_r", "added": True}))
        r, j = self.anna.req("PATCH", "/api/map/recipients/api_r", {"note": "hosting"}, pattern="/api/map/recipients/{id}")
        self.assertEqual(r.status, 200)
        self.assertEqual([x["note"] for x in cli_list("recipient") if x["name"] == "api_r"], ["hosting"])
        r, j = self.anna.req("POST", "/api/map/activities", {"purpose": "api_p", "description": "From a program",
                                                             "legal_basis": "contract", "recipients": ["api_r"]},
                             pattern="/api/map/activities")
        self.assertEqual(r.status, 201)
        r, j = self.anna.req("PATCH", "/api/map/activities/api_p", {"recipients": []}, pattern="/api/map/activities/{id}")
        self.assertEqual(r.status, 200)
        self.assertEqual([x["recipients"] for x in cli_list("activity") if x["purpose"] == "api_p"], [[]])
        r, j = self.anna.req("POST", "/api/map/fields", {"name": "api_f", "type": "text", "category": "notes",
                                                         "purposes": ["api_p"], "max_length": 80},
                             pattern="/api/map/fields")
        self.assertEqual(r.status, 201)
        r, j = self.anna.req("PATCH", "/api/map/fields/api_f", {"label": "From the API", "searchable": False},
                             pattern="/api/map/fields/{id}")
        self.assertEqual(r.status, 200)
        self.assertEqual(cli_field("api_f")[0]["label"], "From the API")
        r, j = self.anna.req("PUT", "/api/map/activities/api_p/retention-rule",
                             {"duration": "1y", "after": "created", "reason": "we said so"},
                             pattern="/api/map/activities/{id}/retention-rule")
        self.assertEqual((r.status, j["purpose"]), (200, "api_p"))
        self.assertEqual(j["rule"], rules()["api_p"])
        self.assertTrue(j["rule"])
        r, j = self.anna.req("DELETE", "/api/map/activities/api_p/retention-rule",
                             pattern="/api/map/activities/{id}/retention-rule")
        self.assertEqual((r.status, j), (200, {"purpose": "api_p", "rule": ""}))
        m = cli_map()
        m["fields"][1]["label"] = "E-mail (from the API)"
        r, j = self.anna.req("PUT", "/api/map", m, pattern="/api/map")
        self.assertEqual((r.status, j), (200, {"imported": True, "fields": len(m["fields"])}))
        self.assertEqual(cli_map()["fields"][1]["label"], "E-mail (from the API)")


class RefusalNotChargedToAnother(unittest.TestCase):
    """A refusal is audited once, in the name of who was refused.  On one
    server thread (--threads 1, so the order is certain): sam's page, then
    anna's form without its CSRF token (refused, audited as anna's), then
    sam's form, refused by the role check.  Sam's handle re-reads its keys
    after anna's entry (fort_vault_refresh); that once put back the
    thread's last error, anna's CSRF refusal, as a new refusal, which sam's
    next operation audited in sam's name."""

    def test_one_thread(self):
        srv = Server("--threads", "1")
        try:
            anna, sam = Session(srv, "anna"), Session(srv, "sam")
            n = len(audit_rows())
            r, _ = sam.get("/map")
            self.assertEqual(r.status, 200)
            r, _ = anna.form("/map/recipients", {"name": "x1", "kind": "processor", "country": "DE"}, csrf=False)
            self.assertEqual(r.status, 403)
            r, data = sam.form("/map/recipients", {"name": "x1", "kind": "processor", "country": "DE"})
            self.assertEqual(r.status, 403)
            self.assertIn(b"your role 'staff' does not allow 'map'", data)
            deadline = time.monotonic() + 60
            while len(audit_rows()) < n + 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            rows = [x[:3] for x in audit_rows()[n:] if x[2] == "denied"]
            self.assertEqual(rows, [("anna", "http", "denied"), ("sam", "map-change", "denied")], audit_rows()[n:])
        finally:
            stop_clean(srv)


if __name__ == "__main__":
    serverkit.main("fortress-map-", openapi=True)
