#!/usr/bin/env python3
"""gen-store-dispatch.py - the store's backend dispatch (issue 19).

Reads every function of src/store/store.h and src/store/signin.h that takes
the store as its first argument and writes:

  src/store/sqlite_names.h  #define store_X sqlite_store_X: included first by
                            the SQLite backend's files, so their definitions
                            become sqlite_store_X without touching them
  src/store/backends.h      the prototypes of sqlite_store_X and pg_store_X
  src/store/dispatch.c      the public store_X: PostgreSQL or SQLite by the
                            handle's backend tag; a function postgres*.c does
                            not define answers "... is not yet available on a
                            PostgreSQL vault"

Run after adding a store function: python3 scripts/gen-store-dispatch.py
(--check: exit 1 if the files are not up to date; ctest store_dispatch)."""
import argparse
import glob
import os
import re
import sys

HEADERS = ["src/store/store.h", "src/store/signin.h"]
# functions without a store argument (or not per backend): not dispatched
SHARED = {"store_seal_table", "store_seal_describe", "store_client_hash", "store_user_release", "store_client_release",
          "store_attach_release", "store_snapshot_free"}
# what the message of a function not yet on PostgreSQL names, by prefix
NOUNS = [
    ("store_consent", "the consent ledger"), ("store_notice", "the notice store"),
    ("store_request", "the request register"), ("store_hold", "the legal-hold register"),
    ("store_snapshot", "a backup of the database"), ("store_integrity", "the database integrity check"),
    ("store_erased_field", "the field-erasure ledger"), ("store_client_purge", "erasing a damaged client"),
    ("store_attach", "the attachment store"), ("store_drill", "the drill record"), ("store_mail", "the mail outbox"),
    ("store_doctor", "the check-up history"), ("store_incident", "the incident register"),
    ("store_action", "the incident action list"), ("store_export", "the exports record"),
    ("store_totp", "two-factor sign-in"), ("store_throttle", "the sign-in throttle"),
    ("store_signin", "the sign-in throttle"), ("store_intake", "write-only intake"),
    ("store_token", "tokens for programs"),
    ("store_me_link", "the self-service sign-in links"),
]

# run again in a snapshot on FORT_ETAMPER (store.h, store_reread_begin): the
# reads, which change nothing and leave nothing half-done (a writer, or a
# walk with a cursor like store_index_mac_upgrade, is not repeatable; and
# only reads run outside a transaction); iterators among them check their
# table's seals before the first row they deliver (PostgreSQL's client walk
# reads each row with its seal in one statement, SQLite's checks each row
# inside its walk's read)
REREAD = re.compile(r"^store_\w+_(get|get_by_id|get_unchecked|each|ids|batch|count|max_id|find|find_hash|find_destination"
                    r"|count_device|has|tail|any|reason|require|require_row|failures)$")
NOT_REREAD = {"store_audit_each", "store_raw_each"}
# the SQLite backend keeps a find's read transaction open across finds
# (sqlite.c, "Finds in a kept read transaction"): every other function ends
# it first, so that nothing runs inside it but finds, the seal check every
# operation starts with and a server request's reads (store_read_keep: the
# handle's change check, the chain's tail, a record); each checks it is
# current itself, but for a request's own snapshot (store.h)
KEEPS_READ = {"store_blind_find", "store_seal_require", "store_read_keep", "store_changed", "store_audit_tail",
              "store_keep_checks", "store_client_get", "store_read_mark"}

PROTO = re.compile(r"^(int|void|size_t|int64_t|const char \*)\s*(store_\w+)\((store \*s[^;]*)\);", re.M | re.S)


def params(arglist):
    names = []
    for p in arglist.split(","):
        p = re.sub(r"\[[^\]]*\]", "", p.strip())
        names.append(re.findall(r"\w+", p)[-1])
    return names


def functions(root):
    out = []
    for h in HEADERS:
        text = open(os.path.join(root, h)).read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for m in PROTO.finditer(text):
            ret, name, args = m.group(1), m.group(2), " ".join(m.group(3).split())
            if name in SHARED:
                continue
            out.append((ret, name, args, params(args)))
    # store_open has no store * in: its own entry
    out.insert(0, ("int", "store_open", "store **out, const char *path, int create", ["out", "path", "create"]))
    return out


def pg_defined(root):
    names = set()
    for f in sorted(glob.glob(os.path.join(root, "src/store/postgres*.c"))):
        names |= set(re.findall(r"^\w[\w \*]*\bpg_(store_\w+)\(", open(f).read(), re.M))
    return names


def noun(name):
    for prefix, n in NOUNS:
        if name.startswith(prefix):
            return n
    return name


def generate(root):
    fns = functions(root)
    pg = pg_defined(root)
    hdr = "/* Generated by scripts/gen-store-dispatch.py from store.h and signin.h: do not edit. */\n"
    names = [hdr, "/* sqlite_names.h - included first by the SQLite backend's files (sqlite.c, attach.c,\n"
             " * ledger.c, signin.c): their store_X become sqlite_store_X, which dispatch.c\n"
             " * calls for a SQLite vault. */\n",
             "#ifndef FORT_STORE_SQLITE_NAMES_H\n#define FORT_STORE_SQLITE_NAMES_H\n\n"]
    for _, n, _, _ in fns:
        names.append(f"#define {n} sqlite_{n}\n")
    names.append("\n#endif\n")
    back = [hdr, "/* backends.h - the two backends' implementations of the store functions\n"
            " * (dispatch.c picks one by the handle's tag; store.h, \"Backends\"). */\n",
            "#ifndef FORT_STORE_BACKENDS_H\n#define FORT_STORE_BACKENDS_H\n\n",
            '#include "store/store.h"\n#include "store/signin.h"\n\n',
            "/* The first member of each backend's struct store. */\n",
            "enum { STORE_BACKEND_SQLITE = 0, STORE_BACKEND_PG = 0x50475351 };\n\n",
            "/* The SQLite backend: end the read transaction its finds keep open\n"
            " * (dispatch.c calls it before every other function). */\n",
            "void sqlite_kept_end(store *s);\n\n"]
    for ret, n, args, _ in fns:
        sp = "" if ret.endswith("*") else " "
        back.append(f"{ret}{sp}sqlite_{n}({args});\n")
    back.append("\n")
    for ret, n, args, _ in fns:
        if n in pg:
            sp = "" if ret.endswith("*") else " "
            back.append(f"{ret}{sp}pg_{n}({args});\n")
    back.append("\n#endif\n")
    disp = [hdr, "/* dispatch.c - the public store functions: each goes to the backend whose\n"
            " * tag the handle carries (store.h, \"Backends\"). */\n",
            "#include <string.h>\n#include \"util.h\"\n#include \"store/backends.h\"\n\n",
            "static int is_pg(const store *s)\n{\n\treturn s && *(const int *)(const void *)s == STORE_BACKEND_PG;\n}\n\n",
            # unused (and so left out of the build's warnings) once every
            # function has its PostgreSQL side
            "static int __attribute__((unused)) not_yet(const char *what)\n{\n"
            "\treturn fort_error_set(FORT_ERROR, \"%s is not yet available on a PostgreSQL vault\", what);\n}\n\n",
            "int store_path_is_pg(const char *path)\n{\n"
            "\treturn path && (strncmp(path, \"postgresql://\", 13) == 0 || strncmp(path, \"postgres://\", 11) == 0 ||\n"
            "\t\t\tstrncmp(path, \"service=\", 8) == 0);\n}\n\n",
            "int store_open(store **out, const char *path, int create)\n{\n"
            + ("\tif (store_path_is_pg(path))\n\t\treturn pg_store_open(out, path, create);\n" if "store_open" in pg else
               "\tif (store_path_is_pg(path)) {\n\t\t*out = NULL;\n\t\treturn not_yet(\"a PostgreSQL vault\");\n\t}\n")
            + "\treturn sqlite_store_open(out, path, create);\n}\n"]
    missing = []
    for ret, n, args, ps in fns:
        if n == "store_open":
            continue
        call = ", ".join(ps)
        sp = "" if ret.endswith("*") else " "
        disp.append(f"\n{ret}{sp}{n}({args})\n{{\n")
        r = "" if ret == "void" else "return "
        if n not in KEEPS_READ:
            disp.append("\tif (!is_pg(s))\n\t\tsqlite_kept_end(s);\n")
        if ret == "int" and REREAD.match(n) and n not in NOT_REREAD and n in pg:
            # a seal check failed outside a snapshot: once more inside one
            disp.append(f"\tint rc = is_pg(s) ? pg_{n}({call}) : sqlite_{n}({call});\n"
                        f"\tif (rc == FORT_ETAMPER && store_reread_begin(s)) {{\n"
                        f"\t\trc = is_pg(s) ? pg_{n}({call}) : sqlite_{n}({call});\n"
                        f"\t\tstore_read_end(s);\n\t}}\n\treturn rc;\n}}\n")
            continue
        if n in pg:
            disp.append(f"\tif (is_pg(s))\n\t\t{r}pg_{n}({call});\n")
            if ret == "void":
                disp.append("\telse\n\t\t")
            else:
                disp.append("\t")
        elif ret == "int":
            disp.append(f"\tif (is_pg(s))\n\t\treturn not_yet(\"{noun(n)}\");\n\t")
        else:
            missing.append(n)
            disp.append("\t")
        disp.append(f"{r}sqlite_{n}({call});\n}}\n")
    # (before PostgreSQL can be opened at all, no PostgreSQL handle exists)
    if missing and "store_open" in pg:
        sys.exit("gen-store-dispatch: PostgreSQL must implement (no error to return): " + ", ".join(missing))
    return {"src/store/sqlite_names.h": "".join(names), "src/store/backends.h": "".join(back),
            "src/store/dispatch.c": "".join(disp)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    files = generate(a.root)
    stale = []
    for path, text in files.items():
        full = os.path.join(a.root, path)
        old = open(full).read() if os.path.exists(full) else None
        if old != text:
            stale.append(path)
            if not a.check:
                open(full, "w").write(text)
    if a.check and stale:
        print("out of date (run python3 scripts/gen-store-dispatch.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
