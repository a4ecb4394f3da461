/**
 * `pentora plugin verify` as an operator runs it: a copy of a builtin in a
 * plugin folder added through the workspace config, one byte of its wasm
 * flipped. The command must exit 3 (verification failed, errors.ts) and name
 * the plugin. The builtin's own dist/ is never touched: the tampering happens
 * on the copy.
 */

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ExitCode } from '../../host/errors.ts';
import { BUILTIN_PLUGINS_DIR, REPO_ROOT } from '../../host/engine/catalog.ts';
import { sha256Hex } from '../../host/trust/ed25519.ts';
import { copyBuiltin, flipByte, tempDir } from './support.ts';

const NAME = 'pentora/ssh-parser';
let root: string;
let pluginDir: string;

function pentora(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'pentora.mjs'), ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        PENTORA_WORKSPACE: path.join(root, 'workspace'),
        // No user config from the machine running the tests.
        HOME: path.join(root, 'home'),
        XDG_CONFIG_HOME: path.join(root, 'home', '.config'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  root = tempDir('cli-verify');
  const plugins = path.join(root, 'plugins');
  pluginDir = copyBuiltin('ssh-parser', plugins);
  fs.mkdirSync(path.join(root, 'workspace', 'config'), { recursive: true });
  fs.writeFileSync(path.join(root, 'workspace', 'config', 'pentora.yaml'), `plugins:\n  dirs: [${JSON.stringify(plugins)}]\n`);
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

it('plugin verify exits 0 while the copy is intact, then 3 naming the plugin once one wasm byte is flipped', async () => {
  const builtinWasm = path.join(BUILTIN_PLUGINS_DIR, 'ssh-parser', 'dist', 'plugin.wasm');
  const signed = (JSON.parse(fs.readFileSync(path.join(pluginDir, 'manifest.json'), 'utf8')) as { wasm: { sha256: string } }).wasm.sha256;

  // Control: the same command over the intact copy passes, so exit 3 below is the flipped byte's doing.
  const before = await pentora(['plugin', 'verify', NAME]);
  expect(before.code, before.stderr).toBe(ExitCode.Ok);
  expect(before.stdout.match(/^ok {6}pentora\/ssh-parser /gm)).toHaveLength(2); // the builtin and the copy

  flipByte(path.join(pluginDir, 'plugin.wasm'), 200);
  const actual = sha256Hex(fs.readFileSync(path.join(pluginDir, 'plugin.wasm')));
  const after = await pentora(['plugin', 'verify', NAME]);
  expect(after.code, after.stderr).toBe(3); // ExitCode.Verification, the documented code for a refused plugin
  const failed = after.stdout.split('\n').filter((l) => l.startsWith('FAILED'));
  expect(failed).toHaveLength(1);
  expect(failed[0]).toContain(`FAILED  ${NAME}: ${path.join(pluginDir, 'plugin.wasm')}: ${NAME} wasm does not match its signed manifest`);
  expect(failed[0]).toContain(`expected sha256 ${signed}`);
  expect(failed[0]).toContain(`got sha256 ${actual}`);
  // The builtin itself still verifies, and its file was never modified.
  expect(after.stdout.match(/^ok {6}pentora\/ssh-parser /gm)).toHaveLength(1);
  expect(sha256Hex(fs.readFileSync(builtinWasm))).toBe(signed);
});
