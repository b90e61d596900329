#!/usr/bin/env python3
"""Every CLI command has its page (issue 17): docs/web.md names, for every
command of `fortress --json help` (the command table), the web page and API
route doing the same, or "CLI only: REASON", or "gap: ..." (no page yet).
Fails when a command of the table is missing from docs/web.md, is there
twice, or docs/web.md names a command that does not exist; when a row is
neither pages, nor CLI only with a reason, nor a gap; and when a page or API
route it names is not in the server's tables (src/server/web.c's pages[],
the API routes in src/server/*.c).  Prints the gaps, so they stay visible.

    test_web_coverage.py --fortress build/fortress --root .
"""
import argparse, glob, json, os, re, subprocess, sys


def leaves(cmds):
    return [c["path"] for c in cmds if not c.get("subcommands")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortress", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    out = subprocess.run([a.fortress, "--json", "help"], capture_output=True, text=True, check=True).stdout
    commands = leaves(json.loads(out)["commands"])
    with open(os.path.join(a.root, "docs", "web.md")) as f:
        doc = f.read()
    src = ""
    for p in glob.glob(os.path.join(a.root, "src", "server", "*.c")):
        with open(p) as f:
            src += f.read()
    with open(os.path.join(a.root, "src", "server", "web.c")) as f:
        webc = f.read()
    pages = {(m[0], m[1]) for m in re.findall(r'\{ "(GET|POST)", "(/[^"]*)", \w+', webc) if not m[1].startswith("/api")}
    routes = {(m[0], m[1]) for m in re.findall(r'\{ *"(GET|POST|PUT|PATCH|DELETE)", *"(/api[^"]*)"', src)}
    problems, seen, gaps = [], {}, []
    for line in doc.splitlines():
        m = re.match(r"^\| `([^`]+)` \|(.*?)\|(.*?)\|$", line)
        if not m:
            continue
        cmd, page, api = m.group(1), m.group(2).strip(), m.group(3).strip()
        if cmd in seen:
            problems.append("docs/web.md: '%s' is there twice" % cmd)
        seen[cmd] = page
        if page.startswith("CLI only"):
            if not re.match(r"CLI only: \S.{10,}", page):
                problems.append("docs/web.md: '%s' is CLI only without a reason" % cmd)
            continue
        if page.startswith("gap:"):
            gaps.append(cmd)
            continue
        named = re.findall(r"`(GET|POST) (/[^`]*)`", page)
        if not named:
            problems.append("docs/web.md: '%s' names no page (`METHOD /path`), no 'CLI only: REASON' and no 'gap:'" % cmd)
        for meth, path in named:
            if (meth, path) not in pages:
                problems.append("docs/web.md: '%s': page `%s %s` is not in src/server/web.c's pages" % (cmd, meth, path))
        for meth, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/api[^`]*)`", api):
            if (meth, path) not in routes:
                problems.append("docs/web.md: '%s': API route `%s %s` is not in src/server" % (cmd, meth, path))
    for c in commands:
        if c not in seen:
            problems.append("'fortress %s' is in neither docs/web.md's table (its page or route) nor its CLI-only "
                            "exceptions: add its row" % c)
    for c in seen:
        if c not in commands:
            problems.append("docs/web.md names 'fortress %s', which is no command: remove or rename its row" % c)
    print("%d commands; %d with pages, %d CLI only, %d gaps (no page yet): %s" % (
        len(commands), len([c for c in seen if not seen[c].startswith(("CLI only", "gap:"))]),
        len([c for c in seen if seen[c].startswith("CLI only")]), len(gaps), ", ".join(gaps)))
    for p in problems:
        print("FAIL: " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
