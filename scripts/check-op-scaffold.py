#!/usr/bin/env python3
"""check-op-scaffold.py - every library operation goes through the operation
scaffold (issue 16 item 2, src/vault/op.h): no file outside src/store and
src/vault/op.c begins, commits or rolls back a store transaction itself
(store_begin, store_commit, store_rollback), so that a new operation cannot
leave out its audit entry or the audit of a refusal unnoticed.

The functions that still do, and why, are the allow-list below, each with its
reason.  The check fails naming the file, line and function of a call the
list does not cover, and names an entry of the list that no longer matches a
call (so the list shrinks as sites are converted).

--selftest runs the scan on a planted tree first (a call outside the list
found, an allowed one passed, a stale entry named): a pattern that stopped
matching would otherwise pass silently.
"""
import argparse
import os
import re
import sys
import tempfile

CALL = re.compile(r'\bstore_(begin|commit|rollback)\s*\(')
# a function definition in this tree's K&R style: at column 0, a name and (
DEF = re.compile(r'^(?:static\s+)?(?:inline\s+)?[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*\([^;]*$')

# (file, function): why it writes its own transaction, for good
ALLOW = {
    # the audit trail itself: where the scaffold's entries are written
    ('src/audit/audit.c', 'audit_append_unsigned'):
        'the audit layer: an unsigned entry (failed unlock, user request) in its own transaction',
    ('src/audit/audit.c', 'audit_record'):
        'the audit layer: one entry in its own transaction (the scaffold audits refusals through it)',
    ('src/audit/writer.c', 'write_batch'):
        'the server\'s group commit: one transaction per batch of entries of many handles',
    # the vault's own repairs at open, before any operation
    ('src/audit/seal.c', 'seal_upgrade'): 'the seal upgrade at open: no operation yet',
    ('src/audit/seal.c', 'seal_adopt'): 'the seal upgrade at open: no operation yet',
    ('src/audit/seal.c', 'seal_index_regroup'): 'the search entries regrouped per client at open (schema 19): no operation yet',
    ('src/vault/idxmac.c', 'vault_index_mac_upgrade'): 'the index MAC upgrade at open: no operation yet',
    ('src/vault/recmac.c', 'vault_records_upgrade'): 'the record format upgrade at open: no operation yet',
    # streaming
    ('src/vault/export.c', 'fort_client_export'):
        'streaming: rows written out while they are read, the exports record at the end',
    ('src/vault/attach.c', 'attach_add_fd'): 'streaming: the file is read inside the transaction',
    # no vault handle
    ('src/backup/copy.c', 'fort_store_copy'): 'backup: copies one store into another, two transactions at once',
    ('src/vault/users.c', 'vault_user_request_in'):
        'no vault handle: someone not yet a user asks to join (an unsigned entry on the bare store)',
    ('src/rights/intake.c', 'fort_intake_submit'):
        'anonymous: no role, no entry (the inbox is not sealed); the intake key read in the same transaction',
}

def function_of(lines, i):
    for j in range(i, -1, -1):
        m = DEF.match(lines[j])
        if m and not lines[j].startswith((' ', '\t', '#', '/', '*', '}')):
            return m.group(1)
    return '?'


def scan(root):
    """[(file, line, function)] of every call outside src/store and op.c"""
    found = []
    for top in ('src', 'cli'):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith(('.c', '.h')):
                    continue
                path = os.path.join(d, f)
                rel = os.path.relpath(path, root).replace(os.sep, '/')
                if rel.startswith('src/store/') or rel == 'src/vault/op.c':
                    continue
                with open(path, encoding='utf-8', errors='replace') as fh:
                    lines = fh.read().split('\n')
                for i, line in enumerate(lines):
                    code = line.split('//')[0]
                    if CALL.search(code) and not code.lstrip().startswith(('*', '/*')):
                        found.append((rel, i + 1, function_of(lines, i)))
    return found


def check(root, allow):
    bad, used = [], set()
    for rel, line, fn in scan(root):
        if (rel, fn) in allow:
            used.add((rel, fn))
        else:
            bad.append('%s:%d: %s() begins/commits a transaction itself: run it through vault_op_run / '
                       'vault_op_step / vault_op_nested (src/vault/op.h), or add it to the allow-list in '
                       'scripts/check-op-scaffold.py with the reason' % (rel, line, fn))
    for rel, fn in sorted(set(allow) - used):
        bad.append('%s: %s() is on the allow-list but no longer calls store_begin/commit/rollback: '
                   'remove its line from scripts/check-op-scaffold.py' % (rel, fn))
    return bad


def selftest():
    with tempfile.TemporaryDirectory(prefix='fort-op-scaffold-') as t:
        os.makedirs(os.path.join(t, 'src', 'vault'))
        os.makedirs(os.path.join(t, 'src', 'store'))
        with open(os.path.join(t, 'src', 'vault', 'a.c'), 'w') as f:
            f.write('int fort_new_op(fort_vault *v)\n{\n\tif ((r = store_begin(v->st)) < 0)\n\t\treturn r;\n'
                    '\treturn store_commit(v->st);\n}\n\nstatic int allowed(store *s)\n{\n\tstore_rollback(s);\n}\n')
        with open(os.path.join(t, 'src', 'store', 'ok.c'), 'w') as f:
            f.write('int store_x(store *s)\n{\n\treturn store_begin(s);\n}\n')
        bad = check(t, {('src/vault/a.c', 'allowed'): 'x', ('src/vault/b.c', 'gone'): 'x'})
        want = ['src/vault/a.c:3: fort_new_op()', 'src/vault/a.c:5: fort_new_op()', 'src/vault/b.c: gone()']
        if len(bad) != 3 or any(not b.startswith(w) for b, w in zip(bad, want)):
            print('check-op-scaffold: the self-test on a planted tree found %r, wanted %r: the scan is broken'
                  % (bad, want), file=sys.stderr)
            return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--root', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    ap.add_argument('--list', action='store_true', help='print every call found, with its function')
    a = ap.parse_args()
    if a.list:
        for rel, line, fn in scan(a.root):
            print('%s:%d: %s' % (rel, line, fn))
        return 0
    if selftest():
        return 1
    bad = check(a.root, dict(ALLOW))
    for b in bad:
        print(b, file=sys.stderr)
    if bad:
        print('check-op-scaffold: %d problem(s)' % len(bad), file=sys.stderr)
        return 1
    print('check-op-scaffold: ok (%d functions allowed with a reason)' % len(ALLOW))
    return 0


if __name__ == '__main__':
    sys.exit(main())
