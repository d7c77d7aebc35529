#!/usr/bin/env python3
"""Checks of .github/workflows that actionlint does not make.

usage: workflow_checks.py WORKFLOW...

For each workflow prints TAP lines without numbers (lint-workflows numbers
them):
  pins          every third-party action is pinned by a full commit SHA
  permissions   the workflow grants nothing by default and every job says
                what it needs
  shellcheck    every run: step passes shellcheck, ${{ }} expressions
                replaced by a plain word as GitHub substitutes them first
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
EXPR = re.compile(r"\$\{\{.*?\}\}", re.S)


def check_pins(name, wf):
    bad = []
    for job_id, job in (wf.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps") or []):
            uses = step.get("uses")
            if uses is None or uses.startswith("./") or uses.startswith("docker://"):
                continue
            if not PINNED.match(uses):
                bad.append(f"{job_id} step {i + 1}: {uses}")
    if bad:
        print(f"not ok - pins {name}: not pinned by commit SHA: {'; '.join(bad)}")
    else:
        print(f"ok - pins {name}")


def check_permissions(name, wf):
    problems = []
    if wf.get("permissions") != {}:
        problems.append("top level must be `permissions: {}`")
    for job_id, job in (wf.get("jobs") or {}).items():
        perms = job.get("permissions")
        if not isinstance(perms, dict):
            problems.append(f"job {job_id} states no permissions")
        elif "write-all" in perms.values() or perms == "write-all":
            problems.append(f"job {job_id} asks for write-all")
    if problems:
        print(f"not ok - permissions {name}: {'; '.join(problems)}")
    else:
        print(f"ok - permissions {name}")


def shell_of(wf, job, step):
    for scope in (step, job.get("defaults", {}).get("run", {}),
                  wf.get("defaults", {}).get("run", {})):
        if isinstance(scope, dict) and scope.get("shell"):
            return scope["shell"].split()[0]
    return "bash"


def check_shell(name, wf):
    failures, count = [], 0
    for job_id, job in (wf.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps") or []):
            script = step.get("run")
            if script is None:
                continue
            shell = shell_of(wf, job, step)
            if shell not in ("bash", "sh"):
                continue
            count += 1
            text = EXPR.sub("GITHUB_EXPRESSION", script)
            with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
                # GitHub runs bash steps with -e and pipefail.
                f.write(f"#!/bin/{shell}\nset -e\n{text}")
                path = f.name
            try:
                r = subprocess.run(["shellcheck", "-s", shell, "-f", "gcc", path],
                                   capture_output=True, text=True)
            finally:
                os.unlink(path)
            if r.returncode != 0:
                where = step.get("name") or f"step {i + 1}"
                failures.append((f"{job_id}/{where}", r.stdout.replace(path, "run")))
    if failures:
        print(f"not ok - shellcheck {name}: {len(failures)} of {count} run steps")
        for where, out in failures:
            print(f"# {where}")
            for line in out.splitlines():
                print(f"#   {line}")
    else:
        print(f"ok - shellcheck {name}: {count} run steps")


def main():
    for path in sys.argv[1:]:
        name = os.path.basename(path)
        with open(path) as f:
            # "on" is YAML 1.1's true; the key's name does not matter here.
            wf = yaml.safe_load(f)
        check_pins(name, wf)
        check_permissions(name, wf)
        check_shell(name, wf)


if __name__ == "__main__":
    main()
