/**
 * Runs once before the suite: builds (or confirms up to date) every builtin
 * plugin and the hostile-plugin corpus, so tests run against wasm compiled
 * from the sources in this checkout, never against stale or opaque binaries;
 * and the raw-socket addon for this Node (a no-op when it already loads).
 */

import { buildAll } from '../sdk/build/build-all.ts';
import { buildNative } from '../scripts/build-native.ts';
import { buildHostileCorpus } from './hostile/build.ts';

export default async function setup(): Promise<void> {
  buildNative({ log: () => undefined });
  await buildAll({ log: () => undefined });
  await buildHostileCorpus();
}
