/**
 * The rules self-test (docs/rules.md) over every plugins/<name>/rules.yaml
 * present when the suite runs (none is fine), through the same
 * AssemblyScript engine plugins run; and the self-test itself, on rules
 * files made in a temp dir, including the author CLI's output and exit code.
 */

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../sdk/build/build-all.ts';
import { listRulesFiles, rulesTestMain } from '../../sdk/build/rules-test.ts';
import { formatFailure, selfTestRules } from '../../sdk/testing/rules-selftest.ts';

const files = listRulesFiles();

describe('every plugin rules.yaml passes its self-test', () => {
  it('finds the rules files (zero is fine)', () => {
    expect(Array.isArray(files)).toBe(true);
  });
  it.each(files.map((f) => [path.relative(REPO_ROOT, f)]))('%s', async (file) => {
    const report = await selfTestRules(path.join(REPO_ROOT, file));
    expect(report.failures.map(formatFailure)).toEqual([]);
    expect(report.examples).toBeGreaterThanOrEqual(report.rules);
  });
});

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-rules-selftest-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const PASSING = `rules:
  - id: openssh
    on: ssh.software
    pattern: '^OpenSSH_([\\w.]+)'
    product: OpenSSH
    version: $1
    vendor: openbsd
    cpe: 'cpe:2.3:a:openbsd:openssh:{version}:*:*:*:*:*:*:*'
    confidence: 95
    fields: { flavour: portable }
    examples:
      - input: 'OpenSSH_9.2p1'
        expect: { product: OpenSSH, version: 9.2p1, cpe: 'cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*', confidence: 95, fields.flavour: portable }
    counterexamples: ['dropbear_2022.83']
  - id: dropbear
    on: ssh.software
    pattern: '^dropbear_([\\d.]+)'
    flags: i
    product: Dropbear SSH
    version: $1
    cpe: 'cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:{version}:*:*:*:*:*:*:*'
    examples:
      - input: 'dropbear_2022.83'
        expect: { version: '2022.83', service: '' }
`;

const FAILING = `rules:
  - id: generic
    on: ssh.software
    pattern: '^\\w+_([\\d.]+)$'
    product: unknown
    version: $1
    examples:
      - input: 'Generic_1.0'
  - id: dropbear
    on: ssh.software
    pattern: '^dropbear_([\\d.]+)'
    product: Dropbear SSH
    version: $1
    cpe: 'cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:$0:*:*:*:*:*:*:*'
    examples:
      - input: 'dropbear_2022.83'
      - input: 'Dropbear_2022.83'
    counterexamples: ['dropbear_1']
  - id: openssh
    on: ssh.software
    pattern: '^OpenSSH_(\\S+)(?: (Debian))?'
    product: OpenSSH
    version: $1
    os: '$2'
    examples:
      - input: 'OpenSSH_9.2p1 x'
        expect: { product: OpenBSD Secure Shell, version: 9.2p1, os: Debian }
    counterexamples: ['OpenSSH_', 'OpenSSH_8.0']
  - id: escaped-cpe
    on: other
    pattern: '(\\S+)'
    product: x
    cpe: 'cpe:2.3:a:x:$1:*:*:*:*:*:*:*:*'
    examples:
      - input: 'ok'
        expect: { cpe: 'cpe:2.3:a:x:ok:*:*:*:*:*:*:*:*' }
`;

function writeRules(name: string, text: string): string {
  const file = path.join(tmpRoot, name, 'rules.yaml');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('selfTestRules', () => {
  it('passes a file whose examples hold', async () => {
    const report = await selfTestRules(path.dirname(writeRules('pass', PASSING)));
    expect(report.failures).toEqual([]);
    expect([report.rules, report.examples, report.counterexamples]).toEqual([2, 2, 1]);
  });

  it('reports each failing example with its line', async () => {
    const file = writeRules('fail', FAILING);
    const report = await selfTestRules(file);
    expect(report.failures.map((f) => `${f.line}: ${f.rule}: ${f.message}`)).toEqual([
      '16: dropbear: example "dropbear_2022.83" is taken first by rule generic (line 2); move this rule above it or narrow that one',
      '17: dropbear: example "Dropbear_2022.83" does not match (or ran out of steps)',
      '18: dropbear: counterexample "dropbear_1" matches',
      '26: openssh: example "OpenSSH_9.2p1 x": product is "OpenSSH", expected "OpenBSD Secure Shell"',
      '26: openssh: example "OpenSSH_9.2p1 x": os is "", expected "Debian"',
      '28: openssh: counterexample "OpenSSH_8.0" matches',
    ]);
    expect(formatFailure(report.failures[0]!)).toMatch(/rules\.yaml:16: rule dropbear: example /);
  });

  it('a file that does not load reports its load problems', async () => {
    const report = await selfTestRules(writeRules('broken', PASSING.replace("pattern: '^dropbear_", "pattern: '^dropbear_(")));
    expect(report.failures.map((f) => `${f.line}: ${f.message}`)).toEqual(['17: rule dropbear: bad pattern: missing ) at offset 19']);
  });
});

describe('node sdk/build/rules-test.ts', () => {
  it('prints one line per failure and returns 1 (in-process)', async () => {
    const cwd = process.cwd();
    const pass = path.dirname(writeRules('cli-pass', PASSING));
    const fail = writeRules('cli-fail', FAILING);
    const out: string[] = [];
    const err: string[] = [];
    process.chdir(tmpRoot);
    let code: number;
    try {
      code = await rulesTestMain([pass, fail], (l) => out.push(l), (l) => err.push(l));
    } finally {
      process.chdir(cwd);
    }
    expect(code).toBe(1);
    expect(out).toHaveLength(6);
    expect(out[0]).toBe('cli-fail/rules.yaml:16: rule dropbear: example "dropbear_2022.83" is taken first by rule generic (line 2); move this rule above it or narrow that one\n');
    expect(err).toEqual([
      'cli-pass/rules.yaml: 2 rules, 2 examples, 1 counterexamples: ok\n',
      'cli-fail/rules.yaml: 4 rules, 5 examples, 3 counterexamples: 6 failing\n',
    ]);
    expect(await rulesTestMain(['--help'], () => undefined, () => undefined)).toBe(2);
    expect(await rulesTestMain([path.join(tmpRoot, 'nowhere')], (l) => out.push(l), () => undefined)).toBe(1);
    expect(out.at(-1)).toMatch(/nowhere\/rules\.yaml:1: no such rules file\n$/);
  });

  it('exits 1 on a failure and 0 when all pass (a real process)', async () => {
    const run = promisify(execFile);
    const cli = path.join(REPO_ROOT, 'sdk/build/rules-test.ts');
    const failed = await run(process.execPath, [cli, writeRules('exit-fail', FAILING)], { cwd: tmpRoot }).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    expect(failed).toBe(1);
    const ok = await run(process.execPath, [cli, path.dirname(writeRules('exit-pass', PASSING))], { cwd: tmpRoot });
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toBe('exit-pass/rules.yaml: 2 rules, 2 examples, 1 counterexamples: ok\n');
  });
});
