#!/usr/bin/env python3
"""The web's module graph, and its one rule: an area never imports another area, plumbing never imports an area.

Reads services/web/src/**/*.rs, takes every `use crate::…` / `use super::…` / `use self::…` tree and every
`crate::…::` / `super::…::` path in the code (comments and strings left out), resolves each to the deepest module of
the crate it names, and classifies the top-level modules:

- areas: tickets, listing, people, account, catalog, settings, signin (sign-in, sign-out, API tokens); `auth`
  (sessions, CSRF, cookies, the current user) is plumbing every area uses;
- wiring: startup.rs, lib.rs, main.rs, cli.rs, seed.rs, which may import anything;
- plumbing: everything else.

An area module importing a module of another area is a violation, whatever it imports there (a shared type of
another area belongs in plumbing or in core); so is plumbing importing an area. Prints the edges between
top-level modules with their counts, then the violations as `file:line → module`; exits 1 when there are any.

    scripts/module-graph.py [--src services/web/src]
    scripts/module-graph.py --self-test

Python 3 standard library only.
"""

import argparse
import os
import re
import sys
import tempfile
from collections import Counter, defaultdict

AREAS = {"tickets", "listing", "people", "account", "catalog", "settings", "signin"}
# Top-level files that assemble the rest (the crate roots count as `lib` and `main`).
WIRING = {"startup", "lib", "main", "cli", "seed"}

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def kind_of(top):
    """area, wiring or plumbing, for a top-level module name."""
    if top in AREAS:
        return "area"
    if top in WIRING:
        return "wiring"
    return "plumbing"


def blank(text):
    """The code of `text` with comments and the contents of string and char literals replaced by spaces (newlines
    kept, so offsets and line numbers stay those of the file)."""
    out = list(text)
    n = len(text)
    i = 0

    def wipe(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    def ident_char(c):
        return c.isalnum() or c == "_"

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            wipe(i, j)
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            wipe(i, j)
            i = j
        elif c in "rb" and (i == 0 or not ident_char(text[i - 1])) and re.match(r'(?:br|r)#*"', text[i:]):
            # Raw string: r"…", r#"…"#, br##"…"##.
            m = re.match(r'(?:br|r)(#*)"', text[i:])
            close = '"' + m.group(1)
            start = i + m.end()
            j = text.find(close, start)
            j = n if j < 0 else j + len(close)
            wipe(i, j)
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            wipe(i, j)
            i = j
        elif c == "'":
            # A char literal ('x', '\n', '\u{1F600}', '"'), or a lifetime / label ('a) left alone.
            if i + 1 < n and text[i + 1] == "\\":
                j = text.find("'", i + 2)
                j = n if j < 0 else j + 1
                wipe(i, j)
                i = j
            elif i + 2 < n and text[i + 2] == "'":
                wipe(i, i + 3)
                i += 3
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


TOKEN = re.compile(r"\$?" + IDENT + r"|::|[{},;*]|\S")


def use_leaves(code, start):
    """The paths of the use tree that begins at `start` (just after `use`), as (segments, offset of the leaf's
    first segment), and the offset after its `;`."""
    tokens = []
    for m in TOKEN.finditer(code, start):
        tokens.append((m.group(0), m.start()))
        if m.group(0) == ";":
            break
    pos = 0
    leaves = []

    def peek():
        return tokens[pos][0] if pos < len(tokens) else ";"

    def tree(prefix):
        nonlocal pos
        path, first = [], None
        if peek() == "::":  # a 2015-style `::a::b`: an external crate
            pos += 1
            prefix = ["::"]
        while True:
            tok = peek()
            if tok == "{":
                pos += 1
                while peek() not in ("}", ";"):
                    before = pos
                    tree(prefix + path)
                    if pos == before:  # something this reader does not know: step over it
                        pos += 1
                    if peek() == ",":
                        pos += 1
                if peek() == "}":
                    pos += 1
                return
            if tok == "*":
                pos += 1
                leaves.append((prefix + path, first if first is not None else tokens[pos - 1][1]))
                return
            if re.fullmatch(r"\$?" + IDENT, tok) and tok != "as":
                if first is None:
                    first = tokens[pos][1]
                path.append(tok)
                pos += 1
                if peek() == "::":
                    pos += 1
                    continue
            # End of this leaf: `as name`, `,`, `}` or `;`.
            if peek() == "as":
                pos += 2
            if path:
                leaves.append((prefix + path, first))
            return

    tree([])
    end = tokens[-1][1] + 1 if tokens else len(code)
    return leaves, end


USE = re.compile(r"(?<![A-Za-z0-9_$])use\s+(?=[A-Za-z_$:{])")
INLINE = re.compile(
    r"(?<![A-Za-z0-9_:$])(\$?crate|(?:super\s*::\s*)*super|self)((?:\s*::\s*" + IDENT + r")+)"
)


def inline_modules(code):
    """The `mod name { … }` blocks of a file's (blanked) code, as (start, end, name), outer ones first."""
    blocks = []
    for m in re.finditer(r"(?<![A-Za-z0-9_])mod\s+(" + IDENT + r")\s*\{", code):
        depth, j = 1, m.end()
        while j < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        blocks.append((m.start(), j, m.group(1)))
    return blocks


def module_of(rel):
    """`tickets/view.rs` → ('tickets', 'view'); `tickets/mod.rs` → ('tickets',); `lib.rs` → ()."""
    parts = rel[:-3].split("/")
    if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
        parts = parts[:-1]
    return tuple(parts)


def top_of(rel):
    """The top-level name of a file: its first folder, or its own name (`lib`, `main`, `startup`, …)."""
    return rel[:-3].split("/")[0]


def absolute(segments, here):
    """The path from the crate root that `segments` names from module `here`, or None when it leaves the crate
    (an external crate, `std`, a relative name)."""
    if not segments:
        return None
    head = segments[0]
    if head in ("crate", "$crate"):
        return list(segments[1:])
    if head == "self":
        return list(here) + list(segments[1:])
    if head == "super":
        base = list(here)
        rest = list(segments)
        while rest and rest[0] == "super":
            if not base:
                return None
            base.pop()
            rest.pop(0)
        return base + rest
    return None


def resolve(path, modules):
    """The deepest module of the crate that `path` (from the root) goes through: `api::error::ApiError` →
    ('api', 'error') when api/error.rs exists, else ('api',); () for the crate root."""
    for k in range(len(path), 0, -1):
        if tuple(path[:k]) in modules:
            return tuple(path[:k])
    return ()


def analyse(src):
    """Every module path in the crate under `src`: (files, references), each reference (file, line, from module,
    to module)."""
    files = []
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                files.append(os.path.relpath(os.path.join(root, name), src).replace(os.sep, "/"))
    files.sort()
    modules = {module_of(f) for f in files}
    refs = []
    for rel in files:
        with open(os.path.join(src, rel), encoding="utf-8") as fh:
            code = blank(fh.read())
        here = module_of(rel)
        line_at = lambda offset: code.count("\n", 0, offset) + 1  # noqa: E731
        paths = []
        # Use trees first; their text is then left out of the inline scan.
        masked = list(code)
        for m in USE.finditer(code):
            leaves, end = use_leaves(code, m.end())
            paths.extend(leaves)
            for k in range(m.start(), min(end, len(code))):
                if masked[k] != "\n":
                    masked[k] = " "
        masked = "".join(masked)
        for m in INLINE.finditer(masked):
            before = masked[max(0, m.start() - 16) : m.start()]
            if re.search(r"\bin\s*$", before):  # `pub(in crate::x)` is a visibility, not a use
                continue
            segments = re.sub(r"\s+", "", m.group(1) + m.group(2)).split("::")
            paths.append((segments, m.start()))
        blocks = inline_modules(code)
        for segments, offset in paths:
            inner = tuple(name for start, end, name in blocks if start <= offset < end)
            path = absolute(segments, here + inner)
            if path is None:
                continue
            refs.append((rel, line_at(offset), here, resolve(path, modules)))
    return files, refs


def top_name(module):
    return module[0] if module else "lib"


def violations(refs):
    """The references that break the rule, as (file, line, target module, why), once each."""
    out = []
    for rel, line, _, target in refs:
        src_top, dst_top = top_of(rel), top_name(target)
        src_kind, dst_kind = kind_of(src_top), kind_of(dst_top)
        if src_top == dst_top or src_kind == "wiring" or dst_kind != "area":
            continue
        why = f"{src_kind} {src_top} imports area {dst_top}"
        out.append((rel, line, "::".join(target), why))
    return sorted(set(out), key=lambda v: (v[0], v[1], v[2]))


def report(src, shown_src, out=sys.stdout):
    """Prints the summary and the violations; returns how many violations."""
    files, refs = analyse(src)
    tops = sorted({top_of(f) for f in files})
    kinds = Counter(kind_of(t) for t in tops)
    edges = defaultdict(Counter)
    for rel, _, _, target in refs:
        if top_of(rel) != top_name(target):
            edges[top_of(rel)][top_name(target)] += 1
    bad = violations(refs)
    bad_edges = {(top_of(v[0]), v[2].split("::")[0]) for v in bad}
    print(
        f"module graph of {shown_src}: {len(files)} files, {len(tops)} top-level modules "
        f"({kinds['area']} areas, {kinds['plumbing']} plumbing, {kinds['wiring']} wiring), "
        f"{len(refs)} crate paths, {sum(sum(c.values()) for c in edges.values())} between top-level modules",
        file=out,
    )
    print("edges (paths per target; ! breaks the rule):", file=out)
    width = max((len(t) for t in tops), default=0)
    for top in tops:
        if not edges[top]:
            continue
        targets = ", ".join(
            f"{dst}{'!' if (top, dst) in bad_edges else ''} {n}" for dst, n in sorted(edges[top].items())
        )
        print(f"  {top:<{width}} {kind_of(top):<8} → {targets}", file=out)
    if bad:
        print(f"{len(bad)} violations (an area imports another area, or plumbing imports an area):", file=out)
        for rel, line, target, why in bad:
            print(f"  {shown_src}/{rel}:{line} → {target}  ({why})", file=out)
    else:
        print("no violations: no area imports another area, no plumbing imports an area", file=out)
    return len(bad)


def self_test():
    """Checks the parser and the rule on a small crate written here."""
    crate = {
        "lib.rs": "pub mod tickets;\npub mod listing;\npub mod error;\npub mod startup;\npub mod api;\n",
        "startup.rs": "use crate::{tickets, listing::page::Page};\nuse crate::auth::CurrentUser;\n",
        "error.rs": (
            "// use crate::tickets::view; in a comment\n"
            "/* crate::listing::page /* nested */ crate::tickets */\n"
            'const S: &str = "crate::tickets::view::x";\n'
            "const R: &str = r#\"use crate::listing::page;\"#;\n"
            "const C: char = '\"'; fn f<'a>(x: &'a str) -> &'a str { x }\n"
            "pub(in crate::error) fn g() {}\n"
            "fn h() { crate::tickets::view::render(); }\n"  # line 7: plumbing → area
        ),
        "api/mod.rs": "pub mod error;\nuse crate::error::AppError;\nuse self::error::ApiError;\n",
        "api/error.rs": "use super::super::listing::query::ListQuery;\n",  # line 1: plumbing → area
        "tickets/mod.rs": "pub mod view;\nuse crate::api::error::ApiError;\nuse super::tickets::view::X;\n",
        "tickets/view.rs": (
            "use crate::{\n"
            "    error::AppError as E,\n"
            "    listing::{page::Page, query},\n"  # line 3: area → another area (twice, one line)
            "};\n"
            "use super::view::Y as Z;\n"
            "use crate::signin::*;\n"  # line 6: a glob of another area
            "fn r() { let _ = crate::api::ApiUser::new(); }\n"
            "macro_rules! m { () => { $crate::listing::query::q() } }\n"  # line 8
        ),
        "listing/mod.rs": "pub mod page;\npub mod query;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        "listing/page.rs": "use super::query::Q;\nuse crate::listing::query;\n",
        "listing/query.rs": "use std::collections::HashMap;\nuse ::serde::Deserialize;\n",
        "signin/mod.rs": "use crate::error::AppError;\n",
    }
    with tempfile.TemporaryDirectory() as src:
        for rel, text in crate.items():
            os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
            with open(os.path.join(src, rel), "w", encoding="utf-8") as fh:
                fh.write(text)
        files, refs = analyse(src)
        found = {(rel, line, "::".join(t)) for rel, line, _, t in refs}
        got = [(v[0], v[1], v[2]) for v in violations(refs)]
        with open(os.devnull, "w") as null:
            count = report(src, "src", out=null)
    expected = [
        ("api/error.rs", 1, "listing::query"),
        ("error.rs", 7, "tickets::view"),
        ("tickets/view.rs", 3, "listing::page"),
        ("tickets/view.rs", 3, "listing::query"),
        ("tickets/view.rs", 6, "signin"),
        ("tickets/view.rs", 8, "listing::query"),
    ]
    renamed = sorted(r for r in found if r[:2] == ("tickets/view.rs", 2))
    checks = [
        ("violations", got == expected, got),
        ("report counts them", count == len(expected), count),
        ("a renamed import", renamed == [("tickets/view.rs", 2, "error")], renamed),
        ("super:: in an inline module", ("listing/mod.rs", 5, "listing") in found, None),
        ("a module and its folder", ("tickets/mod.rs", 2, "api::error") in found, None),
        ("self:: from a folder module", ("api/mod.rs", 3, "api::error") in found, None),
        ("super:: twice", ("api/error.rs", 1, "listing::query") in found, None),
        ("an item of a module is that module", ("tickets/view.rs", 7, "api") in found, None),
        ("nothing from comments, strings, visibilities", not any(r[0] == "error.rs" and r[1] < 7 for r in found), None),
        ("external crates left out", not any(r[0] == "listing/query.rs" for r in found), None),
        ("wiring imports anything", not any(v[0] == "startup.rs" for v in got), None),
        ("inside an area", not any(v[0].startswith("listing/") for v in got), None),
    ]
    failed = [(name, detail) for name, ok, detail in checks if not ok]
    for name, detail in failed:
        print(f"self-test FAILED: {name}" + (f": {detail!r}" if detail is not None else ""), file=sys.stderr)
    if not failed:
        print(f"self-test: {len(checks)} checks passed")
    return 1 if failed else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", default=os.path.join(here, "..", "services", "web", "src"))
    parser.add_argument("--self-test", action="store_true", help="check this script on a small crate, then exit")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not os.path.isdir(args.src):
        print(f"no such folder: {args.src}", file=sys.stderr)
        return 2
    shown = os.path.relpath(args.src)
    return 1 if report(args.src, shown) else 0


if __name__ == "__main__":
    sys.exit(main())
