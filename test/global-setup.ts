/**
 * Runs once before the suite: builds (or confirms up to date) every builtin
 * plugin and the hostile-plugin corpus, so tests run against wasm compiled
 * from the sources in this checkout, never against stale or opaque binaries.
 */

import { buildAll } from '../sdk/build/build-all.ts';
import { buildHostileCorpus } from './hostile/build.ts';

export default async function setup(): Promise<void> {
  await buildAll({ log: () => undefined });
  await buildHostileCorpus();
}
