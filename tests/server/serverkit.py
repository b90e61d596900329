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

Both backends (issue 19): with FORTRESS_TEST_STORE set (ctest's server_*_pg
tests, the fixture "pg"), setup() makes a database of its own on that
server (tests/pg/pg-server.sh newdb), VAULT is its URL, team_vault() gives
it to `init --store`, and it is dropped at exit.  query() reads the vault
with SQL on either backend (sqlite3, or psql on PostgreSQL); a step that
edits or reads the SQLite file itself calls sqlite_only(test, why).
"""
import atexit, base64, hashlib, hmac, http.client, json, os, signal, sqlite3, struct, subprocess, sys, threading, time

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
# Server.request given a pattern (test_serve.py checks them against OpenAPI)
VALIDATE = None


class _Args:
    fortress = None


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
        env = dict(os.environ, FORTRESS_VAULT=VAULT, FORTRESS_PASSPHRASE_FILE=passfile(u))
        subprocess.run([FORTRESS, "user", "request", u, "--kdf", "interactive"], env=env, check=True, capture_output=True)
        fort("user", "add", u, "--role", "staff")


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

    def request(self, method, path, body=None, headers=None, raw=None, source=None, pattern=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                       source_address=(source, 0) if source else None)
        h = dict(headers or {})
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read()
        c.close()
        j = json.loads(text) if r.getheader("Content-Type", "").startswith("application/json") else None
        if pattern and j is not None:
            if VALIDATE:
                VALIDATE(pattern, method, r.status, j)
        return r, j



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

