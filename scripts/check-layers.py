#!/usr/bin/env python3
"""check-layers.py - the include check (issue 16 item 1, docs/conventions.md "Layers").

Reads every `#include "..."` in src/ and cli/, finds the file it names (next
to the includer, then src/, src/util/, include/, cli/, as the build does), and
fails naming the file, the line and the forbidden edge when a lower layer
includes a higher one, or two units of the same layer include each other;
and where FIELD_RULES says so, when a unit reads what it may not of a header
it includes (the scanner and the vault handle's keys and map).

A unit is a folder under src/ (src/scan/readers is part of scan), cli/, or
one of the headers named in UNITS below (a header that sits lower than its
folder, e.g. vault/handle.h: the handle's definition, no functions).
Headers we do not own (<...>, or "..." not found in the tree) are not checked.

Only includes are checked.  The raw SQL still run outside src/store through
store_sql / store_sqlite_db is issue 16 item 3 (the storage interface), not
this check: those calls need no include beyond store/store.h, which every
layer above store may include.

PENDING lists the edges that remain to be broken, each with the reason; they
are printed, not failed, and the check fails when one of them no longer
occurs (remove it from the list then), so the list only shrinks.

Usage: check-layers.py [--root DIR]   exit 0 clean, 1 forbidden edges, 2 usage.
"""
import os
import re
import sys

# Lowest first.  A unit may include itself, include/ (the public header) and
# every unit of a lower layer; nothing else.
LAYERS = [
    ["util"],
    ["data", "render"],
    ["store"],
    ["keys"],
    ["vault/handle.h"],
    ["audit"],
    ["policy"],
    ["vault"],
    ["rights", "auth"],
    ["incident", "mail", "scan"],
    ["backup", "doctor"],
    ["front"],
    ["server"],
    ["cli"],
]

# Edges still to break: (from unit, to unit): why.  Printed, never failed;
# the check fails when a listed edge has gone (so it is taken off).
PENDING = {
}

# Units that may include a header but not read some of what it defines:
# (unit, pattern, what to do instead).
FIELD_RULES = [
    ("scan", re.compile(r"->\s*(kr|map|bkeys|has_bkey)\b"),
     "the scanner does not read the vault handle's keys or map: use vault_lookup_field (vault/vault_int.h)"),
]

INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def unit_of(root, path):
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    if rel.startswith("include/"):
        return "include"
    if rel.startswith("cli/"):
        return "cli"
    if rel.startswith("src/"):
        rest = rel[len("src/"):]
        if rest in RANK:  # a header with a layer of its own
            return rest
        return rest.split("/", 1)[0]
    return None


def resolve(root, includer, name):
    here = os.path.dirname(includer)
    for d in (here, os.path.join(root, "src"), os.path.join(root, "src", "util"), os.path.join(root, "include"),
              os.path.join(root, "cli")):
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(p):
            return p
    return None


RANK = {u: i for i, layer in enumerate(LAYERS) for u in layer}


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(argv) == 3 and argv[1] == "--root":
        root = os.path.abspath(argv[2])
    elif len(argv) != 1:
        print("usage: check-layers.py [--root DIR]", file=sys.stderr)
        return 2
    bad, seen = [], {}
    for top in ("src", "cli"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h", ".cc")):
                    continue
                path = os.path.join(d, f)
                src = unit_of(root, path)
                if src not in RANK:
                    bad.append(f"{os.path.relpath(path, root)}: folder '{src}' has no layer: add it to LAYERS "
                               "in scripts/check-layers.py and to the picture in docs/conventions.md")
                    continue
                with open(path, encoding="utf-8", errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        for unit, pat, instead in FIELD_RULES:
                            if unit == src and pat.search(line):
                                bad.append(f"{os.path.relpath(path, root)}:{n}: forbidden use "
                                           f"'{pat.search(line).group(0)}': {instead}")
                        m = INC.match(line)
                        if not m:
                            continue
                        target = resolve(root, path, m.group(1))
                        if target is None:
                            continue
                        dst = unit_of(root, target)
                        if dst in (None, "include", src):
                            continue
                        if dst not in RANK:
                            continue  # reported as a file of its own
                        if RANK[dst] < RANK[src]:
                            continue
                        where = f"{os.path.relpath(path, root)}:{n}"
                        if (src, dst) in PENDING:
                            seen.setdefault((src, dst), []).append(where)
                            continue
                        how = "a higher layer" if RANK[dst] > RANK[src] else "a unit of the same layer"
                        bad.append(f"{where}: forbidden include \"{m.group(1)}\": {src} -> {dst} ({how}; "
                                   "see the layers in docs/conventions.md)")
    for edge, why in PENDING.items():
        if edge not in seen:
            bad.append(f"scripts/check-layers.py: pending edge {edge[0]} -> {edge[1]} no longer occurs: "
                       "take it off PENDING")
        else:
            print(f"pending (issue 16): {edge[0]} -> {edge[1]}: {why}; at {', '.join(seen[edge])}")
    for b in bad:
        print(b, file=sys.stderr)
    if bad:
        print(f"check-layers: {len(bad)} problem(s)", file=sys.stderr)
        return 1
    print("check-layers: every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
