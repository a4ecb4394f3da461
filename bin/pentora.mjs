#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript run by Node >= 24's built-in type stripping.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`pentora: Node.js >= 24 is required (this is ${process.version}); run it through npx or npm scripts, which use the project's Node 24\n`);
  process.exit(2);
}
const { main } = await import('../host/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
