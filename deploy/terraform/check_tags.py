#!/usr/bin/env python3
"""Every taggable resource in every module carries environment and service.

usage: check_tags.py TREE

TREE is a copy of deploy/terraform whose modules/network is initialised
(test.sh runs this after validate).  The provider's own schema says which
resource types take `tags`; each such resource block must set `tags` from
the module's `local.tags` (alone or merged), and each module's `local.tags`
must set `environment` and `service`.  Prints one TAP line per module,
without numbers (test.sh numbers them).
"""
import json
import os
import re
import subprocess
import sys

RESOURCE = re.compile(r'^resource\s+"([a-z0-9_]+)"\s+"([A-Za-z0-9_-]+)"\s*\{')


def taggable_types(tree):
    out = subprocess.run(
        ["terraform", "-chdir=" + os.path.join(tree, "modules", "network"),
         "providers", "schema", "-json"],
        check=True, capture_output=True, text=True).stdout
    schemas = json.loads(out)["provider_schemas"]
    aws = schemas["registry.terraform.io/hashicorp/aws"]["resource_schemas"]
    return {t for t, s in aws.items() if "tags" in s["block"].get("attributes", {})}


def blocks(text):
    """Yields (type, name, body lines at depth 1) of each resource block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = RESOURCE.match(lines[i])
        if not m:
            i += 1
            continue
        depth = lines[i].count("{") - lines[i].count("}")
        top = []
        i += 1
        while i < len(lines) and depth > 0:
            if depth == 1:
                top.append(lines[i])
            depth += lines[i].count("{") - lines[i].count("}")
            i += 1
        yield m.group(1), m.group(2), top


def check_module(path, taggable):
    bad, count, text = [], 0, ""
    for f in sorted(os.listdir(path)):
        if f.endswith(".tf"):
            with open(os.path.join(path, f)) as fh:
                text += fh.read() + "\n"
    locals_tags = re.search(r'\n\s*tags\s*=\s*merge\(var\.tags,\s*\{(.*?)\}\)', text, re.S)
    if not locals_tags or not re.search(r'\benvironment\s*=', locals_tags.group(1)) \
            or not re.search(r'\bservice\s*=', locals_tags.group(1)):
        bad.append("local.tags lacks environment or service")
    for rtype, name, top in blocks(text):
        if rtype not in taggable:
            continue
        count += 1
        line = next((l for l in top if re.match(r'\s*tags\s*=', l)), None)
        if line is None or "local.tags" not in line and "local.service_tags" not in line:
            bad.append(f"{rtype}.{name}")
    return count, bad


def main():
    tree = sys.argv[1]
    taggable = taggable_types(tree)
    mods = os.path.join(tree, "modules")
    for m in sorted(os.listdir(mods)):
        count, bad = check_module(os.path.join(mods, m), taggable)
        if bad:
            print(f"not ok - tags: modules/{m}: untagged: {', '.join(bad)}")
        else:
            print(f"ok - tags: modules/{m}: {count} taggable resources tagged")


if __name__ == "__main__":
    main()
