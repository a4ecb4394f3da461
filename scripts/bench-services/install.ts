/**
 * Installing the benchmark's Debian packages: apt-get, noninteractive, no
 * recommends, waiting for the dpkg lock; a policy-rc.d that answers 101
 * ("action forbidden") so no package's maintainer script starts its daemon
 * system-wide, removed again if this script put it there.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { have, log } from './common.ts';

const POLICY = '/usr/sbin/policy-rc.d';

export function aptInstall(pkgs: string[]): void {
  if (pkgs.length === 0) return;
  if (!have('apt-get')) throw new Error(`missing packages ${pkgs.join(' ')} and no apt-get to install them`);
  const ours = !fs.existsSync(POLICY);
  if (ours) fs.writeFileSync(POLICY, '#!/bin/sh\n# written by pentora scripts/bench-services.ts while it installs\nexit 101\n', { mode: 0o755 });
  try {
    log(`apt-get install ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const args = ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', '--no-install-recommends', ...pkgs];
    let r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) {
      // Stale package lists are the usual cause: refresh once and retry.
      spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'update'], { stdio: ['ignore', 'inherit', 'inherit'], env });
      r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    }
    if (r.status !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed (exit ${r.status})`);
  } finally {
    if (ours) fs.rmSync(POLICY, { force: true });
  }
}
