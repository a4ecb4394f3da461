/**
 * sdk/build: a plugin folder becomes plugin.wasm + manifest.json +
 * manifest.sig that the loader's own checks accept, and anything the loader
 * would refuse (bad template, env imports, missing exports) fails the build
 * first, with a message naming the plugin.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlugin } from '../../sdk/build/build.ts';
import { buildAll } from '../../sdk/build/build-all.ts';
import { SDK_DIR } from '../../sdk/build/compile.ts';
import { parseManifest } from '../../host/sandbox/manifest.ts';
import { verifyEnvelope } from '../../host/trust/envelope.ts';
import { newSigningKey } from '../../host/trust/keys.ts';
import { TrustStore } from '../../host/trust/trust-store.ts';
import { PentoraError } from '../../host/errors.ts';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pentora-build-test-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const key = newSigningKey();
const trust = new TrustStore([{ keyid: key.keyid, publicKey: key.publicKey, namespaces: ['test/*'], tier: 'test', source: 'test' }]);

const TEMPLATE = {
  name: 'test/echo',
  version: '1.0.0',
  abi: 1,
  type: 'parser',
  requires: ['banners'],
  provides: ['parsed_services'],
  config: { level: { type: 'integer', default: 3, min: 0, max: 9 } },
  capabilities: {},
  limits: { memory_pages: 32, cpu_ms: 1000 },
};

/** A plugin folder in the temp dir; `body` is the module code after the SDK import. */
function makePlugin(name: string, body: string, template: Record<string, unknown> = TEMPLATE, withExports = true): string {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  const sdk = path.relative(path.join(dir, 'src'), SDK_DIR).split(path.sep).join('/');
  fs.writeFileSync(path.join(dir, 'plugin.json'), JSON.stringify(template, null, 2));
  fs.writeFileSync(
    path.join(dir, 'src', 'index.ts'),
    [
      `import { PluginModule, ExecuteContext, register, contextGet } from "${sdk}/index";`,
      withExports ? `export * from "${sdk}/exports";` : '',
      body,
    ].join('\n'),
  );
  return dir;
}

const ECHO = `
class Echo extends PluginModule {
  execute(ctx: ExecuteContext): string | null {
    ctx.summary.setInt("banners", contextGet("banners").len());
    return null;
  }
}
register(new Echo("test/echo", "1.0.0"));
`;

async function buildError(dir: string): Promise<PentoraError> {
  const err = await buildPlugin(dir, { key, optimize: false }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PentoraError);
  return err as PentoraError;
}

describe('buildPlugin', () => {
  it('writes a wasm, a manifest whose digest matches it, and a signature that verifies', async () => {
    const dir = makePlugin('echo', ECHO);
    const { manifest, dir: dist } = await buildPlugin(dir, { key });
    expect(dist).toBe(path.join(dir, 'dist'));
    const wasm = fs.readFileSync(path.join(dist, 'plugin.wasm'));
    const bytes = fs.readFileSync(path.join(dist, 'manifest.json'));
    const sig = fs.readFileSync(path.join(dist, 'manifest.sig'));
    expect(manifest.wasm).toEqual({ sha256: createHash('sha256').update(wasm).digest('hex'), size: wasm.length });
    expect(parseManifest(bytes, 'manifest.json')).toEqual(manifest);
    expect(verifyEnvelope(bytes, sig, trust, { where: 'manifest.sig' }).keys.map((k) => k.keyid)).toEqual([key.keyid]);
    // Stable layout: canonical key order, 2-space JSON, trailing newline.
    expect(Object.keys(JSON.parse(bytes.toString()))).toEqual(['name', 'version', 'abi', 'type', 'wasm', 'requires', 'provides', 'config', 'capabilities', 'limits']);
    expect(bytes.toString()).toBe(JSON.stringify(JSON.parse(bytes.toString()), null, 2) + '\n');
    // The module imports only pentora.* and exports the whole ABI.
    const mod = new WebAssembly.Module(wasm);
    expect(WebAssembly.Module.imports(mod).every((i) => i.module === 'pentora')).toBe(true);
    expect(WebAssembly.Module.exports(mod).map((e) => e.name).sort()).toEqual(['alloc', 'cleanup', 'configure', 'dealloc', 'describe', 'execute', 'memory']);
  });

  it('is reproducible: a rebuild gives identical bytes', async () => {
    const dir = makePlugin('repro', ECHO);
    await buildPlugin(dir, { key });
    const first = fs.readFileSync(path.join(dir, 'dist', 'manifest.json'));
    await buildPlugin(dir, { key });
    expect(fs.readFileSync(path.join(dir, 'dist', 'manifest.json')).equals(first)).toBe(true);
  });

  it('a signature over the manifest does not verify once the manifest changes', async () => {
    const dir = makePlugin('tamper', ECHO);
    await buildPlugin(dir, { key, optimize: false });
    const bytes = fs.readFileSync(path.join(dir, 'dist', 'manifest.json'));
    const sig = fs.readFileSync(path.join(dir, 'dist', 'manifest.sig'));
    const widened = Buffer.from(bytes.toString().replace('"capabilities": {}', '"capabilities": {"net": {"syn": true}}'));
    expect(() => verifyEnvelope(widened, sig, trust, { where: 'manifest.sig' })).toThrow(/does not verify/);
  });

  it('refuses a bad template, naming the file and the field', async () => {
    const dir = makePlugin('badtype', ECHO, { ...TEMPLATE, type: 'scanr' });
    const err = await buildError(dir);
    expect(err.code).toBe('PENTORA_E_MANIFEST');
    expect(err.message).toContain(path.join(dir, 'plugin.json'));
    expect(err.message).toMatch(/type/);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  it('refuses a template default outside its own bounds', async () => {
    const dir = makePlugin('baddefault', ECHO, { ...TEMPLATE, config: { level: { type: 'integer', default: 12, max: 9 } } });
    expect((await buildError(dir)).message).toMatch(/plugin\.json: default of config\.level/);
  });

  it('refuses a template that carries its own wasm digest', async () => {
    const dir = makePlugin('haswasm', ECHO, { ...TEMPLATE, wasm: { sha256: 'a'.repeat(64), size: 100 } });
    expect((await buildError(dir)).message).toMatch(/must not contain "wasm"/);
  });

  it('refuses a template that is not JSON', async () => {
    const dir = makePlugin('notjson', ECHO);
    fs.writeFileSync(path.join(dir, 'plugin.json'), '{"name": "test/x",');
    const err = await buildError(dir);
    expect(err.message).toContain(`${path.join(dir, 'plugin.json')}: cannot read the manifest template`);
  });

  it('refuses a plugin that imports from env (Math.random needs env.seed)', async () => {
    const dir = makePlugin('random', ECHO.replace('contextGet("banners").len()', '<i32>(Math.random() * 10)'));
    const err = await buildError(dir);
    expect(err.code).toBe('PENTORA_E_WASM_IMPORT');
    expect(err.message).toMatch(/^test\/echo: plugin\.wasm imports function "env\.seed"; only the pentora\.\{call,take,output,abort\} functions are allowed \(Math\.random/);
  });

  it('refuses a plugin declaring its own foreign import', async () => {
    const dir = makePlugin('foreign', `@external("wasi_snapshot_preview1", "fd_write") declare function fd_write(a: i32, b: i32, c: i32, d: i32): i32;\n${ECHO.replace('return null;', 'fd_write(1, 0, 0, 0); return null;')}`);
    expect((await buildError(dir)).message).toMatch(/imports function "wasi_snapshot_preview1\.fd_write"/);
  });

  it('refuses a plugin that does not re-export the ABI entry points', async () => {
    const dir = makePlugin('noexports', ECHO, TEMPLATE, false);
    const err = await buildError(dir);
    expect(err.code).toBe('PENTORA_E_WASM_INVALID');
    expect(err.message).toMatch(/lacks the export\(s\) alloc, dealloc, describe, configure, execute, cleanup/);
  });

  it('reports a compile error as one line naming the plugin and the first diagnostic', async () => {
    const dir = makePlugin('typo', ECHO.replace('return null;', 'const x: i32 = "nope"; return null;'));
    const err = await buildError(dir);
    expect(err.code).toBe('PENTORA_E_PLUGIN');
    expect(err.message).toMatch(/^test\/echo: compile failed: ERROR TS2322: Type '~lib\/string\/String' is not assignable to type 'i32'\. at src\/index\.ts\(\d+,\d+\)$/);
  });
});

describe('buildAll', () => {
  it('skips up-to-date plugins, rebuilds on a source change or --force', async () => {
    const dir = makePlugin('stamped', ECHO);
    const lines: string[] = [];
    const run = (force = false) => buildAll({ dirs: [dir], key, optimize: false, force, log: (l) => lines.push(l) });
    expect((await run()).map((r) => r.status)).toEqual(['built']);
    expect((await run()).map((r) => r.status)).toEqual(['up-to-date']);
    expect((await run(true)).map((r) => r.status)).toEqual(['built']);
    fs.appendFileSync(path.join(dir, 'src', 'index.ts'), '\n// edited\n');
    expect((await run()).map((r) => r.status)).toEqual(['built']);
    fs.rmSync(path.join(dir, 'dist', 'manifest.sig'));
    expect((await run()).map((r) => r.status)).toEqual(['built']);
    expect(lines[1]).toBe('build test/echo: up to date');
    expect(lines[0]).toMatch(/^build test\/echo 1\.0\.0: built \(\d+\.\d KiB, \d+\.\ds\)$/);
  });

  it('a key change invalidates the stamp', async () => {
    const dir = makePlugin('rekey', ECHO);
    const run = (k = key) => buildAll({ dirs: [dir], key: k, optimize: false, log: () => undefined });
    await run();
    expect((await run(newSigningKey())).map((r) => r.status)).toEqual(['built']);
  });

  it('stops at the first failing plugin with its name', async () => {
    const good = makePlugin('good', ECHO);
    const bad = makePlugin('bad', ECHO.replace('return null;', 'return 42;'), { ...TEMPLATE, name: 'test/bad' });
    await expect(buildAll({ dirs: [bad, good], key, optimize: false, log: () => undefined })).rejects.toThrow(/^test\/bad: compile failed/);
  });
});
