#!/usr/bin/env python3
"""test_check_layers.py - scripts/check-layers.py on small made-up trees: it
passes a tree whose includes point down and fails, naming the file, the line
and the edge, on each kind of forbidden include (up a layer, across a layer,
an unknown folder) and on the scanner reading the handle's keys.

Usage: test_check_layers.py --root SOURCE_ROOT   (exit 0 when every case holds)
"""
import os
import subprocess
import sys
import tempfile


def tree(d, files):
    for path, text in files.items():
        p = os.path.join(d, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)


BASE = {
    "include/fortress.h": "",
    "src/util/util.h": '#include "fortress.h"\n',
    "src/store/store.h": '#include "util.h"\n',
    "src/vault/handle.h": '#include "store/store.h"\n',
    "src/vault/vault_int.h": '#include "vault/handle.h"\n',
    "src/audit/audit.h": '#include "vault/handle.h"\n',
    "src/vault/vault.c": '#include "vault/vault_int.h"\n#include "audit/audit.h"\n',
    "src/scan/run.c": '#include "vault/vault_int.h"\nint f(void) { return 0; }\n',
    "src/mail/mail.c": '#include "util.h"\n',
    "cli/main.c": '#include "fortress.h"\n#include "util.h"\n',
}


def run(script, files):
    with tempfile.TemporaryDirectory(prefix="layers-") as d:
        tree(d, files)
        p = subprocess.run([sys.executable, script, "--root", d], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main(argv):
    if len(argv) != 3 or argv[1] != "--root":
        print(__doc__, file=sys.stderr)
        return 2
    script = os.path.join(argv[2], "scripts", "check-layers.py")
    cases = [
        ("clean tree", {}, 0, ["every include points down"]),
        ("up a layer", {"src/util/buf.c": '#include <stdio.h>\n#include "vault/vault_int.h"\n'}, 1,
         ['src/util/buf.c:2: forbidden include "vault/vault_int.h": util -> vault (a higher layer']),
        ("below the handle", {"src/audit/audit.c": '#include "audit/audit.h"\n#include "vault/vault_int.h"\n'}, 1,
         ["src/audit/audit.c:2:", "audit -> vault (a higher layer"]),
        ("across a layer", {"src/mail/smtp.c": '#include "scan/scan_int.h"\n', "src/scan/scan_int.h": ""}, 1,
         ['src/mail/smtp.c:1: forbidden include "scan/scan_int.h": mail -> scan (a unit of the same layer']),
        ("header next to its includer", {"src/util/x.h": '#include "../vault/handle.h"\n'}, 1,
         ["src/util/x.h:1:", "util -> vault/handle.h"]),
        ("unknown folder", {"src/zzz/a.c": '#include "util.h"\n'}, 1, ["src/zzz/a.c: folder 'zzz' has no layer"]),
        ("scanner reads the keys", {"src/scan/run.c": '#include "vault/vault_int.h"\nint f(fort_vault *v) { return !v->kr; }\n'},
         1, ["src/scan/run.c:2: forbidden use '->kr'"]),
    ]
    failed = 0
    for name, extra, want_rc, want in cases:
        files = dict(BASE)
        files.update(extra)
        rc, out = run(script, files)
        ok = rc == want_rc and all(w in out for w in want)
        print(f"{'ok' if ok else 'FAIL'}: {name} (exit {rc})")
        if not ok:
            failed += 1
            print(out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
