/**
 * What every benchmark report says of where and from what it ran: the
 * machine, and the commit of the checkout.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

import { REPO } from '../../ui-tests/fixtures';
import { round } from './stats';

/**
 * The machine a run took place on.
 */
export interface IMachine {
  cpu: string;
  cores: number;
  memory_gb: number;
  os: string;
  node: string;
  chromium: string;
  load_average_at_end: number[];
}

/**
 * The machine now (call it at the end of a run: the load average is now's).
 */
export function machineNow(chromium: string): IMachine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gb: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    chromium,
    load_average_at_end: os.loadavg().map(v => round(v, 2))
  };
}

/**
 * The checkout's commit, and whether tracked files differ from it.
 */
export function checkout(): { commit: string; dirty: boolean } {
  return {
    commit: Private.git(['rev-parse', '--short', 'HEAD']),
    dirty:
      Private.git(['status', '--porcelain', '--untracked-files=no']).length > 0
  };
}

namespace Private {
  /**
   * The output of a git command in the repository ('' when it fails).
   */
  export function git(args: string[]): string {
    const out = spawnSync('git', args, { cwd: REPO });
    return out.status === 0 ? out.stdout.toString().trim() : '';
  }
}
