#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript run by Node >= 24's built-in type stripping.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`pentora: Node.js >= 24 is required (this is ${process.version}); run it through npx or npm scripts, which use the project's Node 24\n`);
  process.exit(2);
}
// Stripping the host's TypeScript and compiling it costs ~0.3 s of CPU per start, and as much
// again in every plugin worker; Node's compile cache keeps the result. In a directory of our
// own (never the shared one in /tmp, which another local user could seed), handed to the
// workers through the environment. PENTORA_NO_COMPILE_CACHE=1 turns it off.
if (!process.env.PENTORA_NO_COMPILE_CACHE) {
  const { default: module } = await import('node:module');
  const { homedir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = process.env.NODE_COMPILE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pentora', 'node-compile-cache');
  process.env.NODE_COMPILE_CACHE = dir;
  module.enableCompileCache?.(dir);
}
const { main } = await import('../host/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
