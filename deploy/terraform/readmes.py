#!/usr/bin/env python3
"""Inputs and outputs tables of each module's README.md.

usage: readmes.py [--write] [TREE]

Reads every `variable` and `output` block of modules/*/ (description, type,
default) and renders two tables between the markers
<!-- inputs:begin --> and <!-- io:end --> of the module's README.md.
Without --write, prints one TAP line per module (unnumbered) saying
whether the README is current.
"""
import os
import re
import sys

BLOCK = re.compile(r'^(variable|output)\s+"([^"]+)"\s*\{', re.M)
BEGIN, END = "<!-- inputs:begin (deploy/terraform/readmes.py --write) -->", "<!-- io:end -->"


def block_body(text, start):
    depth, i = 0, start
    while i < len(text):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    return text[start:]


def attr(body, name):
    m = re.search(r'^\s*' + name + r'\s*=\s*(.*)$', body, re.M)
    if not m:
        return None
    value = m.group(1).strip()
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    if value.startswith("<<-EOT"):
        h = re.search(r'<<-EOT\n(.*?)\n\s*EOT', body, re.S)
        return " ".join(h.group(1).split()) if h else value
    if value in ("{", "["):
        return "(see variables.tf)"
    return value


def tables(path):
    inputs, outputs = [], []
    for f in sorted(os.listdir(path)):
        if not f.endswith(".tf"):
            continue
        with open(os.path.join(path, f)) as fh:
            text = fh.read()
        for m in BLOCK.finditer(text):
            body = block_body(text, text.index("{", m.start()))
            desc = (attr(body, "description") or "").replace("|", "\\|")
            if m.group(1) == "variable":
                typ = (attr(body, "type") or "any").replace("|", "\\|")
                if typ.startswith("map(object(") or typ.startswith("object("):
                    typ = "object (see variables.tf)"
                default = attr(body, "default")
                req = "required" if default is None else f"`{default}`"
                inputs.append(f"| `{m.group(2)}` | {typ} | {req} | {desc} |")
            else:
                outputs.append(f"| `{m.group(2)}` | {desc} |")
    return "\n".join(["## Inputs", "", "| name | type | default | description |",
                      "|---|---|---|---|", *inputs, "", "## Outputs", "",
                      "| name | description |", "|---|---|", *outputs]) + "\n"


def main():
    args = sys.argv[1:]
    write = "--write" in args
    args = [a for a in args if a != "--write"]
    top = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    mods = os.path.join(top, "modules")
    for m in sorted(os.listdir(mods)):
        readme = os.path.join(mods, m, "README.md")
        text = open(readme).read() if os.path.exists(readme) else ""
        i, j = text.find(BEGIN), text.find(END)
        want = tables(os.path.join(mods, m))
        if write:
            if i < 0 or j < i:
                sys.exit(f"{readme}: no {BEGIN} ... {END} markers")
            with open(readme, "w") as fh:
                fh.write(text[:i + len(BEGIN)] + "\n" + want + text[j:])
        elif i >= 0 and j > i and text[i + len(BEGIN):j].strip("\n") + "\n" == want:
            print(f"ok - readme modules/{m}: inputs and outputs current")
        else:
            print(f"not ok - readme modules/{m}: run deploy/terraform/readmes.py --write")


if __name__ == "__main__":
    main()
