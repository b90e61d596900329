#!/usr/bin/env python3
"""HTTP tests of `fortress serve` (issue 17): a real vault, the real
binary listening on a free loopback port, requests with the standard
library, TOTP codes computed here (RFC 6238), and every JSON response the
tests receive checked against docs/api/openapi.json.

    test_serve.py --fortress build/fortress --root .
"""
import http.client, json, os, re, signal, socket, subprocess, time, unittest
import serverkit
from serverkit import PASS, totp, fort, read, enroll, Server, Session, audit_rows, validate

ARGS = serverkit.ARGS
TMP = None
VAULT = None


def audit_count():
    return serverkit.count("SELECT count(*) FROM audit")


def clients_count():
    return serverkit.count("SELECT count(*) FROM clients")


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class ServeTest(unittest.TestCase):
    srv = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        cls.anna = Session(cls.srv, "anna")
        r, j = cls.anna.req("POST", "/api/clients", {"fields": {"full_name": "Jana Schmidt", "email": "jana@example.org",
                                                                 "iban": "DE89370400440532013000"}}, pattern="/api/clients")
        assert r.status == 201, j
        cls.client = j["id"]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.close()

    def assertHeaders(self, r):
        for k, v in SECURITY_HEADERS.items():
            self.assertEqual(r.getheader(k), v, "header " + k)
        self.assertIsNone(r.getheader("Strict-Transport-Security"))  # plain HTTP: no HSTS

    # ------------------------------------------------------------ sign-in
    def test_signin_cookie_flags(self):
        s = Session(self.srv, "anna")
        flags = [f.strip() for f in s.cookie_header.split(";")]
        self.assertIn("HttpOnly", flags)
        self.assertIn("SameSite=Strict", flags)
        self.assertIn("Path=/", flags)
        # plain HTTP on loopback: Secure would make the browser drop it (docs/SECURITY.md)
        self.assertNotIn("Secure", flags)
        self.assertEqual(len(s.sid), 43)
        self.assertEqual(len(s.csrf), 43)
        self.assertNotEqual(s.sid, s.csrf)
        self.assertTrue(audit_rows("signin"))

    def test_signin_rotates_session(self):
        s = Session(self.srv, "anna")
        secret, _ = enroll("anna")
        r, j = self.srv.request("POST", "/api/session", {"user": "anna", "passphrase": PASS["anna"], "code": totp(secret, time.time() + 30)},
                                {"Cookie": "fortress_session=" + s.sid})
        self.assertEqual(r.status, 201)
        new = re.match(r"fortress_session=([^;]+)", r.getheader("Set-Cookie")).group(1)
        self.assertNotEqual(new, s.sid)
        r, j = s.req("GET", "/api/status")
        self.assertEqual(r.status, 401, "the session the sign-in came with ends")

    def test_wrong_passphrase_code_and_replay(self):
        secret, recovery = enroll("sam")
        before = len(audit_rows("unlock-failed")) + len(audit_rows("signin-failed"))
        src = "127.0.0.3"  # an address of its own: the throttle counts per address too
        r, j = self.srv.request("POST", "/api/session", {"user": "sam", "passphrase": "not the passphrase at all ok", "code": "123456"},
                                source=src, pattern="/api/session")
        self.assertEqual(r.status, 401)
        self.assertEqual(j["error"]["code"], "EAUTH")
        self.assertHeaders(r)
        self.assertIn("sign-in from 127.0.0.3: wrong passphrase", [x[3] for x in audit_rows("unlock-failed")])
        wrong = "%06d" % ((int(totp(secret, time.time() + 30)) + 1) % 1000000)
        r, j = self.srv.request("POST", "/api/session", {"user": "sam", "passphrase": PASS["sam"], "code": wrong},
                                source=src, pattern="/api/session")
        self.assertEqual(r.status, 401)
        # the same answer whatever was wrong: nothing learned about the passphrase
        self.assertEqual(j["error"]["message"], "sign-in refused: wrong name, passphrase or code")
        self.assertEqual(audit_rows("signin-failed")[-1][2:], ("denied", "sign-in from 127.0.0.3: wrong code"))
        good = totp(secret, time.time() + 30)
        r, j = self.srv.request("POST", "/api/session", {"user": "sam", "passphrase": PASS["sam"], "code": good}, source=src)
        self.assertEqual(r.status, 201, j)
        r, j = self.srv.request("POST", "/api/session", {"user": "sam", "passphrase": PASS["sam"], "code": good}, source=src)
        self.assertEqual(r.status, 401, "a code is never accepted twice")
        self.assertEqual(audit_rows("signin-failed")[-1][3], "sign-in from 127.0.0.3: code already used")
        # a recovery code works once
        r, j = self.srv.request("POST", "/api/session", {"user": "sam", "passphrase": PASS["sam"], "code": recovery[3].upper()}, source=src)
        self.assertEqual(r.status, 201, j)
        r, j = self.srv.request("POST", "/api/session", {"user": "sam", "passphrase": PASS["sam"], "code": recovery[3]}, source=src)
        self.assertEqual(r.status, 401)
        after = len(audit_rows("unlock-failed")) + len(audit_rows("signin-failed"))
        self.assertEqual(after - before, 4)  # passphrase, code, replayed code, reused recovery code
        st = json.loads(fort("--json", "status").stdout)
        self.assertGreaterEqual(st["failed_signins_30d"], 4)
        self.assertIn("failed sign-ins:", fort("status").stdout)
        doc = json.loads(fort("--json", "doctor", check=False).stdout)
        chk = [c for c in doc["checks"] if c["name"] == "failed-unlocks"][0]
        self.assertEqual(chk["status"], "warn")
        self.assertRegex(chk["detail"], r"[0-9]+ sign-in\(s\) to the server refused")

    def test_totp_rollback_refused(self):
        # the attacker with the file: put back the second factor's blob as it
        # was before a sign-in, so the code used then would pass again
        serverkit.add_user("lea")
        secret, _ = enroll("lea")

        # the same attack on either backend: sqlite3 on the file, psql on the database
        def sql(q):
            cmd = ["psql", VAULT, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c"] if serverkit.PG else ["sqlite3", VAULT]
            return subprocess.run(cmd + [q], check=True, capture_output=True, text=True).stdout.strip().upper()
        hexof = "encode(data, 'hex')" if serverkit.PG else "hex(data)"
        blob = (lambda h: "'\\x%s'::bytea" % h) if serverkit.PG else (lambda h: "X'%s'" % h)
        where = "user_id = (SELECT id FROM users WHERE name = 'lea')"
        before = sql("SELECT %s FROM user_totp WHERE %s" % (hexof, where))
        code = totp(secret, time.time() + 30)
        body = {"user": "lea", "passphrase": PASS["lea"], "code": code}
        r, j = self.srv.request("POST", "/api/session", body, source="127.0.0.9", pattern="/api/session")
        self.assertEqual(r.status, 201, j)
        after = sql("SELECT %s FROM user_totp WHERE %s" % (hexof, where))
        created = sql("SELECT created FROM user_totp WHERE " + where)
        self.assertNotEqual(before, after, "a sign-in stores the step it used")
        r, j = self.srv.request("POST", "/api/session", body, source="127.0.0.9")
        self.assertEqual(r.status, 401, "a code is not accepted twice")
        sql("UPDATE user_totp SET data = %s WHERE %s" % (blob(before), where))
        try:
            r, j = self.srv.request("POST", "/api/session", body, source="127.0.0.9")
            self.assertNotEqual(r.status, 201, "the rolled-back blob must not let the used code in again")
            self.assertEqual(j["error"]["code"], "ETAMPER", j)
            self.assertIn("user_totp", j["error"]["message"])
            # removing the blob is caught the same way
            sql("DELETE FROM user_totp WHERE " + where)
            r, j = self.srv.request("POST", "/api/session", body, source="127.0.0.9")
            self.assertEqual(j["error"]["code"], "ETAMPER", j)
        finally:
            sql("DELETE FROM user_totp WHERE " + where)
            sql("INSERT INTO user_totp(user_id, data, created) SELECT id, %s, %s "
                "FROM users WHERE name = 'lea'" % (blob(after), created))
        self.assertEqual(sql("SELECT %s FROM user_totp WHERE %s" % (hexof, where)), after)

    def test_unknown_user_and_not_enrolled(self):
        r, j = self.srv.request("POST", "/api/session", {"user": "zoe", "passphrase": PASS["zoe"], "code": "000000"},
                                source="127.0.0.4", pattern="/api/session")
        self.assertEqual(r.status, 403)
        self.assertEqual(j["error"]["code"], "EDENIED")
        self.assertIn("totp enroll", j["error"]["message"])
        self.assertEqual(audit_rows("signin-failed")[-1][:4], ("zoe", "signin-failed", "denied", "sign-in from 127.0.0.4: no second factor enrolled"))
        r, j = self.srv.request("POST", "/api/session", {"user": "nobody", "passphrase": "x" * 20, "code": "000000"}, source="127.0.0.4")
        self.assertEqual(r.status, 401)
        self.assertEqual(j["error"]["message"], "sign-in refused: wrong name, passphrase or code")
        self.assertIn("sign-in from 127.0.0.4: unknown user name", [x[3] for x in audit_rows("unlock-failed")])

    def test_throttle(self):
        src = "127.0.0.5"
        for i in range(5):
            r, j = self.srv.request("POST", "/api/session", {"user": "ghost%d" % i, "passphrase": "y" * 20, "code": "111111"}, source=src)
            self.assertEqual(r.status, 401)
        # from the sixth on, each waits 2^(n-5) s after the last: on a loaded machine the first waits
        # may be over before the next try (seen once on PostgreSQL), so fail on until one is slowed
        # (and on until the wait is long enough for the next request to come inside it)
        for i in range(5, 14):
            r, j = self.srv.request("POST", "/api/session", {"user": "ghost%d" % i, "passphrase": "y" * 20, "code": "111111"}, source=src)
            self.assertIn(r.status, (401, 429), j)
            if r.status == 429:
                wait = int(r.getheader("Retry-After"))
                if wait >= 3:
                    break
                time.sleep(wait)   # a refusal while held up is not a failure: let it pass, the next failure doubles it
        self.assertEqual(r.status, 429, j)
        # even the right passphrase of a real account waits now
        r, j = self.srv.request("POST", "/api/session", {"user": "anna", "passphrase": PASS["anna"], "code": "111111"},
                                source=src, pattern="/api/session")
        self.assertEqual(r.status, 429, j)
        self.assertGreaterEqual(int(r.getheader("Retry-After")), 1)
        # another address is not held up by this one
        s = Session(self.srv, "anna")
        self.assertTrue(s.csrf)

    # ------------------------------------------------------------- routes
    def test_status_and_headers(self):
        r, j = self.anna.req("GET", "/api/status", pattern="/api/status")
        self.assertEqual(r.status, 200)
        self.assertHeaders(r)
        self.assertNotIn("vault", j, "the file's path is not told")
        self.assertGreaterEqual(j["clients"], 1)
        r, j = self.srv.request("GET", "/api/status", pattern="/api/status")
        self.assertEqual(r.status, 401)
        self.assertHeaders(r)

    def test_clients_list_pages_and_find(self):
        for i in range(3):
            r, j = self.anna.req("POST", "/api/clients", {"fields": {"full_name": "Page Person %d" % i, "email": "p%d@example.org" % i}})
            self.assertEqual(r.status, 201, j)
        r, j = self.anna.req("GET", "/api/clients?limit=2", pattern="/api/clients")
        self.assertEqual(r.status, 200)
        self.assertEqual(len(j["clients"]), 2)
        self.assertIsNotNone(j["next"])
        seen = [c["id"] for c in j["clients"]]
        while j["next"]:
            r, j = self.anna.req("GET", "/api/clients?limit=2&after=" + j["next"], pattern="/api/clients")
            self.assertEqual(r.status, 200)
            seen += [c["id"] for c in j["clients"]]
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(len(seen), clients_count())
        for c in json.loads(fort("--json", "client", "list").stdout):
            self.assertIn(c["id"], seen)
        r, j = self.anna.req("GET", "/api/clients?email=jana@example.org", pattern="/api/clients")
        self.assertEqual(r.status, 200)
        self.assertEqual(j["ids"], [self.client])
        r, j = self.anna.req("GET", "/api/clients?limit=0", pattern="/api/clients")
        self.assertEqual(r.status, 400)
        self.assertEqual(j["error"]["code"], "EINPUT")

    def test_get_masked_and_reveal(self):
        r, j = self.anna.req("GET", "/api/clients/" + self.client, pattern="/api/clients/{id}")
        self.assertEqual(r.status, 200)
        self.assertFalse(j["fields"]["iban"]["revealed"])
        self.assertNotEqual(j["fields"]["iban"]["value"], "DE89370400440532013000")
        cli = json.loads(fort("--json", "client", "get", self.client).stdout)
        self.assertEqual(cli, j, "the same shape and values as the CLI's --json")
        r, j = self.anna.req("POST", "/api/clients/%s/reveal" % self.client, {"purpose": "billing", "fields": ["iban"]},
                             pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 200, j)
        self.assertTrue(j["fields"]["iban"]["revealed"])
        self.assertEqual(j["fields"]["iban"]["value"], "DE89370400440532013000")
        r, j = self.anna.req("GET", "/api/clients/c-00000000000000ff", pattern="/api/clients/{id}")
        self.assertEqual(r.status, 404)
        r, j = self.anna.req("POST", "/api/clients/%s/reveal" % self.client, {"purpose": "marketing", "fields": ["iban"]},
                             pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 403, j)

    def test_staff_cannot_reveal_bank_details(self):
        staff = Session(self.srv, "sam")
        n = len(audit_rows())
        r, j = staff.req("POST", "/api/clients/%s/reveal" % self.client, {"purpose": "billing", "fields": ["iban"]},
                         pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 403, j)
        self.assertEqual(j["error"]["code"], "EDENIED")
        denied = [x for x in audit_rows()[n:] if x[0] == "sam" and x[2] == "denied"]
        self.assertTrue(denied, "the refusal is audited in sam's name")
        r, j = staff.req("GET", "/api/clients/" + self.client, pattern="/api/clients/{id}")
        self.assertEqual(r.status, 200)
        self.assertNotIn("DE89", json.dumps(j))

    def test_session_keeps_one_handle(self):
        s = Session(self.srv, "anna")
        unlocks = len(audit_rows("unlock"))
        for _ in range(5):
            r, j = s.req("GET", "/api/clients/" + self.client, pattern="/api/clients/{id}")
            self.assertEqual(r.status, 200, j)
        self.assertEqual(len(audit_rows("unlock")), unlocks, "the session's handle is reused: no unlock per request")

    def test_session_sees_cli_changes(self):
        s = Session(self.srv, "anna")
        r, j = s.req("GET", "/api/clients?email=piet@example.org", pattern="/api/clients")
        self.assertEqual(j["ids"], [])
        fort("client", "add", "--set", "full_name=Piet Jansen", "--set", "email=piet@example.org")
        r, j = s.req("GET", "/api/clients?email=piet@example.org", pattern="/api/clients")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(len(j["ids"]), 1, "the client the CLI added is found by the open session")
        r, j = s.req("GET", "/api/clients?limit=500", pattern="/api/clients")
        self.assertEqual(len(j["clients"]), clients_count())

    def test_role_change_seen_by_open_session(self):
        serverkit.add_user("ida")
        z = Session(self.srv, "ida")
        body = {"purpose": "billing", "fields": ["iban"]}
        r, j = z.req("POST", "/api/clients/%s/reveal" % self.client, body, pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 403, j)
        fort("user", "role", "ida", "bookkeeper")
        try:
            # the same session: its handle re-reads the role and the keys it was given
            r, j = z.req("POST", "/api/clients/%s/reveal" % self.client, body, pattern="/api/clients/{id}/reveal")
            self.assertEqual(r.status, 200, j)
            self.assertEqual(j["fields"]["iban"]["value"], "DE89370400440532013000")
        finally:
            fort("user", "role", "ida", "staff")
        r, j = z.req("POST", "/api/clients/%s/reveal" % self.client, body, pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 403, j)

    def test_concurrent_requests_of_one_session(self):
        import threading
        s = Session(self.srv, "anna")
        got = []

        def one():
            r, j = s.req("GET", "/api/clients/" + self.client)
            got.append(r.status)
        ts = [threading.Thread(target=one) for _ in range(12)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(got, [200] * 12, "requests of one session take turns with its handle")

    def test_consent_routes(self):
        path = "/api/clients/%s/consent" % self.client
        r, j = self.anna.req("POST", path, {"action": "object", "purpose": "marketing", "channel": "email"},
                             pattern="/api/clients/{id}/consent")
        self.assertEqual(r.status, 201, j)
        self.assertEqual(j, {"client": self.client, "purpose": "marketing", "action": "object"})
        r, j = self.anna.req("GET", path, pattern="/api/clients/{id}/consent")
        self.assertEqual(r.status, 200, j)
        mk = [p for p in j["purposes"] if p["purpose"] == "marketing"]
        self.assertTrue(mk and mk[0]["objected"], j)
        self.assertEqual(j["history"][-1]["action"], "object")
        self.assertEqual(j["history"][-1]["recorded_by"], "anna")
        cli = json.loads(fort("--json", "consent", "show", self.client).stdout)
        self.assertEqual(cli, j, "the same shape and values as the CLI's --json")
        # refusals: nothing recorded, each with what to do
        n = len(j["history"])
        for body, status, word in (({"action": "grant", "purpose": "marketing", "channel": "email"}, 400, "notice"),
                                   ({"action": "agree", "purpose": "marketing", "channel": "email"}, 400, "grant, withdraw"),
                                   ({"action": "withdraw", "purpose": "marketing"}, 400, "channel"),
                                   ({"action": "withdraw", "purpose": "nope", "channel": "email"}, 404, "nope"),
                                   ({"action": "withdraw", "purpose": "marketing", "channel": "email",
                                     "evidence_path": "/etc/passwd"}, 400, "evidence_path")):
            r, e = self.anna.req("POST", path, body, pattern="/api/clients/{id}/consent")
            self.assertEqual(r.status, status, (body, e))
            self.assertIn(word, e["error"]["message"])
        r, j = self.anna.req("GET", path)
        self.assertEqual(len(j["history"]), n, "a refused consent records nothing")
        r, j = self.anna.req("POST", path, {"action": "withdraw", "purpose": "marketing", "channel": "email"}, csrf=False)
        self.assertEqual(r.status, 403)
        r, j = self.anna.req("POST", "/api/clients/c-00000000000000ff/consent",
                             {"action": "withdraw", "purpose": "marketing", "channel": "email"}, pattern="/api/clients/{id}/consent")
        self.assertEqual(r.status, 404, j)

    def test_audit_log_pages(self):
        total = audit_count()
        r, j = self.anna.req("GET", "/api/audit?limit=3", pattern="/api/audit")
        self.assertEqual(r.status, 200, j)
        self.assertEqual([e["seq"] for e in j["entries"]], [1, 2, 3])
        self.assertEqual(j["next"], 3)
        seen, after = [], 0
        for _ in range(1000):
            if after is None:
                break
            r, j = self.anna.req("GET", "/api/audit?limit=7&after=%d" % after, pattern="/api/audit")
            self.assertEqual(r.status, 200, j)
            self.assertLessEqual(len(j["entries"]), 7)
            seen += [e["seq"] for e in j["entries"]]
            after = j["next"]
        self.assertIsNone(after, "the pages end")
        self.assertEqual(seen, list(range(1, len(seen) + 1)), "every entry once, in order")
        self.assertGreaterEqual(len(seen), total)
        cli = json.loads(fort("--json", "audit", "log").stdout)
        self.assertEqual(cli[0], self.anna.req("GET", "/api/audit?limit=1")[1]["entries"][0], "the CLI's shape")
        r, j = self.anna.req("GET", "/api/audit?client=" + self.client, pattern="/api/audit")
        self.assertTrue(j["entries"] and all(e["client"] == self.client for e in j["entries"]), j)
        for q in ("limit=0", "limit=501", "limit=x", "after=-1", "after=x"):
            r, j = self.anna.req("GET", "/api/audit?" + q, pattern="/api/audit")
            self.assertEqual(r.status, 400, q)

    def test_users_and_roles(self):
        r, j = self.anna.req("GET", "/api/users", pattern="/api/users")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["users"], json.loads(fort("--json", "user", "list").stdout), "the CLI's shape and values")
        self.assertIn(("anna", "owner", "active"), [(u["name"], u["role"], u["status"]) for u in j["users"]])
        staff = Session(self.srv, "sam")
        r, j = staff.req("GET", "/api/roles", pattern="/api/roles")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["roles"], json.loads(fort("--json", "role", "list").stdout))
        st = [x for x in j["roles"] if x["name"] == "staff"][0]
        self.assertNotIn("financial", st["categories"])
        r, j = self.srv.request("GET", "/api/users", pattern="/api/users")
        self.assertEqual(r.status, 401)

    def test_audit_verify(self):
        r, j = self.anna.req("GET", "/api/audit/verify", pattern="/api/audit/verify")
        self.assertEqual(r.status, 200)
        self.assertTrue(j["ok"], j)

    def test_openapi_document_matches_routes(self):
        r, j = self.srv.request("GET", "/api/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertHeaders(r)
        with open(os.path.join(ARGS.root, "docs", "api", "openapi.json")) as f:
            self.assertEqual(j, json.load(f), "the server serves the repository's document")
        src = read(os.path.join(ARGS.root, "src", "server", "http.c"))
        table = src[src.index("const route server_routes[]"):]
        table = table[:table.index("};")]
        routes = set(re.findall(r'\{ "([A-Z]+)", "([^"]+)"', table))
        documented = {(m.upper(), p) for p, ops in j["paths"].items() for m in ops}
        self.assertTrue(routes)
        self.assertEqual(routes, documented)
        self.assertEqual(j["openapi"], "3.1.0")
        # the document itself: every schema is valid JSON Schema 2020-12 (OpenAPI 3.1's dialect), every
        # $ref resolves, every operation has responses; and the OpenAPI 3.1 schema when it is installed
        import jsonschema
        for name, sch in j["components"]["schemas"].items():
            jsonschema.Draft202012Validator.check_schema(sch)
        refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(j))
        self.assertTrue(refs)
        for ref in refs:
            node = j
            for part in ref.split("/"):
                self.assertIn(part, node, "$ref #/%s does not resolve" % ref)
                node = node[part]
        for p, ops in j["paths"].items():
            for m, op in ops.items():
                self.assertTrue(op.get("responses"), "%s %s has no responses" % (m, p))
                self.assertIn("operationId", op)
        try:
            from openapi_spec_validator import validate as oas_validate
        except ImportError:
            oas_validate = None
        if oas_validate:
            oas_validate(j)

    # -------------------------------------------------------- bad requests
    def test_unknown_route_and_method(self):
        r, j = self.anna.req("GET", "/api/nothing-here")
        self.assertEqual(r.status, 404)
        self.assertEqual(j["error"]["code"], "ENOTFOUND")
        self.assertHeaders(r)
        r, j = self.anna.req("GET", "/api/clients/../status")
        self.assertIn(r.status, (400, 404))
        r, j = self.anna.req("PUT", "/api/clients")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.getheader("Allow"), "GET, POST")
        self.assertHeaders(r)

    def test_csrf_required(self):
        n = clients_count()
        a = audit_count()
        r, j = self.anna.req("POST", "/api/clients", {"fields": {"full_name": "No Token"}}, csrf=False, pattern="/api/clients")
        self.assertEqual(r.status, 403)
        self.assertIn("missing CSRF token", j["error"]["message"])
        r, j = self.anna.req("POST", "/api/clients", {"fields": {"full_name": "Bad Token"}},
                             headers={"X-CSRF-Token": "A" * 43}, csrf=False, pattern="/api/clients")
        self.assertEqual(r.status, 403)
        self.assertIn("wrong CSRF token", j["error"]["message"])
        r, j = self.anna.req("DELETE", "/api/session", csrf=False, pattern="/api/session")
        self.assertEqual(r.status, 403)
        self.assertEqual(clients_count(), n, "nothing added")
        refusals = [x for x in audit_rows("http") if "CSRF" in x[3]]
        self.assertGreaterEqual(len(refusals), 3)
        r, j = self.anna.req("GET", "/api/status")
        self.assertEqual(r.status, 200, "the session still works")

    def test_content_type_json_and_size(self):
        n = clients_count()
        r, j = self.anna.req("POST", "/api/clients", raw=b"full_name=x", headers={"Content-Type": "application/x-www-form-urlencoded"},
                             pattern="/api/clients")
        self.assertEqual(r.status, 415)
        r, j = self.anna.req("POST", "/api/clients", raw=b'{"fields": {"full_name": "x"', headers={"Content-Type": "application/json"},
                             pattern="/api/clients")
        self.assertEqual(r.status, 400)
        self.assertIn("malformed JSON at line 1", j["error"]["message"])
        r, j = self.anna.req("POST", "/api/clients", raw=b'[1, 2]', headers={"Content-Type": "application/json"}, pattern="/api/clients")
        self.assertEqual(r.status, 400)
        r, j = self.anna.req("POST", "/api/clients", raw=b'{"fields": {"nosuchfield": "x"}}', headers={"Content-Type": "application/json"},
                             pattern="/api/clients")
        self.assertEqual(r.status, 404)
        big = b'{"fields": {"full_name": "' + b"x" * (2 << 20) + b'"}}'
        # a Content-Length over the limit is refused before the body: send
        # the headers only and read the answer (sending the 2 MiB too races
        # the server's close: the client's write then fails with EPIPE)
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        c.putrequest("POST", "/api/clients")
        for k, v in {"Content-Type": "application/json", "Content-Length": str(len(big)),
                     "Cookie": "fortress_session=" + self.anna.sid, "X-CSRF-Token": self.anna.csrf}.items():
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        j = json.loads(r.read())
        c.close()
        self.assertEqual(r.status, 413, j)
        validate("/api/clients", "POST", 413, j)
        # the same without Content-Length (chunked): counted as it arrives
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        try:
            c.request("POST", "/api/clients", body=iter([big[i:i + 65536] for i in range(0, len(big), 65536)]),
                      headers={"Content-Type": "application/json", "Cookie": "fortress_session=" + self.anna.sid,
                               "X-CSRF-Token": self.anna.csrf, "Transfer-Encoding": "chunked"}, encode_chunked=True)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered once the limit was passed and closed: its answer is read below
        r = c.getresponse()
        j = json.loads(r.read())
        c.close()
        self.assertEqual(r.status, 413, j)
        validate("/api/clients", "POST", 413, j)
        self.assertEqual(clients_count(), n, "nothing added")
        reasons = [x[3] for x in audit_rows("http")]
        self.assertTrue(any("must be JSON" in x for x in reasons))
        self.assertTrue(any("malformed JSON" in x for x in reasons))
        self.assertTrue(any("larger than" in x for x in reasons))

    def test_big_header_refused(self):
        r, j = self.srv.request("GET", "/api/status", headers={"X-Big": "z" * (128 << 10)})
        self.assertEqual(r.status, 431)   # libmicrohttpd's own answer: headers over the 64 KiB per connection
        r, j = self.anna.req("GET", "/api/status")
        self.assertEqual(r.status, 200, "the server keeps serving others")

    def test_removed_user_session_stops(self):
        serverkit.add_user("kim")
        kim = Session(self.srv, "kim")
        r, j = kim.req("GET", "/api/clients/" + self.client)
        self.assertEqual(r.status, 200)
        fort("user", "remove", "kim")
        # each request opens the vault anew as that person: a removal counts from the next request
        r, j = kim.req("GET", "/api/clients/" + self.client, pattern="/api/clients/{id}")
        self.assertEqual(r.status, 403, j)
        self.assertIn("removed", j["error"]["message"])

    def test_logout_wipes_session(self):
        s = Session(self.srv, "anna")
        r, j = s.req("GET", "/api/status")
        self.assertEqual(r.status, 200)
        r, j = s.req("DELETE", "/api/session", pattern="/api/session")
        self.assertEqual(r.status, 200)
        self.assertIn("Max-Age=0", r.getheader("Set-Cookie"))
        r, j = s.req("GET", "/api/status", pattern="/api/status")
        self.assertEqual(r.status, 401, "a stolen cookie is worthless after sign-out")
        self.assertTrue(audit_rows("signout"))


class LifecycleTest(unittest.TestCase):
    def test_idle_timeout(self):
        # each request comes 2.1 s after the one before, the third over 4 s
        # after the first: alive only because the second kept the session;
        # then a wait past the timeout (a wait can only be longer than
        # asked).  Whether a request came within the 4 s is known from the
        # client's clocks: the server saw the two requests of a gap between
        # the send of the first and the answer to the second.  A gap that
        # a loaded machine stretched past 4 s proves nothing either way:
        # the round starts again with a new session (no margin is enough
        # under load: 0.8 s, then 1.9 s, were not).
        srv = Server("--idle-timeout", "4")
        try:
            stalls = []
            for attempt in range(6):
                s = Session(srv, "anna")
                got, spans = [], []
                for pause in (0, 2.1, 2.1):
                    time.sleep(pause)
                    t0 = time.monotonic()
                    r, j = s.req("GET", "/api/status")
                    spans.append((t0, time.monotonic()))
                    got.append(r.status)
                # the longest time the server can have seen between two
                # requests in a row: under the timeout, each must be served
                worst = max(b[1] - a[0] for a, b in zip(spans, spans[1:]))
                if worst < 4:
                    break
                stalls.append(round(worst, 2))
            else:
                self.fail("the machine stalled past the 4 s timeout in every round: %s" % stalls)
            self.assertEqual(got, [200, 200, 200], "activity keeps the session (gaps under %.2f s)" % worst)
            # the third was over 4 s after the first was answered
            self.assertGreater(spans[2][0] - spans[0][1], 4)
            time.sleep(4.5)
            r, j = s.req("GET", "/api/status")
            self.assertEqual(r.status, 401, "idle too long")
        finally:
            srv.stop()
            srv.close()

    def test_tls(self):
        cert, key = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        os.chmod(key, 0o644)
        env = dict(os.environ, FORTRESS_VAULT=VAULT)
        p = subprocess.run([ARGS.fortress, "serve", "--tls-cert", cert, "--tls-key", key], env=env, capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 6)
        self.assertIn("can be read by other users", p.stderr)
        os.chmod(key, 0o600)
        srv = Server("--tls-cert", cert, "--tls-key", key)
        try:
            import ssl
            ctx = ssl.create_default_context(cafile=cert)
            c = http.client.HTTPSConnection("127.0.0.1", srv.port, context=ctx, timeout=30)
            secret, _ = enroll("anna")
            c.request("POST", "/api/session", body=json.dumps({"user": "anna", "passphrase": PASS["anna"],
                                                               "code": totp(secret, time.time() + 30)}),
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 201)
            self.assertEqual(r.getheader("Strict-Transport-Security"), "max-age=31536000")
            self.assertIn("Secure", [f.strip() for f in r.getheader("Set-Cookie").split(";")])
            c.close()
            # plain HTTP to the TLS port gets nowhere
            with self.assertRaises(Exception):
                p = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
                p.request("GET", "/api/openapi.json")
                p.getresponse().read()
        finally:
            srv.stop()
            srv.close()

    def test_slow_client_cut_off(self):
        # one worker thread (a pool of 1), and the default: a thread per connection
        for threads in (["--threads", "1"], []):
            with self.subTest(threads=threads):
                srv = Server("--client-timeout", "2", *threads)
                try:
                    slow = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                    slow.sendall(b"GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n")   # and then nothing more
                    # a silent client: others are still served meanwhile
                    r, j = srv.request("GET", "/api/openapi.json")
                    self.assertEqual(r.status, 200)
                    t0 = time.monotonic()
                    self.assertEqual(slow.recv(4096), b"", "the server closes the silent connection")
                    self.assertLess(time.monotonic() - t0, 8)
                    slow.close()
                finally:
                    srv.stop()
                    srv.close()

    def test_refuses_lan_without_tls(self):
        env = dict(os.environ, FORTRESS_VAULT=VAULT)
        p = subprocess.run([ARGS.fortress, "serve", "--listen", "0.0.0.0:0"], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 5)
        self.assertIn("without TLS", p.stderr)
        p = subprocess.run([ARGS.fortress, "serve", "--listen", "nonsense"], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 6)

    def test_sigterm_graceful(self):
        srv = Server()
        s = Session(srv, "anna")
        r, j = s.req("GET", "/api/status")
        self.assertEqual(r.status, 200)
        # a request in progress (a sign-in: Argon2id) when SIGTERM comes still gets its answer.
        # In progress for sure: its headers sent with "Expect: 100-continue", the server's
        # "100 Continue" comes once the request's handler has run on them (libmicrohttpd's
        # first call: the request is counted in progress), and the body follows the signal.
        # (A fixed 30 ms between the request and the signal was a guess: a loaded machine
        # could signal before the server had accepted the connection, which was then reset.)
        secret, _ = enroll("anna")
        body = json.dumps({"user": "anna", "passphrase": PASS["anna"], "code": totp(secret, time.time() + 30)}).encode()
        c = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
        c.sendall(b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body))
        interim = b""
        while b"\r\n\r\n" not in interim:
            more = c.recv(4096)
            self.assertTrue(more, "the server closed the connection before its 100 Continue: %r" % interim)
            interim += more
        self.assertTrue(interim.startswith(b"HTTP/1.1 100 "), interim)
        self.assertTrue(interim.endswith(b"\r\n\r\n"), "nothing after the 100 Continue before the body: %r" % interim)
        srv.proc.send_signal(signal.SIGTERM)
        c.sendall(body)
        r = http.client.HTTPResponse(c)
        r.begin()
        r.read()
        c.close()
        self.assertEqual(r.status, 201, "the request in progress finished")
        self.assertEqual(srv.stop(signal.SIGTERM), 0)
        log = srv.log()
        srv.close()
        # and nobody new gets in
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
        self.assertIn("stopping (signal 15)", log)
        self.assertIn("every session ended and its keys wiped", log)
        for secret in (s.sid, s.csrf, PASS["anna"], "jana@example.org"):
            self.assertNotIn(secret, log, "nothing secret in the log")
        self.assertRegex(log, r"GET /api/status 200")
        self.assertNotIn("c-", log, "no client id in a log line")


class TokenTest(unittest.TestCase):
    """Tokens for programs (issue 17 item 3): Authorization: Bearer on /api/
    routes, the token's role and purposes enforced and refusals audited in
    its name, no CSRF and no cookie, revocation, GET/POST/DELETE /api/tokens,
    and never the token in a log line."""
    srv = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        cls.anna = Session(cls.srv, "anna")
        r, j = cls.anna.req("POST", "/api/clients", {"fields": {"full_name": "Ole Berg", "email": "ole@example.org",
                                                                 "iban": "DE89370400440532013000"}}, pattern="/api/clients")
        assert r.status == 201, j
        cls.client = j["id"]
        cls.seen = []   # every token string made here: none may reach the log

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        log = cls.srv.log()
        cls.srv.close()
        for t in cls.seen:
            assert t not in log and t.split("_", 3)[3] not in log, "a token reached the server's log"

    def make(self, name, *args):
        t = fort("token", "create", name, *args).stdout.strip()
        self.assertRegex(t, r"^fortress_tok_[1-9][0-9]*_[A-Za-z0-9_-]{43}$")
        self.seen.append(t)
        return t

    def bearer(self, token, method, path, body=None, pattern=None, headers=None):
        h = {"Authorization": "Bearer " + token}
        h.update(headers or {})
        return self.srv.request(method, path, body, h, pattern=pattern)

    def test_bearer_read_and_reveal_in_scope(self):
        tok = self.make("reader", "--role", "staff", "--purpose", "service")
        r, j = self.bearer(tok, "GET", "/api/clients/" + self.client, pattern="/api/clients/{id}")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertFalse(j["fields"]["email"]["revealed"])
        # a state-changing request: no cookie, so no CSRF token needed
        r, j = self.bearer(tok, "POST", "/api/clients/%s/reveal" % self.client, {"purpose": "service", "fields": ["email"]},
                           pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["fields"]["email"]["value"], "ole@example.org")
        acts = [(a[0], a[1], a[2]) for a in audit_rows()]
        self.assertIn(("token:reader", "reveal", "ok"), acts)
        self.assertIn(("token:reader", "unlock", "ok"), acts)

    def test_beyond_scope_403_audited(self):
        tok = self.make("narrow", "--role", "staff", "--purpose", "service")
        n = len(audit_rows())
        # a purpose the token was not given
        r, j = self.bearer(tok, "POST", "/api/clients/%s/reveal" % self.client, {"purpose": "billing", "fields": ["email"]},
                           pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 403, j)
        self.assertEqual(j["error"]["code"], "EDENIED")
        self.assertIn("purpose 'billing'", j["error"]["message"])
        # a category its role holds no key of
        r, j = self.bearer(tok, "POST", "/api/clients/%s/reveal" % self.client, {"purpose": "service", "fields": ["iban"]},
                           pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 403, j)
        # an action its role lacks: managing tokens
        r, j = self.bearer(tok, "POST", "/api/tokens", {"name": "sneaky", "role": "staff"}, pattern="/api/tokens")
        self.assertEqual(r.status, 403, j)
        denied = [x for x in audit_rows()[n:] if x[0] == "token:narrow" and x[2] == "denied"]
        self.assertGreaterEqual(len(denied), 3, denied)
        self.assertTrue(any("billing" in x[3] for x in denied), denied)

    def test_revoked_and_unknown_401(self):
        tok = self.make("shortlived", "--role", "staff")
        r, j = self.bearer(tok, "GET", "/api/status", pattern="/api/status")
        self.assertEqual(r.status, 200, j)
        fort("token", "revoke", "shortlived")
        r, j = self.bearer(tok, "GET", "/api/status", pattern="/api/status")
        self.assertEqual(r.status, 401, j)
        msg = j["error"]["message"]
        # a wrong secret and an unknown id: the same answer
        bad = tok[:-3] + ("AAA" if not tok.endswith("AAA") else "BBB")
        r, j = self.bearer(bad, "GET", "/api/status", pattern="/api/status")
        self.assertEqual((r.status, j["error"]["message"]), (401, msg))
        r, j = self.bearer("fortress_tok_99999_" + tok.split("_", 3)[3], "GET", "/api/status", pattern="/api/status")
        self.assertEqual((r.status, j["error"]["message"]), (401, msg))
        r, j = self.srv.request("GET", "/api/status", headers={"Authorization": "Basic YTpi"}, pattern="/api/status")
        self.assertEqual(r.status, 401)
        fails = [x for x in audit_rows("unlock-failed") if x[0] == "token:shortlived"]
        self.assertTrue(any("revoked" in x[3] for x in fails), fails)

    def test_cookie_and_bearer_refused(self):
        tok = self.make("both", "--role", "staff")
        n = len(audit_rows())
        r, j = self.anna.req("GET", "/api/clients/" + self.client, headers={"Authorization": "Bearer " + tok},
                             pattern="/api/clients/{id}")
        self.assertEqual(r.status, 400, j)
        self.assertIn("not both", j["error"]["message"])
        self.assertNotIn("fields", j)
        rows = audit_rows()[n:]
        self.assertTrue([x for x in rows if x[0] == "token:both" and x[1] == "http" and x[2] == "denied"], rows)

    def test_tokens_routes(self):
        r, j = self.anna.req("POST", "/api/tokens", {"name": "etl", "role": "bookkeeper", "purposes": ["billing"], "expires": "30d"},
                             pattern="/api/tokens")
        self.assertEqual(r.status, 201, j)
        tok = j["token"]
        self.seen.append(tok)
        r, j = self.anna.req("GET", "/api/tokens", pattern="/api/tokens")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["tokens"], json.loads(fort("--json", "token", "list").stdout), "the CLI's shape and values")
        etl = [t for t in j["tokens"] if t["name"] == "etl"][0]
        self.assertEqual((etl["role"], etl["purposes"], etl["creator"], etl["state"]), ("bookkeeper", ["billing"], "anna", "active"))
        self.assertNotIn(tok.split("_", 3)[3], json.dumps(j))
        # the new token works at once, within its scope
        r, j = self.bearer(tok, "POST", "/api/clients/%s/reveal" % self.client, {"purpose": "billing", "fields": ["iban"]},
                           pattern="/api/clients/{id}/reveal")
        self.assertEqual(r.status, 200, j)
        self.assertEqual(j["fields"]["iban"]["value"], "DE89370400440532013000")
        # bad input: one clear error each, nothing made
        for body, status in (({"name": "etl", "role": "staff"}, 409), ({"name": "x", "role": "owner"}, 400),
                             ({"name": "x", "role": "staff", "expires": "999d"}, 400), ({"name": "x"}, 400),
                             ({"name": "x", "role": "staff", "purposes": ["nope"]}, 404)):
            r, j = self.anna.req("POST", "/api/tokens", body, pattern="/api/tokens")
            self.assertEqual(r.status, status, (body, j))
        # a session needs its CSRF token to make one
        r, j = self.anna.req("POST", "/api/tokens", {"name": "x", "role": "staff"}, csrf=False, pattern="/api/tokens")
        self.assertEqual(r.status, 403, j)
        self.assertNotIn("x", [t["name"] for t in json.loads(fort("--json", "token", "list").stdout)])
        # revoke through the API: its cached keys go, it is refused next
        r, j = self.anna.req("DELETE", "/api/tokens/etl", pattern="/api/tokens/{id}")
        self.assertEqual(r.status, 200, j)
        self.assertIn("vault", j["rotation"]["keys"])
        self.assertIn("financial", j["rotation"]["keys"])
        r, j = self.bearer(tok, "GET", "/api/status", pattern="/api/status")
        self.assertEqual(r.status, 401, j)
        r, j = self.anna.req("DELETE", "/api/tokens/etl", pattern="/api/tokens/{id}")
        self.assertEqual(r.status, 400, j)
        r, j = self.anna.req("DELETE", "/api/tokens/nosuch", pattern="/api/tokens/{id}")
        self.assertEqual(r.status, 404, j)


def prepare():
    global TMP, VAULT
    TMP, VAULT = serverkit.TMP, serverkit.VAULT


if __name__ == "__main__":
    serverkit.main("fortress-serve-", prepare, openapi=True)
