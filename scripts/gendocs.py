#!/usr/bin/env python3
"""gendocs.py - docs/cli.md's synopses and the man page, from the command table.

One source (docs/conventions.md, "Documentation"):

  * the command table in cli/ (each command's name, summary, synopsis and
    options with their one-line help) is the source of every command and
    option; `fortress --json help` prints it, `--help`, the usage lines and
    the shell completion are made from it at run time;
  * docs/cli.md is the source of the prose: what each command does, its
    output and exit codes.  Its synopsis blocks (indented lines
    `    fortress COMMAND ...`) are generated: this script rewrites each such
    line from the table;
  * docs/man/fortress.1 is generated: docs/man/fortress.1.in (the page's
    frame: name, description, environment, exit status, files, examples)
    with @COMMANDS@ replaced by docs/cli.md's "Commands" part in troff, each
    command with its synopsis and its options from the table.

usage: gendocs.py --fortress BIN [--root DIR] [--check]

--check writes nothing and exits 1 when a generated file is not what the
table and docs/cli.md make (`make docs` regenerates them).  No network.
"""
import argparse
import difflib
import json
import re
import subprocess
import sys
from pathlib import Path

WRAP = 100


class DocError(Exception):
    pass


def load_table(fortress):
    out = subprocess.run([fortress, "--json", "help"], check=True, stdout=subprocess.PIPE).stdout
    table = json.loads(out)
    leaves = {c["path"]: c for c in table["commands"] if "synopsis" in c}
    return table, leaves


def command_of(words, leaves):
    """The longest command path that WORDS (after 'fortress') start with."""
    for n in range(min(len(words), 3), 0, -1):
        path = " ".join(words[:n])
        if path in leaves:
            return path
    return None


def synopsis_units(syn):
    """The synopsis split at spaces outside [...] and (...): lines break only between these."""
    units, depth, cur = [], 0, ""
    for ch in syn:
        if ch == " " and depth == 0:
            if cur:
                units.append(cur)
            cur = ""
            continue
        depth += (ch in "[(") - (ch in "])")
        cur += ch
    if cur:
        units.append(cur)
    return units


def synopsis_lines(path, cmd, indent="    "):
    """'fortress PATH SYNOPSIS' wrapped at WRAP columns, continued under the first argument."""
    head = f"{indent}fortress {path}"
    lines, cur = [], head
    for w in synopsis_units(cmd["synopsis"]):
        if len(cur) + 1 + len(w) > WRAP and cur.strip() != head.strip() and len(cur) > len(head):
            lines.append(cur)
            cur = " " * len(head)
        cur += " " + w
    lines.append(cur)
    return lines


def split_blocks(lines):
    """Yield (start, end) of each indented block (4 spaces) that follows a blank line."""
    i = 0
    while i < len(lines):
        if lines[i].startswith("    ") and (i == 0 or lines[i - 1].strip() == ""):
            j = i
            while j < len(lines) and lines[j].startswith("    ") and lines[j].strip():
                j += 1
            yield i, j
            i = j
        else:
            i += 1


def block_commands(lines, start, end, leaves):
    """The command paths a synopsis block names, in order; None when it is no synopsis block."""
    first = lines[start]
    if not first.startswith("    fortress "):
        return None
    if command_of(first.split()[1:], leaves) is None:
        return None
    paths = []
    for k in range(start, end):
        line = lines[k]
        if line.startswith("    fortress "):
            p = command_of(line.split()[1:], leaves)
            if p is None:
                raise DocError(f"docs/cli.md:{k + 1}: '{line.strip()}' is not a command of the table "
                               "(cli/): fix the line, or add the command to the table")
            if p not in paths:
                paths.append(p)
        elif not line.startswith("     "):
            raise DocError(f"docs/cli.md:{k + 1}: a synopsis block line must start 'fortress COMMAND' "
                           "(or continue one, indented further)")
    return paths


def gen_cli_md(text, leaves):
    lines = text.split("\n")
    out, seen, last = [], [], 0
    for start, end in split_blocks(lines):
        paths = block_commands(lines, start, end, leaves)
        if paths is None:
            continue
        out.extend(lines[last:start])
        for p in paths:
            out.extend(synopsis_lines(p, leaves[p]))
        seen.extend(paths)
        last = end
    out.extend(lines[last:])
    missing = [p for p in leaves if p not in seen]
    if missing:
        raise DocError("docs/cli.md has no synopsis line for: " + ", ".join(missing) +
                       ".  Add a line '    fortress COMMAND' to the synopsis block of the section "
                       "where it belongs (and say what it does below it), then run 'make docs'.")
    return "\n".join(out)


# ------------------------------------------------------------------ troff

def esc(s):
    """Plain text for troff: backslashes, hyphens left alone, non-ASCII as \\[uXXXX]."""
    s = s.replace("\\", "\\e")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in s)


def esc_lit(s):
    """Literal text (a command, an option, a value): hyphens are minus signs."""
    return esc(s).replace("-", "\\-")


def inline(s):
    """Markdown inline markup to troff: `code`, **bold**, *emphasis*, [link](url)."""
    out = []
    for k, part in enumerate(re.split(r"(`[^`]*`)", s)):
        if k % 2:
            out.append("\\fB" + esc_lit(part[1:-1]) + "\\fR")
            continue
        part = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", part)
        part = esc(part)
        part = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", part)
        part = re.sub(r"(?<![*\w])\*([^*\s][^*]*)\*(?![*\w])", r"\\fI\1\\fR", part)
        out.append(part)
    return "".join(out)


def text_lines(s):
    """Lines of troff text: none may start with '.' or \"'\" (a request)."""
    res = []
    for line in s.split("\n"):
        line = line.strip()
        if line.startswith((".", "'")):
            line = "\\&" + line
        res.append(line)
    return res


def troff_synopsis(syn):
    """FILE and the like in italics, options and literal words in bold."""
    out = []
    for tok in re.findall(r"--?[A-Za-z0-9][A-Za-z0-9-]*|[A-Za-z][A-Za-z0-9_.-]*|\s+|.", syn):
        if tok.startswith("-") and len(tok) > 1:
            out.append("\\fB\\%" + esc_lit(tok) + "\\fR")    # \% : never hyphenated
        elif re.fullmatch(r"[A-Z][A-Z0-9_]*", tok):
            out.append("\\fI" + esc(tok) + "\\fR")
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", tok):
            out.append("\\fB" + esc_lit(tok) + "\\fR")
        else:
            out.append(esc(tok))
    return "".join(out)


def troff_command(path, cmd):
    res = [".TP", "\\fBfortress " + esc_lit(path) + "\\fR " + troff_synopsis(cmd["synopsis"])]
    summary = cmd["summary"]
    res.extend(text_lines(esc(summary[0].upper() + summary[1:]) + "."))
    if cmd["options"]:
        res.append(".RS")
        for o in cmd["options"]:
            tag = ("\\fB\\-" + esc_lit(o["short"]) + "\\fR, " if o.get("short") else "") + \
                  "\\fB\\-\\-" + esc_lit(o["long"]) + "\\fR"
            if o.get("arg"):
                tag += " \\fI" + esc(o["arg"]) + "\\fR"
            res.append(".TP")
            res.append(tag)
            res.extend(text_lines(esc(o.get("help") or "") + (" (repeatable)" if o["kind"] == "multi" else "")))
        res.append(".RE")
    return res


def troff_table(rows):
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    body = [r for r in cells[1:] if not all(re.fullmatch(r":?-+:?", c) for c in r)]
    res = []
    for r in body:
        res.append(".TP")
        res.append(inline(r[0]) if r[0] else "\\&")
        rest = [c for c in r[1:] if c]
        res.extend(text_lines(inline(" \u2014 ".join(rest)) if rest else "\\&"))
    return res


def md_to_troff(text, leaves):
    """docs/cli.md's 'Commands' part as the body of the man page's COMMANDS section."""
    lines = text.split("\n")
    blocks = {s: e for s, e in split_blocks(lines)}
    res, para, i = [], [], 0

    def flush():
        if para:
            res.append(".PP")
            res.extend(text_lines(inline(" ".join(para))))
            para.clear()

    while i < len(lines):
        line = lines[i]
        if i in blocks:
            flush()
            end = blocks[i]
            paths = block_commands(lines, i, end, leaves)
            if paths is None:
                res.extend([".PP", ".RS", ".nf"])
                res.extend(text_lines_nf(lines[k][4:]) for k in range(i, end))
                res.extend([".fi", ".RE"])
            else:
                for p in paths:
                    res.extend(troff_command(p, leaves[p]))
            i = end
            continue
        if line.startswith("## "):
            flush()
            i += 1
            continue
        if line.startswith("### "):
            flush()
            res.append(".SS " + esc(line[4:].strip()))
            i += 1
            continue
        if line.startswith("|"):
            flush()
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            res.append(".PP")
            res.extend(troff_table(lines[i:j]))
            i = j
            continue
        if re.match(r"^[*-] ", line):
            flush()
            item = [line[2:]]
            i += 1
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                item.append(lines[i].strip())
                i += 1
            res.append(".IP \\(bu 2")
            res.extend(text_lines(inline(" ".join(item))))
            continue
        if not line.strip():
            flush()
        else:
            para.append(line.strip())
        i += 1
    flush()
    return "\n".join(res)


def text_lines_nf(line):
    line = esc(line)
    return "\\&" + line if line.startswith((".", "'")) else line


def gen_man(template, cli_md, table, leaves):
    start = cli_md.find("\n## Commands")
    if start < 0:
        raise DocError("docs/cli.md has no '## Commands' heading")
    body = md_to_troff(cli_md[start + 1:], leaves)
    if "@COMMANDS@" not in template:
        raise DocError("docs/man/fortress.1.in has no @COMMANDS@ line")
    lines = template.split("\n")
    while lines and lines[0].startswith('.\\"'):
        lines.pop(0)    # the template's own comment, about the template
    return "\n".join(lines).replace("@VERSION@", table["version"]).replace("@COMMANDS@", body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fortress", required=True, help="the fortress binary built from this tree")
    ap.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    ap.add_argument("--check", action="store_true", help="compare only; exit 1 when out of date")
    a = ap.parse_args()
    root = Path(a.root)
    cli_md_path, man_in, man_path = root / "docs/cli.md", root / "docs/man/fortress.1.in", root / "docs/man/fortress.1"
    try:
        table, leaves = load_table(a.fortress)
        old_md = cli_md_path.read_text(encoding="utf-8")
        new_md = gen_cli_md(old_md, leaves)
        header = (".\\\" fortress(1).  GENERATED by scripts/gendocs.py from the command table (cli/),\n"
                  ".\\\" docs/cli.md and docs/man/fortress.1.in: edit those, then run 'make docs'.\n")
        new_man = header + gen_man(man_in.read_text(encoding="utf-8"), new_md, table, leaves)
    except DocError as e:
        print(f"gendocs: {e}", file=sys.stderr)
        return 1
    old_man = man_path.read_text(encoding="utf-8") if man_path.exists() else ""
    stale = [(p, o, n) for p, o, n in ((cli_md_path, old_md, new_md), (man_path, old_man, new_man)) if o != n]
    if a.check:
        for p, o, n in stale:
            rel = p.relative_to(root)
            sys.stderr.writelines(list(difflib.unified_diff(o.splitlines(True), n.splitlines(True),
                                                            f"{rel} (in the tree)", f"{rel} (generated)"))[:60])
            print(f"gendocs: {rel} is not what the command table and docs/cli.md make: run 'make docs'",
                  file=sys.stderr)
        return 1 if stale else 0
    for p, o, n in stale:
        p.write_text(n, encoding="utf-8")
        print(f"gendocs: wrote {p.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
