#!/usr/bin/env python3
"""test_docs.py - the command table, --help, the completion, docs/cli.md and
the man page agree (docs/conventions.md, "Documentation").

usage: test_docs.py --fortress BIN --root SOURCE_DIR

For every command of the table (`fortress --json help`) and every option,
long and short:
  * the parser accepts it (`fortress PATH --opt --help` exits 0, while an
    option that does not exist exits 2);
  * `fortress PATH --help` lists it, and `fortress --help --all` the command;
  * the bash and fish completions offer it;
  * docs/cli.md has a synopsis line for the command that names it;
  * the man page's entry for the command names it (synopsis and option list);
and the other way round: every `--option` docs/cli.md's prose names is an
option of some command, and every `fortress COMMAND` line of a synopsis block
is a command.  Then scripts/gendocs.py --check: the generated parts are what
the table and docs/cli.md make now.  Prints one line per problem; exit 1 when
there is one.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

problems = []


def problem(msg):
    problems.append(msg)
    print("FAIL: " + msg)


def run(fortress, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTRESS_")}
    env.update(LC_ALL="C", NO_COLOR="1")
    p = subprocess.run([fortress] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def has_token(text, tok):
    """TOK (an option such as --out or -o) occurs in TEXT as a whole word."""
    return re.search(r"(?<![\w-])" + re.escape(tok) + r"(?![\w-])", text) is not None


def cli_md_synopses(text):
    """{command path: synopsis text} from docs/cli.md's indented 'fortress ...' lines."""
    out, cur = {}, None
    for line in text.split("\n"):
        if line.startswith("    fortress "):
            cur = line.strip()
            out.setdefault(cur, "")
            out[cur] = cur
        elif cur and line.startswith("     ") and line.strip():
            out[cur] += " " + line.strip()
        else:
            cur = None
    return list(out.values())


def man_plain(troff):
    """The man page source with troff escapes for '-' and fonts taken out."""
    t = troff.replace("\\-", "-").replace("\\%", "").replace("\\&", "")
    return re.sub(r"\\f[BIRP]", "", t)


def man_entries(troff):
    """{command path: text of its entry}: each '.TP' whose tag starts 'fortress PATH'."""
    lines = man_plain(troff).split("\n")
    entries, cur = {}, None
    for i, line in enumerate(lines):
        if i > 0 and lines[i - 1] == ".TP" and line.startswith("fortress "):
            cur = line
            entries[cur] = line
        elif line.startswith((".SS", ".SH", ".PP")):
            cur = None
        elif cur:
            entries[cur] += "\n" + line
    return entries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fortress", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    root = Path(a.root)
    rc, out, err = run(a.fortress, ["--json", "help"])
    if rc != 0:
        print(f"FAIL: fortress --json help: exit {rc}: {err}")
        return 1
    table = json.loads(out)
    leaves = [c for c in table["commands"] if "synopsis" in c]
    cli_md = (root / "docs/cli.md").read_text(encoding="utf-8")
    man = (root / "docs/man/fortress.1").read_text(encoding="utf-8")
    entries = man_entries(man)
    synopses = cli_md_synopses(cli_md)
    _, help_all, _ = run(a.fortress, ["--help", "--all"])
    _, bash, _ = run(a.fortress, ["completion", "bash"])
    _, fish, _ = run(a.fortress, ["completion", "fish"])
    all_long = {o["long"] for o in table["global_options"]}

    # the probe itself must be able to fail
    path0 = leaves[0]["path"].split()
    rc, _, _ = run(a.fortress, path0 + ["--no-such-option-at-all", "--help"])
    if rc != 2:
        problem(f"fortress {' '.join(path0)} --no-such-option-at-all --help exits {rc}, not 2: the parser probe tells nothing")

    for cmd in leaves:
        path = cmd["path"]
        words = path.split()
        rc, help_text, herr = run(a.fortress, words + ["--help"])
        if rc != 0:
            problem(f"'fortress {path} --help' exits {rc}: {herr.strip()}")
        if not re.search(r"^  " + re.escape(path) + r"\s", help_all, re.M):
            problem(f"'fortress --help --all' does not list '{path}'")
        lines = [s for s in synopses if s == f"fortress {path}" or s.startswith(f"fortress {path} ")]
        # a longer command path with this prefix is another command's line
        lines = [s for s in lines if not any(s.startswith(f"fortress {o['path']}") and len(o["path"]) > len(path)
                                             for o in leaves if o["path"].startswith(path + " "))]
        if not lines:
            problem(f"docs/cli.md has no synopsis line 'fortress {path} ...'")
        md = " ".join(lines)
        entry = entries.get(next((k for k in entries if k == f"fortress {path}" or k.startswith(f"fortress {path} ")), ""), "")
        if not entry:
            problem(f"the man page has no entry for 'fortress {path}'")
        case = re.search(r"^\t'" + re.escape(path) + r"'\) echo \"([^\"]*)\"", bash, re.M)
        for o in cmd["options"]:
            long_, short = "--" + o["long"], ("-" + o["short"]) if o.get("short") else None
            all_long.add(o["long"])
            val = o["kind"] != "flag"
            for form in ([long_] + ([short] if short else [])):
                probe = [form + ("=x" if form.startswith("--") else "x")] if val else [form]
                rc, _, perr = run(a.fortress, words + probe + ["--help"])
                if rc != 0:
                    problem(f"the parser refuses '{' '.join(['fortress', path] + probe)} --help' (exit {rc}): {perr.strip()}")
                if not has_token(help_text, form):
                    problem(f"'fortress {path} --help' does not list {form}")
                if lines and not has_token(md, form):
                    problem(f"docs/cli.md's synopsis of 'fortress {path}' does not name {form}")
                if entry and not has_token(entry, form):
                    problem(f"the man page's entry for 'fortress {path}' does not name {form}")
            if not case or not has_token(case.group(1), long_):
                problem(f"the bash completion does not offer {long_} for '{path}'")
            fish_line = [ln for ln in fish.split("\n") if f" -l {o['long']} " in ln + " "
                         and all(f"__fish_seen_subcommand_from {w}'" in ln or f"__fish_seen_subcommand_from {w};" in ln
                                 for w in words)]
            if not fish_line:
                problem(f"the fish completion does not offer {long_} for '{path}'")
            elif short and not any(f"-s {o['short']}" in ln for ln in fish_line):
                problem(f"the fish completion does not offer {short} for '{path}'")

    # the global options: --help --all, docs/cli.md's table, the man page's section
    gsec = man_plain(man)
    gsec = gsec[gsec.find(".SH GLOBAL OPTIONS"):gsec.find(".SH COMMANDS")]
    for o in table["global_options"]:
        for form in ["--" + o["long"]] + (["-" + o["short"]] if o.get("short") else []):
            if not has_token(help_all, form):
                problem(f"'fortress --help --all' does not list the global option {form}")
            if not re.search(r"^\| `[^|]*" + re.escape(form) + r"\b", cli_md, re.M):
                problem(f"docs/cli.md's table of global options does not name {form}")
            if not has_token(gsec, form):
                problem(f"the man page's GLOBAL OPTIONS do not name {form}")

    # the other way: what docs/cli.md names exists
    commands_part = cli_md[cli_md.find("\n## Commands"):]
    for m in sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", commands_part))):
        if m not in all_long:
            problem(f"docs/cli.md names --{m}, which no command has")
    paths = {c["path"] for c in leaves}
    for line in cli_md.split("\n"):
        if line.startswith("    fortress ") and not line.startswith("    fortress ["):
            w = line.split()[1:]
            if not any(" ".join(w[:n]) in paths for n in (1, 2, 3)):
                problem(f"docs/cli.md's synopsis line '{line.strip()[:60]}' is not a command of the table")

    # the generated parts are up to date
    gen = root / "scripts/gendocs.py"
    p = subprocess.run([sys.executable, str(gen), "--fortress", a.fortress, "--root", str(root), "--check"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        sys.stdout.write(p.stdout.decode("utf-8", "replace"))
        problem("docs/cli.md or docs/man/fortress.1 is out of date: run 'make docs' and commit the result")

    n_opts = sum(len(c["options"]) for c in leaves)
    print(f"{len(leaves)} commands, {n_opts} command options, {len(table['global_options'])} global options: "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
