/**
 * The `yaml` package, loaded on first use. Most scans read no YAML at all
 * (no config file, no --dag), and evaluating the package costs ~18 ms of a
 * start-up that the benchmark against nmap counts. It ships CommonJS for
 * Node, so a synchronous require serves the synchronous parsers.
 *
 * @example
 * const doc = yaml().parseDocument(text, { uniqueKeys: true });
 */

import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');

let loaded: Yaml | null = null;

export function yaml(): Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as Yaml;
  return loaded;
}
