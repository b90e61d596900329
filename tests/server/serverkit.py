#!/usr/bin/env python3
"""What the server's tests share (tests/server/test_serve.py, the HTTP API;
tests/web/test_web.py, the pages in a browser): a real vault in a private
temporary directory, the real `fortress` binary, TOTP codes computed as an
authenticator app does (RFC 6238), and `fortress serve` started on a free
loopback port.

    import serverkit as kit
    kit.setup("/path/to/fortress", tmpdir)   # sets FORTRESS, TMP, VAULT
    kit.team_vault()                         # anna (owner), sam and zoe (staff)
    srv = kit.Server()
    anna = kit.Session(srv, "anna")          # signed in: anna.req (the API),
    r, page = anna.form("/path", {...})      # anna.get, .form, .upload (the pages)
    kit.stop_clean(srv)

One copy of each helper (docs/conventions.md; the test scripts had copies):
a test script's command line is main() (the vault, the tests, their
count, `audit verify` after them); a class of tests with a server and
signed-in users is a ServerTest (assertRefused, assertNoCsrf,
assertDeniedAudited against the class's SNAPSHOT); a visitor's request
(no session) is Server.fetch / fetch_text; a new user is add_user().

Both backends (issue 19): with FORTRESS_TEST_STORE set (ctest's server_*_pg
tests, the fixture "pg"), setup() makes a database of its own on that
server (tests/pg/pg-server.sh newdb), VAULT is its URL, team_vault() gives
it to `init --store`, and it is dropped at exit.  query() reads the vault
with SQL on either backend (sqlite3, or psql on PostgreSQL); a step that
edits or reads the SQLite file itself calls sqlite_only(test, why).
"""
import argparse, atexit, base64, hashlib, hmac, http.client, json, mimetypes, os, re, signal, sqlite3, struct, subprocess
import sys, tempfile, threading, time, unittest, urllib.parse

PASS = {"anna": "correct horse battery staple orbit", "sam": "velvet lantern quietly folds a paper moon",
        "zoe": "seven copper kettles hum beside the harbour", "kim": "marble otters juggle nine quiet lemons",
        "ida": "twelve amber gulls argue over a lighthouse", "lea": "quiet foxes paint the ninth blue staircase"}
FORTRESS = None
TMP = None
VAULT = None
# the vault is a PostgreSQL database (FORTRESS_TEST_STORE): its URL is VAULT
PG = bool(os.environ.get("FORTRESS_TEST_STORE"))
_PG_DBS = []
# called as VALIDATE(pattern, method, status, json) on every JSON answer of
# Server.request given a pattern: validate() once main(openapi=True) or
# load_openapi() read docs/api/openapi.json
VALIDATE = None
OPENAPI = None
# (method, pattern, status) of every answer validate() checked
VALIDATED = []


class _Args:
    fortress = None
    root = None   # the source tree (main's --root)


ARGS = _Args()


def setup(fortress, tmp):
    """Point the helpers at the binary and a private temporary directory."""
    global FORTRESS, TMP, VAULT
    FORTRESS = ARGS.fortress = os.path.abspath(fortress)
    TMP = tmp
    VAULT = new_pg_db() if PG else os.path.join(tmp, "vault.db")
    os.chmod(TMP, 0o700)
    os.environ["HOME"] = TMP
    os.environ["XDG_RUNTIME_DIR"] = TMP


def new_pg_db():
    """An empty database of its own on the pg fixture's server, dropped at
    exit: its connection string."""
    name = "srv_%d_%d" % (os.getpid(), len(_PG_DBS))
    p = subprocess.run(["sh", os.environ["FORTRESS_PG_SERVER"], "newdb", os.environ["FORTRESS_TEST_PG_DIR"], name],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError("cannot create the database %s: %s" % (name, p.stderr))
    _PG_DBS.append(name)
    return p.stdout.strip()


@atexit.register
def _drop_pg_dbs():
    if _psql is not None:
        _psql.close()
    if os.environ.get("FORTRESS_TEST_KEEP") == "1":
        return
    for name in _PG_DBS:
        subprocess.run(["psql", os.environ["FORTRESS_TEST_STORE"], "-qAtX", "-c",
                        "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name], capture_output=True)


def init_args():
    """What `fortress init` needs beyond its options: --store URL on PostgreSQL."""
    return ["--store", VAULT] if PG else []


def sqlite_only(test, why):
    """Skip the rest of TEST (a unittest.TestCase) on PostgreSQL, saying why."""
    if PG:
        test.skipTest("SQLite only: " + why)


def _literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def query(q, args=()):
    """The rows of the SQL query Q on the vault, either backend; '?' takes
    the next of ARGS.  On PostgreSQL (psql) every value comes back as text
    (NULL as None): compare counts with count()."""
    return query_many([(q, args)])[0]


def query_many(queries):
    """The rows of each query of QUERIES (each a text, or (text, args)), in
    order, as query() gives them, on one connection (sqlite3's, or the
    psql session below)."""
    queries = [(q, ()) if isinstance(q, str) else q for q in queries]
    if not PG:
        db = sqlite3.connect("file:%s?mode=ro" % VAULT, uri=True)
        try:
            return [db.execute(q, args).fetchall() for q, args in queries]
        finally:
            db.close()
    texts = []
    for q, args in queries:
        parts = q.split("?")
        if len(parts) != len(args) + 1:
            raise AssertionError("query: %d placeholders, %d values" % (len(parts) - 1, len(args)))
        texts.append(parts[0] + "".join(_literal(a) + rest for a, rest in zip(args, parts[1:])))
    with _psql_lock:
        return [_psql_session().run(t) for t in texts]


class _Psql:
    """One psql reading statements from a pipe, for every query() of the
    vault database: a new psql (a process, a connection, a server backend)
    per query was most of the time of the server tests on PostgreSQL (900
    of them in test_api_routes.py, 0.15 s each on a loaded machine; a
    statement on an open session takes a millisecond).  Each statement runs
    on its own (autocommit, as psql -c did) and its rows end at a line that
    no value holds; a failed statement ends psql (ON_ERROR_STOP): its
    message is raised and the next query starts a new session."""

    def __init__(self, url):
        self.url = url
        self.err = open(os.path.join(TMP, "psql-%d.err" % time.monotonic_ns()), "w+b")
        env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
        self.proc = subprocess.Popen(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-P", "null=\x01",
                                      "-F", "\x1f", "-R", "\x1e"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, env=env)

    def alive(self):
        return self.proc.poll() is None

    def run(self, text):
        sep = "--end-of-answer-%s--" % base64.b32encode(os.urandom(10)).decode()
        # the statement on lines of its own: a trailing comment cannot hide the ';'
        try:
            self.proc.stdin.write(("%s\n;\n\\echo %s\n" % (text, sep)).encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        out = b""
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                self.err.seek(0)
                raise AssertionError("psql: %s: %s" % (text, self.err.read().decode(errors="replace")))
            if line == (sep + "\n").encode():
                break
            out += line
        out = out.decode()
        if out.endswith("\n"):
            out = out[:-1]
        if not out:
            return []
        return [tuple(None if c == "\x01" else c for c in row.split("\x1f")) for row in out.split("\x1e")]

    def close(self):
        if self.alive():
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.err.close()


_psql = None
_psql_lock = threading.Lock()


def _psql_session():
    """The open psql session on VAULT (a new one after a failed statement,
    or when VAULT is another database)."""
    global _psql
    if _psql is not None and (_psql.url != VAULT or not _psql.alive()):
        _psql.close()
        _psql = None
    if _psql is None:
        _psql = _Psql(VAULT)
    return _psql


def count(q, args=()):
    """The integer a 'SELECT count(*) ...' query Q answers, either backend."""
    return int(query(q, args)[0][0])


def team_vault():
    """A vault of Acme Ltd (DE): anna the owner, sam and zoe staff."""
    fort("init", "--name", "Acme Ltd", "--owner", "anna", "--country", "DE", "--kdf", "interactive", *init_args())
    for u in ("sam", "zoe"):
        add_user(u)


def add_user(name, role="staff"):
    """NAME (a key of PASS) joins the vault with ROLE: `user request` with
    their passphrase, then the owner's `user add`."""
    env = dict(os.environ, FORTRESS_VAULT=VAULT, FORTRESS_PASSPHRASE_FILE=passfile(name))
    subprocess.run([FORTRESS, "user", "request", name, "--kdf", "interactive"], env=env, check=True, capture_output=True)
    fort("user", "add", name, "--role", role)


def table_count(table, where="", args=()):
    """The rows of TABLE (WHERE a condition with '?' for ARGS), either backend."""
    return count("SELECT count(*) FROM %s %s" % (table, where), args)


def totp(secret_b32, t=None, step=30):
    """RFC 6238 (HMAC-SHA1, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if t is None else t) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


def fort(*args, user=None, check=True):
    env = dict(os.environ, FORTRESS_VAULT=VAULT, FORTRESS_PASSPHRASE_FILE=passfile(user or "anna"))
    cmd = [ARGS.fortress] + (["--user", user] if user else []) + list(args)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr))
    return p


def read(path):
    with open(path) as f:
        return f.read()


def passfile(user):
    path = os.path.join(TMP, user + ".pass")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(PASS[user] + "\n")
        os.chmod(path, 0o600)
    return path


def enroll(user):
    """A fresh second factor: its secret and recovery codes."""
    j = json.loads(fort("--json", "user", "totp", "enroll", user=user).stdout)
    return j["secret"], j["recovery_codes"]



class Server:
    def __init__(self, *extra):
        self.portfile = os.path.join(TMP, "port-%d" % time.monotonic_ns())
        self.err = open(os.path.join(TMP, "serve-%d.err" % time.monotonic_ns()), "w+")
        env = dict(os.environ, FORTRESS_VAULT=VAULT)
        env.pop("FORTRESS_PASSPHRASE_FILE", None)
        self.proc = subprocess.Popen([ARGS.fortress, "serve", "--listen", "127.0.0.1:0", "--port-file", self.portfile] + list(extra),
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err)
        # a bounded wait: under ASan on a loaded machine the start can take
        # longer than the 10 s this once allowed
        deadline = time.monotonic() + 60
        while not (os.path.exists(self.portfile) and read(self.portfile).endswith("\n")):
            if self.proc.poll() is not None:
                raise AssertionError("fortress serve exited: " + self.log())
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("fortress serve wrote no port file in 60 s: " + self.log())
            time.sleep(0.05)
        self.port = int(read(self.portfile))

    def log(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def stop(self, sig=signal.SIGTERM):
        return self._stop(sig)

    def close(self):
        self.err.close()

    def _stop(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def fetch(self, method, path, body=None, headers=None, source=None, timeout=120):
        """One request (BODY bytes, or None) on a connection of its own, from
        the loopback address SOURCE if given: the response and its bytes."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                       source_address=(source, 0) if source else None)
        c.request(method, path, body=body, headers=dict(headers or {}))
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    def fetch_text(self, method, path, fields=None, headers=None, source=None):
        """METHOD PATH as a visitor (no session): FIELDS (a dict, values may
        be lists) sent as a form, and the answer as text."""
        h = dict(headers or {})
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        r, data = self.fetch(method, path, body, h, source=source)
        return r, data.decode()

    def request(self, method, path, body=None, headers=None, raw=None, source=None, pattern=None):
        """An API request: JSON BODY (or RAW bytes); the response and its JSON (None when the answer is not JSON)."""
        h = dict(headers or {})
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        r, text = self.fetch(method, path, data, h, source=source, timeout=30)
        j = json.loads(text) if r.getheader("Content-Type", "").startswith("application/json") else None
        if pattern and j is not None:
            if VALIDATE:
                VALIDATE(pattern, method, r.status, j)
        return r, j



def stop_clean(srv):
    """SIGTERM: the server exits 0, and (in the sanitizer builds) reports no error, leak or undefined behaviour."""
    rc = srv.stop()
    log = srv.log()
    srv.close()
    assert rc == 0, "fortress serve exited %s: %s" % (rc, log[-2000:])
    assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]


# ---------------------------------------------------------------- the API's document

def load_openapi(root):
    """Check every JSON answer given a pattern against ROOT/docs/api/openapi.json."""
    global OPENAPI, VALIDATE
    with open(os.path.join(root, "docs", "api", "openapi.json")) as f:
        OPENAPI = json.load(f)
    VALIDATE = validate


def schema_for(path_pattern, method, status):
    op = OPENAPI["paths"][path_pattern][method.lower()]
    resp = op["responses"].get(str(status))
    if resp is None:
        raise AssertionError("%s %s: status %d is not in the OpenAPI document" % (method, path_pattern, status))
    return resp["content"]["application/json"]["schema"]


def validate(path_pattern, method, status, body):
    """BODY, the JSON answer of METHOD PATH_PATTERN with STATUS, against the document's schema (jsonschema)."""
    import jsonschema
    schema = dict(schema_for(path_pattern, method, status))
    schema["components"] = OPENAPI["components"]
    jsonschema.Draft202012Validator(schema).validate(body)
    VALIDATED.append((method, path_pattern, status))


# ---------------------------------------------------------------- signed in

FORM_BOUNDARY = "----fortress-test-7Yq2"


class Session:
    """USER signed in to SRV through the API (a second factor enrolled
    afresh; CODE: the one to type instead): the session's cookie (sid) and
    CSRF token, which the API and the pages share."""

    def __init__(self, srv, user, code=None):
        self.srv, self.user = srv, user
        at = None
        if code is None:
            secret, _ = enroll(user)
            at = time.time()
            code = totp(secret, at + 30)   # the next step: the current one counts as used
        r, j = srv.request("POST", "/api/session", {"user": user, "passphrase": PASS[user], "code": code}, pattern="/api/session")
        if r.status != 201:
            # the refusal's reason is in the log ("wrong code", "wrong passphrase", ...), not in the answer
            why = [x for x in audit_rows() if x[1] in ("signin-failed", "unlock-failed")][-2:]
            raise AssertionError("sign-in as %s: %d %s; the log says %s; now %.1f; the code was made at %s for step %s" % (
                user, r.status, j, why, time.time(), "%.1f" % at if at else "-", int(at + 30) // 30 if at else "-"))
        self.cookie_header = r.getheader("Set-Cookie")
        self.sid = re.match(r"fortress_session=([^;]+)", self.cookie_header).group(1)
        self.csrf = j["csrf_token"]

    def req(self, method, path, body=None, csrf=True, headers=None, pattern=None, raw=None):
        """An API request (JSON BODY, the CSRF token in its header unless CSRF is False): the response and its JSON."""
        h = {"Cookie": "fortress_session=" + self.sid}
        if csrf:
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        return self.srv.request(method, path, body, h, pattern=pattern, raw=raw)

    def _token(self, fields, csrf):
        if csrf is True:
            fields.append(("csrf", self.csrf))
        elif csrf:
            fields.append(("csrf", csrf))
        return fields

    def page(self, method, path, fields=None, csrf=True, sid=None, source=None, body=None, ctype=None):
        """METHOD PATH of the pages with this session's cookie (or SID's),
        from the loopback address SOURCE if given.  Any method but GET sends
        a form: FIELDS (a dict, or a list of pairs for repeated names) with
        the session's CSRF token, unless CSRF is False (none) or a string
        (that token); or BODY (bytes) as it is, of the type CTYPE.  The
        response and its bytes."""
        h = {"Cookie": "fortress_session=" + (sid or self.sid)}
        if body is None and method != "GET":
            f = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
            body = urllib.parse.urlencode(self._token(f, csrf)).encode()
            ctype = ctype or "application/x-www-form-urlencoded"
        if ctype:
            h["Content-Type"] = ctype
        return self.srv.fetch(method, path, body, h, source=source)

    def get(self, path, **kw):
        """GET a page: the response and its bytes."""
        return self.page("GET", path, **kw)

    def form(self, path, fields=None, csrf=True, method="POST", **kw):
        """POST (or METHOD) a form: see page()."""
        return self.page(method, path, fields, csrf=csrf, **kw)

    def upload(self, path, fields=None, files=(), csrf=True, ctype=None):
        """POST a multipart/form-data body: FIELDS (a dict or pairs; the CSRF
        token as page() adds it) first, then FILES, each (name, filename,
        bytes), typed by the file name's ending.  CTYPE: another
        Content-Type header (no boundary, not multipart)."""
        b = FORM_BOUNDARY
        f = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
        body = b""
        for k, v in self._token(f, csrf):
            body += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (b, k, v)).encode()
        for name, fname, data in files:
            t = mimetypes.guess_type(fname)[0] or "application/octet-stream"
            body += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: %s\r\n\r\n'
                     % (b, name, fname, t)).encode() + data + b"\r\n"
        body += ("--%s--\r\n" % b).encode()
        return self.page("POST", path, body=body, ctype=ctype or "multipart/form-data; boundary=" + b)


class ServerTest(unittest.TestCase):
    """A server for the tests of a class, with USERS signed in (each an
    attribute: cls.anna, cls.sam), stopped clean after them (stop_clean).
    For the pages' refusals: SNAPSHOT() (a class sets it: what a refused
    form must leave as it was), compared by assertRefused."""
    srv = None
    USERS = ("anna", "sam")
    SNAPSHOT = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        for u in cls.USERS:
            setattr(cls, u, Session(cls.srv, u))

    @classmethod
    def tearDownClass(cls):
        stop_clean(cls.srv)

    def snapshot(self):
        return type(self).SNAPSHOT()

    def assertRefused(self, r, data, status, words, before, msg="nothing changed"):
        """A page answered STATUS with WORDS in it, and SNAPSHOT() is still BEFORE."""
        self.assertEqual(r.status, status, data[:800])
        self.assertIn(words, data.decode(errors="replace"))
        self.assertEqual(self.snapshot(), before, msg)

    def assertNoCsrf(self, session, path, fields):
        """A form to PATH without its CSRF token, and with a wrong one, is refused (403): nothing changed."""
        before = self.snapshot()
        r, data = session.form(path, fields, csrf=False)
        self.assertRefused(r, data, 403, "this form has no security token", before)
        r, data = session.form(path, fields, csrf="A" * len(session.csrf))
        self.assertRefused(r, data, 403, "security token is wrong or out of date", before)

    def assertDeniedAudited(self, who, r, data, words, before, n):
        """A 403 from the library for WHO, audited (denied) after the first N entries; nothing changed."""
        self.assertRefused(r, data, 403, words, before)
        rows = audit_rows()[n:]
        self.assertTrue([x for x in rows if x[0] == who and x[2] == "denied"], rows)


# ---------------------------------------------------------------- a test's command line

def main(prefix, prepare=None, openapi=False, team=True, report=None):
    """A server test's command line: --fortress BINARY --root SOURCE, the
    rest for unittest.  In a private temporary directory named PREFIX...:
    the team vault (team_vault, unless TEAM is False), PREPARE() if given
    (more users, catalogues ...; ARGS.root is the source tree), the tests
    of the __main__ module, a count of them, and `audit verify` after them.
    With OPENAPI every JSON answer given a pattern is checked against
    docs/api/openapi.json; REPORT() returns a line to print after the
    count (the pages axe-core checked).  Exits 0 when every test passed and
    the chain verifies."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortress", required=True)
    ap.add_argument("--root", required=True)
    args, rest = ap.parse_known_args()
    ARGS.root = os.path.abspath(args.root)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        setup(args.fortress, tmp)
        if openapi:
            load_openapi(ARGS.root)
        if team:
            team_vault()
        if prepare:
            prepare()
        prog = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
        res = prog.result
        failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
        print("%d passed, %d failed, %d skipped" % (res.testsRun - failed - len(res.skipped), failed, len(res.skipped)))
        if openapi:
            print("%d answers checked against the OpenAPI document" % len(VALIDATED))
        if report:
            print(report())
        ok = res.wasSuccessful()
        if ok:
            v = fort("audit", "verify", check=False)
            if v.returncode != 0:
                print("audit verify after the tests failed: " + v.stdout + v.stderr)
                ok = False
        sys.exit(0 if ok else 1)


class SmtpSink:
    """tests/e2e/smtp_sink.py (aiosmtpd, Debian's python3-aiosmtpd) on a free
    loopback port, saving each message in MAILDIR as msg-N.eml; stop() ends it.
    The sink binds port 0 itself and says which (MAILDIR/port): a port
    picked by one process and bound later by another can be taken in
    between by a test running beside this one."""

    def __init__(self, maildir):
        sink = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e", "smtp_sink.py")
        self.maildir = maildir
        # the system interpreter has aiosmtpd (as tests/e2e/smtp_lib.sh finds it)
        py = next((p for p in ("/usr/bin/python3", sys.executable)
                   if subprocess.run([p, "-c", "import aiosmtpd"], capture_output=True).returncode == 0), None)
        if not py:
            raise AssertionError("no python3 with aiosmtpd: apt-get install python3-aiosmtpd (scripts/install-deps.sh)")
        self.err = open(os.path.join(TMP, "sink-%d.err" % time.monotonic_ns()), "w+")
        self.proc = subprocess.Popen([py, sink, "serve", maildir, "0"], stdout=subprocess.DEVNULL, stderr=self.err)
        # a bounded wait: python starts slowly on a loaded machine
        deadline = time.monotonic() + 60
        while not os.path.exists(os.path.join(maildir, "ready")):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.err.seek(0)
                why = self.err.read()
                self.stop()
                raise AssertionError("the SMTP sink did not start: " + why)
            time.sleep(0.05)
        self.port = read(os.path.join(maildir, "port")).strip()

    def messages(self):
        """The saved messages' bytes, oldest first."""
        names = sorted((f for f in os.listdir(self.maildir) if f.endswith(".eml")), key=lambda f: int(f[4:-4]))
        out = []
        for f in names:
            with open(os.path.join(self.maildir, f), "rb") as fh:
                out.append(fh.read())
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.err.close()


def audit_rows(action=None):
    q = "SELECT actor, action, result, detail FROM audit"
    return query(q + (" WHERE action = ?" if action else "") + " ORDER BY seq", (action,) if action else ())

