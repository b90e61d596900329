#!/usr/bin/env python3
"""Helpers for the end-to-end tests (tests/e2e/*.sh).

    e2e_util.py iban CC BANKCODE ACCOUNT    a valid IBAN (mod-97 check digits)
    e2e_util.py luhn PREFIX LEN             a Luhn-valid card number
    e2e_util.py json FILE EXPR              evaluate EXPR with d = the JSON in FILE
                                            (JSON Lines become a list); strings print raw
    e2e_util.py jsonok FILE                 exit 0 if FILE holds JSON (or JSON Lines)
    e2e_util.py purpose MAPJSON FIELD...    a purpose the data map allows for every FIELD
    e2e_util.py purposes MAPJSON FIELD      every purpose allowed for FIELD, one a line
    e2e_util.py denied-purpose MAPJSON FIELD  a purpose of the map NOT allowed for FIELD
    e2e_util.py lookup EXPORTJSON KEYFIELD KEYVALUE FIELD   a value out of `client export`
    e2e_util.py status STATUSJSON KEY       KEY of `status --json` (tolerant of naming:
                                            clients erased audit_entries audit_head business owner)
    e2e_util.py audit AUDITJSON             the audit log as TSV: seq action result client fields purpose
    e2e_util.py blobs DB ID                 BLOB values (>= 16 bytes) of every row that refers
                                            to client ID: "table column rowid hex" lines
    e2e_util.py count-bytes HEX FILE...     how often the bytes occur in each file ("FILE N")
    e2e_util.py canaries N CSV CANARIES     write N canary clients to CSV and every
                                            searchable form of every value to CANARIES
    e2e_util.py rechain DB SEQ              recompute the audit chain's hashes (and links)
                                            from entry SEQ on, as an attacker with the file
                                            can (BLAKE2b is not keyed); signatures untouched
"""
import csv
import json
import os
import sqlite3
import sys


def iban(cc, bank, account):
    bban = bank + account
    rearranged = bban + cc + "00"
    num = "".join(str(int(ch, 36)) for ch in rearranged)
    check = 98 - int(num) % 97
    return "%s%02d%s" % (cc, check, bban)


def luhn_complete(prefix, length):
    body = prefix
    import random
    rnd = random.Random(prefix)
    while len(body) < length - 1:
        body += str(rnd.randrange(10))
    for d in range(10):
        cand = body + str(d)
        if luhn_ok(cand):
            return cand
    raise SystemExit("no luhn digit")


def luhn_ok(num):
    total = 0
    for i, ch in enumerate(reversed(num)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def load_json(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        if not rows:
            raise
        return rows


def out(v):
    if isinstance(v, str):
        print(v)
    elif isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
        for x in v:
            print(x)
    else:
        print(json.dumps(v))


def map_fields(d):
    """Normalise whatever shape `map show --json` has to {name: info}."""
    if isinstance(d, dict) and "fields" in d:
        d = d["fields"]
    res = {}
    if isinstance(d, list):
        for f in d:
            if isinstance(f, dict) and "name" in f:
                res[f["name"]] = f
    elif isinstance(d, dict):
        for k, f in d.items():
            if isinstance(f, dict):
                res[f.get("name", k)] = f
    return res


def purposes_of(info):
    p = info.get("purposes", info.get("purpose", []))
    if isinstance(p, str):
        p = [x.strip() for x in p.split(",") if x.strip()]
    return list(p)


def flatten(d, prefix=""):
    res = {}
    if isinstance(d, dict):
        for k, v in d.items():
            key = prefix + k if not prefix else prefix + "_" + k
            if isinstance(v, dict):
                res.update(flatten(v, key))
            res[key] = v
    return res


STATUS_ALIASES = {
    "clients": ["clients", "client_count", "clients_count", "nclients", "clients_total"],
    "erased": ["erased", "erased_count", "erased_clients", "clients_erased", "erasures"],
    "audit_entries": ["audit_entries", "audit_count", "audit_entries_count", "entries", "audit_total"],
    "audit_head_seq": ["audit_head_seq", "audit_seq", "head_seq", "audit_head_seq_no"],
    "business": ["business", "business_name", "name"],
    "owner": ["owner", "owner_name"],
    "path": ["path", "vault", "vault_path", "file"],
    "kdf": ["kdf", "kdf_name", "kdf_algorithm"],
    "schema": ["schema_version", "schema", "version_schema"],
    "unlocked": ["unlocked", "locked"],
    "default_country": ["default_country", "country"],
}


def status_get(d, key):
    flat = flatten(d)
    if key == "audit_head":
        for k in ("audit_head", "head", "audit_anchor", "anchor"):
            v = flat.get(k)
            if isinstance(v, str) and ":" in v:
                return v
        seq = status_get(d, "audit_head_seq")
        for k in ("audit_head", "head", "audit_head_hash", "head_hash", "audit_hash"):
            v = flat.get(k)
            if isinstance(v, str) and seq is not None:
                return "%s:%s" % (seq, v)
        return None
    for k in STATUS_ALIASES.get(key, [key]):
        if k in flat and not isinstance(flat[k], dict):
            return flat[k]
    return None


def audit_entries(d):
    if isinstance(d, dict):
        for k in ("entries", "audit", "log"):
            if k in d:
                return d[k]
    return d


def audit_hash(row):
    """src/audit/audit.c's entry_hash, both formats."""
    import hashlib, struct
    seq, ts, actor_id, actor, action, client, fields, purpose, result, detail, prev, seals, batch = row
    h = hashlib.blake2b(digest_size=32)
    h.update(b"fortress-audit-v2\0" if batch is not None else b"fortress-audit-v1\0")
    for x in (seq, ts, actor_id):
        h.update(struct.pack(">Q", x & 0xFFFFFFFFFFFFFFFF))
    for t in (actor, action, client, fields, purpose, result, detail):
        b = (t or "").encode()
        h.update(struct.pack(">Q", len(b)) + b)
    h.update(prev)
    if seals is not None:
        h.update(b"seals\0" + seals)
    if batch is not None:
        if not isinstance(batch, int):
            batch = 0   # what SQLite's column as an integer makes of text that is not a number
        h.update(struct.pack(">Q", batch & 0xFFFFFFFFFFFFFFFF))
    return h.digest()


def rechain_pg(url, start):
    """rechain on a PostgreSQL vault, through psql (the attacker's tool there)"""
    import csv, io, subprocess
    q = ("SELECT rowid, seq, ts, actor_id, actor, action, client, fields, purpose, result, detail,"
         " encode(prev, 'hex'), encode(hash, 'hex'), encode(seals, 'hex'), batch FROM audit ORDER BY rowid")
    out = subprocess.run(["psql", url, "-qX", "--csv", "-v", "ON_ERROR_STOP=1", "-c", q],
                         check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(out)))[1:]
    prev, sql = None, []
    for r in rows:
        rowid, seq = int(r[0]), int(r[1])
        if seq >= start and prev is not None:
            row = (seq, int(r[2]), int(r[3])) + tuple(r[4:11]) + (prev, bytes.fromhex(r[13]) if r[13] else None,
                                                                    int(r[14]) if r[14] else None)
            h = audit_hash(row)
            sql.append("UPDATE audit SET prev = '\\x%s', hash = '\\x%s' WHERE rowid = %d;" % (prev.hex(), h.hex(), rowid))
            prev = h
        else:
            prev = bytes.fromhex(r[12])
    subprocess.run(["psql", url, "-qX", "-v", "ON_ERROR_STOP=1"], input="BEGIN;\n" + "\n".join(sql) + "\nCOMMIT;\n",
                   check=True, capture_output=True, text=True)


def rechain(path, start):
    if path.startswith(("postgres://", "postgresql://", "service=")):
        return rechain_pg(path, start)
    db = sqlite3.connect(path)
    rows = db.execute("SELECT rowid, seq, ts, actor_id, actor, action, client, fields, purpose, result, detail, prev, hash,"
                      " seals, batch FROM audit ORDER BY rowid").fetchall()
    prev = None
    for r in rows:
        rowid, seq = r[0], r[1]
        if seq >= start and prev is not None:
            h = audit_hash((seq,) + tuple(r[2:11]) + (prev, r[13], r[14]))
            db.execute("UPDATE audit SET prev = ?, hash = ? WHERE rowid = ?", (prev, h, rowid))
            prev = h
        else:
            prev = r[12]
    db.commit()
    db.close()


def main(argv):
    cmd = argv[1]
    if cmd == "rechain":
        rechain(argv[2], int(argv[3]))
        return 0
    if cmd == "iban":
        print(iban(argv[2], argv[3], argv[4]))
    elif cmd == "luhn":
        print(luhn_complete(argv[2], int(argv[3])))
    elif cmd == "gen-csv":
        # gen-csv FILE N: N clients with a name, a unique e-mail and an IBAN
        with open(argv[2], "w", encoding="utf-8") as f:
            f.write("full_name,email,iban\n")
            for i in range(int(argv[3])):
                f.write("Client %d,client%d@example.com,%s\n" % (i, i, iban("DE", "37040044", "%010d" % (532013000 + i))))
    elif cmd == "export-digest":
        # export-digest FILE: SHA-256 of an export's records, in id order
        import hashlib
        d = load_json(argv[2])
        if isinstance(d, dict):
            d = d.get("clients", d.get("records", []))
        rows = sorted(json.dumps(r, sort_keys=True) for r in d)
        print(hashlib.sha256("\n".join(rows).encode()).hexdigest())
    elif cmd == "json":
        d = load_json(argv[2])
        v = eval(argv[3], {"d": d, "len": len, "map_fields": map_fields,
                           "audit_entries": audit_entries, "status_get": status_get})
        out(v)
    elif cmd == "jsonok":
        try:
            load_json(argv[2])
        except Exception as e:  # noqa
            print("not JSON: %s" % e, file=sys.stderr)
            return 1
    elif cmd == "purpose":
        fields = map_fields(load_json(argv[2]))
        want = argv[3:]
        sets = []
        for w in want:
            if w not in fields:
                print("no field %s in the map" % w, file=sys.stderr)
                return 1
            sets.append(purposes_of(fields[w]))
        for p in sets[0]:
            if all(p in s for s in sets[1:]):
                print(p)
                return 0
        print("no purpose allows all of %s" % want, file=sys.stderr)
        return 1
    elif cmd == "denied-purpose":
        # a purpose the map knows but does not allow for FIELD
        d = load_json(argv[2])
        fields = map_fields(d)
        allowed = set(purposes_of(fields.get(argv[3], {})))
        known = []
        if isinstance(d, dict) and isinstance(d.get("purposes"), dict):
            known = list(d["purposes"])
        for f in fields.values():
            known += purposes_of(f)
        for k in known:
            if k not in allowed:
                print(k)
                return 0
        print("curiosity")
    elif cmd == "lookup":
        # lookup EXPORTJSON KEYFIELD KEYVALUE FIELD: FIELD of the exported client
        # whose KEYFIELD equals KEYVALUE (case-insensitive)
        d = load_json(argv[2])
        if isinstance(d, dict):
            d = d.get("clients", [])
        hits = [c for c in d if str(c.get(argv[3], "")).lower() == argv[4].lower()]
        if len(hits) != 1:
            print("<%d exported clients with %s=%s>" % (len(hits), argv[3], argv[4]))
            return 1
        v = hits[0].get(argv[5], "")
        if isinstance(v, dict):
            v = v.get("value", "")
        print(v)
    elif cmd == "purposes":
        fields = map_fields(load_json(argv[2]))
        if argv[3] not in fields:
            return 1
        for p in purposes_of(fields[argv[3]]):
            print(p)
    elif cmd == "status":
        v = status_get(load_json(argv[2]), argv[3])
        if v is None:
            print("status --json has no %s" % argv[3], file=sys.stderr)
            return 1
        if isinstance(v, bool):
            v = "true" if v else "false"
        print(v)
    elif cmd == "audit":
        for e in audit_entries(load_json(argv[2])):
            f = e.get("fields", "")
            if isinstance(f, list):
                f = ",".join(f)
            print("\t".join(str(x) for x in (e.get("seq", ""), e.get("action", ""),
                                              e.get("result", ""), e.get("client", "") or "",
                                              f or "", e.get("purpose", "") or "")))
    elif cmd == "blobs":
        db, cid = argv[2], argv[3]
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        idhex = cid[2:] if cid.startswith("c-") else cid
        idint = int(idhex, 16)
        idints = {idint, idint - (1 << 64) if idint >= (1 << 63) else idint}
        for t in tables:
            cols = [r[1] for r in con.execute('PRAGMA table_info("%s")' % t)]
            try:
                rows = con.execute('SELECT rowid, * FROM "%s"' % t).fetchall()
            except sqlite3.DatabaseError:   # WITHOUT ROWID
                rows = con.execute('SELECT \'norowid\', * FROM "%s"' % t).fetchall()
            if t == "seal_log" and "seals" in cols:
                # The packed log (schema 21): a row per run of up to 64 seals,
                # each a 41-byte tuple (table number, id big-endian, hash); a
                # seal of the client is reported as the row per seal was.
                k = cols.index("seals")
                for row in rows:
                    blob = row[1 + k]
                    if not isinstance(blob, bytes):
                        continue
                    for j in range(len(blob) // 41):
                        tup = blob[41 * j:41 * j + 41]
                        sid = int.from_bytes(tup[1:9], "big", signed=True)
                        if sid in idints:
                            print("seal_log hash %d %s" % (row[0] + j, tup[9:].hex()))
                continue
            for row in rows:
                rid, vals = row[0], row[1:]
                hit = False
                for v in vals:
                    if isinstance(v, str) and v in (cid, idhex):
                        hit = True
                    elif isinstance(v, bytes) and v.hex() == idhex:
                        hit = True
                    elif isinstance(v, int) and not isinstance(v, bool) and v in idints:
                        hit = True
                if not hit:
                    continue
                for c, v in zip(cols, vals):
                    if isinstance(v, bytes) and len(v) >= 16 and v.hex() != idhex:
                        print("%s %s %s %s" % (t, c, rid, v.hex()))
    elif cmd == "remnants":
        # remnants HEX FILE...: how many 32-byte pieces of the bytes (or the
        # whole value when shorter) occur in each file; low-entropy pieces
        # (padding, zeros) are skipped.
        blob = bytes.fromhex(argv[2])
        pieces = [blob] if len(blob) < 32 else [blob[k:k + 32] for k in range(0, len(blob) - 31, 32)]
        pieces = [p for p in pieces if len(set(p)) >= min(12, len(p) // 2)]
        for p in argv[3:]:
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                continue
            print("%s %d" % (p, sum(data.count(x) for x in pieces)))
    elif cmd == "count-bytes":
        needle = bytes.fromhex(argv[2])
        for p in argv[3:]:
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                continue
            print("%s %d" % (p, data.count(needle)))
    elif cmd == "canaries":
        n, csvpath, canpath = int(argv[2]), argv[3], argv[4]
        can = []
        with open(csvpath, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["full_name", "email", "phone", "postal_address", "company",
                        "date_of_birth", "tax_id", "iban", "payment_card", "notes"])
            import datetime
            for i in range(n):
                tag = "%04d" % i
                name = "Canaryname%s Zq" % tag
                email = "canary%sx@example.org" % tag
                natl = "030 7%s%s" % (tag, "19")           # national form
                e164 = "+49307%s19" % tag
                addr = "Canaryweg %s, 10115 Berlin" % tag
                company = "Canaryco%s GmbH" % tag
                dob = (datetime.date(1931, 1, 1) + datetime.timedelta(days=97 * i + 13)).isoformat()
                tax = "CANTAX%sQ" % tag
                ib = iban("DE", "50010517", "90%s7713" % tag)
                card = luhn_complete("49%s" % tag, 16)
                note = "canarynote%s" % tag
                w.writerow([name, email, natl, addr, company, dob, tax, ib, card, note])
                grouped = " ".join(ib[k:k + 4] for k in range(0, len(ib), 4))
                cardg = " ".join(card[k:k + 4] for k in range(0, 16, 4))
                can += [name, "Canaryname%s" % tag, email, email.upper(), "canary%sx" % tag,
                        natl, e164, e164[1:], "07%s19" % tag, addr, "Canaryweg %s" % tag, company,
                        "Canaryco%s" % tag, dob, tax, ib, grouped, ib[4:], card, cardg, note]
        with open(canpath, "w", encoding="utf-8") as f:
            for c in can:
                f.write(c + "\n")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
