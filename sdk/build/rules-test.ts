/**
 * The rules self-test for authors (docs/rules.md):
 *
 *   node sdk/build/rules-test.ts plugins/<name>... | path/to/rules.yaml...
 *   node sdk/build/rules-test.ts            (every plugins/<name>/rules.yaml)
 *
 * Prints one `FILE:LINE: rule <id>: message` line per failing example,
 * counterexample or bad rule, then a summary per file on stderr. Exit codes:
 * 0 all pass, 1 a failure, 2 usage.
 */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, listPluginDirs } from './build-all.ts';
import { RULES_FILE } from './rules.ts';
import { formatFailure, rulesFileOf, selfTestRules } from '../testing/rules-selftest.ts';

/** Every plugins/<name>/rules.yaml of a plugin (a folder with a plugin.json), sorted. */
export function listRulesFiles(root = REPO_ROOT): string[] {
  return listPluginDirs(root)
    .map((d) => path.join(d, RULES_FILE))
    .filter((f) => fs.existsSync(f));
}

/** The CLI: failures to `out`, summaries and usage to `err`; returns the exit code. */
export async function rulesTestMain(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(l),
  err: (line: string) => void = (l) => process.stderr.write(l),
): Promise<number> {
  if (argv.some((a) => a.startsWith('-'))) {
    err('usage: node sdk/build/rules-test.ts [plugins/<name> | rules.yaml]...\n');
    return 2;
  }
  const files = argv.length > 0 ? argv.map(rulesFileOf) : listRulesFiles();
  let failed = 0;
  for (const file of files) {
    if (!fs.existsSync(file)) {
      out(`${file}:1: no such rules file\n`);
      failed++;
      continue;
    }
    const report = await selfTestRules(file);
    for (const f of report.failures) out(`${formatFailure(f)}\n`);
    failed += report.failures.length;
    err(
      `${report.file}: ${report.rules} rules, ${report.examples} examples, ${report.counterexamples} counterexamples: ${report.failures.length === 0 ? 'ok' : `${report.failures.length} failing`}\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await rulesTestMain(process.argv.slice(2));
}
