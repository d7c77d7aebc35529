"""crewlog render: byte-for-byte output, partials from a directory, and
file:line:col errors with exit status 1."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestRun, tmpdir  # noqa: E402

t = TestRun("render")
BIN = os.environ.get("CREWLOG_BIN")


def write(d, name, data):
    p = os.path.join(d, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def render(*args):
    return subprocess.run([BIN, "render"] + list(args), capture_output=True)


@t.test("renders byte for byte, nothing added")
def _():
    d = tmpdir()
    tpl = write(d, "t.mustache", b"Hi {{name}}! {{{raw}}} {{n}}")
    data = write(d, "d.json", b'{"name": "<Buzz>", "raw": "<b>", "n": 1.1}')
    r = render(tpl, data)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"Hi &lt;Buzz&gt;! <b> 1.1", r.stdout
    assert r.stderr == b""


@t.test("partials resolve to DIR/NAME.mustache")
def _():
    d = tmpdir()
    pd = os.path.join(d, "partials")
    os.mkdir(pd)
    write(pd, "row.mustache", b"<li>{{.}}</li>\n")
    tpl = write(d, "t.mustache", b"<ul>\n{{#xs}}\n  {{>row}}\n{{/xs}}\n</ul>\n")
    data = write(d, "d.json", b'{"xs": ["a", "b"]}')
    r = render("--partials", pd, tpl, data)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n", r.stdout


@t.test("a template error prints file:line:col and exits 1")
def _():
    d = tmpdir()
    tpl = write(d, "bad.mustache", b"ok\n  {{#entries}}\n")
    data = write(d, "d.json", b"{}")
    r = render(tpl, data)
    assert r.returncode == 1
    assert r.stdout == b""
    want = ("%s:2:3: section \"entries\" opened at 2:3 is never closed\n"
            % tpl).encode()
    assert r.stderr == want, r.stderr


@t.test("a data error prints file:line:col and exits 1")
def _():
    d = tmpdir()
    tpl = write(d, "t.mustache", b"{{a}}")
    data = write(d, "d.json", b'{"a": 1,\n "a": 2}')
    r = render(tpl, data)
    assert r.returncode == 1
    assert r.stderr.startswith(data.encode() + b":2:"), r.stderr
    assert b"duplicate" in r.stderr, r.stderr


@t.test("a missing file and bad usage exit 1 with a message")
def _():
    r = render("/nonexistent.mustache", "/nonexistent.json")
    assert r.returncode == 1
    assert b"/nonexistent.mustache: No such file or directory" in r.stderr
    r = render("only-one-arg")
    assert r.returncode == 1 and b"usage: crewlog render" in r.stderr


sys.exit(t.main())
