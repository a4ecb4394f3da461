/**
 * Runs once before the suite: builds (or confirms up to date) every builtin
 * plugin and the hostile-plugin corpus, so tests run against wasm compiled
 * from the sources in this checkout, never against stale or opaque binaries;
 * and the raw-socket addon for this Node (a no-op when it already loads).
 *
 * Every plugin is tried; when some fail to build the run stops with all their
 * errors. PENTORA_TEST_KEEP_GOING=1 runs the tests anyway (for work on one
 * plugin while another is half-written): the failed plugins' tests then run
 * against whatever dist/ they had, so never use it for a verdict.
 */

import { describeError } from '../host/errors.ts';
import { buildAll, listPluginDirs } from '../sdk/build/build-all.ts';
import { buildNative } from '../scripts/build-native.ts';
import { buildHostileCorpus } from './hostile/build.ts';

export default async function setup(): Promise<void> {
  buildNative({ log: () => undefined });
  const failed: string[] = [];
  for (const dir of listPluginDirs()) {
    try {
      await buildAll({ dirs: [dir], log: () => undefined });
    } catch (err) {
      failed.push(`${dir}: ${describeError(err)}`);
    }
  }
  if (failed.length > 0) {
    const text = `plugin build failed:\n${failed.join('\n')}`;
    if (process.env.PENTORA_TEST_KEEP_GOING !== '1') throw new Error(`${text}\n(PENTORA_TEST_KEEP_GOING=1 runs the tests anyway, against the old dist/)`);
    process.stderr.write(`${text}\n(PENTORA_TEST_KEEP_GOING=1: going on)\n`);
  }
  await buildHostileCorpus();
}
