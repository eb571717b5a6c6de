/**
 * CPU time and memory of processes, read from /proc (Linux).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  } catch {
    return 100;
  }
})();

/**
 * User + system CPU time of a process, in ms (0 when it is gone).
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf-8');
    // Fields after the command (which may hold spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/**
 * Resident set size of a process, in MB.
 */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf-8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Parent pid and command name of every process.
 */
function processTable(): Map<number, { ppid: number; comm: string }> {
  const table = new Map<number, { ppid: number; comm: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf-8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.set(Number(entry), { ppid, comm });
    } catch {
      // gone
    }
  }
  return table;
}

/**
 * Pids of the descendants of `root` whose command name matches `comm`.
 */
export function descendants(root: number, comm: RegExp): number[] {
  const table = processTable();
  const result: number[] = [];
  for (const [pid, info] of table) {
    let parent = info.ppid;
    let depth = 0;
    while (parent > 1 && parent !== root && depth < 20) {
      parent = table.get(parent)?.ppid ?? 0;
      depth++;
    }
    if (parent === root && comm.test(info.comm)) {
      result.push(pid);
    }
  }
  return result;
}

/**
 * Total CPU time of a set of pids, in ms.
 */
export function totalCpuMs(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}
