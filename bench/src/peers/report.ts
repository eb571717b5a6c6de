/**
 * The results of `npm run bench -- --peers` and their Markdown table.
 */
import type { IMachine } from '../machine';
import { ms, type ISummary } from '../stats';

/**
 * One step's figures, or why the peer could not do it (`error`).
 */
export interface IStep {
  error?: string;
  [key: string]: unknown;
}

/** A step (alias kept short for the runner). */
export type Step = IStep;

/**
 * One peer's results.
 */
export interface IPeerResult {
  name: string;
  setup: string;
  notes: string[];
  /** Why nothing ran (not installed, did not start). */
  error?: string;
  /** From starting its session (process) to a connected client. */
  connect_ms?: number;
  steps: Record<string, Step>;
}

/**
 * The report written to peers.json.
 */
export interface IPeersReport {
  date: string;
  label: string;
  commit: string;
  dirty: boolean;
  run_seconds: number;
  machine: IMachine;
  server: Record<string, string>;
  options: Record<string, unknown>;
  peers: Record<string, IPeerResult>;
}

/**
 * Render the report as Markdown: the machine, the timing table (p50 / p99
 * and the ratio to the bridge), sizes, staleness, visible edits, and every
 * failure in the peer's own words.
 */
export function render(report: IPeersReport): string {
  const keys = Object.keys(report.peers);
  const peers = keys.map(key => report.peers[key]);
  const base = report.peers.bridge;
  const m = report.machine;
  const lines: string[] = [
    `# Peers, side by side (${report.date.slice(0, 10)})`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.os}, Node ${m.node}, Chromium ${m.chromium}; load average at the end ${m.load_average_at_end.join(' / ')}.`,
    `Commit ${report.commit}${report.dirty ? ' (with uncommitted changes)' : ''}; the run took ${report.run_seconds} s${report.label ? `; ${report.label}` : ''}.`,
    '',
    `One Jupyter server for all (build/venv-peers): ${Object.entries(
      report.server
    )
      .map(([name, version]) => `${name} ${version}`)
      .join(
        ', '
      )}. One kernel per notebook; each peer works on its own copies of the notebooks; the paired JupyterLab page is the user's tab.`,
    '',
    '## Latency, ms: p50 / p99 (p50 and p99 ratio to the bridge)',
    '',
    `| step | ${peers.map(p => p.name).join(' | ')} |`,
    `|---|${peers.map(() => '---').join('|')}|`
  ];
  const timed: [string, string][] = [
    ['read_cell, one cell', 'read_cell'],
    ...Object.keys(base?.steps ?? report.peers[keys[0]]?.steps ?? {})
      .filter(key => key.startsWith('read_page_'))
      .map(
        key =>
          [`50-cell page of a ${key.slice(10)}-cell notebook`, key] as [
            string,
            string
          ]
      ),
    ['insert_cell', 'insert_cell'],
    ['overwrite_cell_source', 'overwrite_cell_source'],
    ['execute_cell, `pass`', 'execute_pass'],
    ['execute_cell, 1 s `time.sleep`', 'execute_sleep_1s'],
    [
      `read_cell, ${String(report.options.clients ?? 8)} concurrent clients`,
      'concurrent'
    ]
  ];
  const notes: string[] = [];
  const cite = (text: string): string => {
    notes.push(text);
    return `[${notes.length}]`;
  };
  /** A table row: each peer's step `key`, or why it has none. */
  const row = (
    label: string,
    key: string,
    fn: (s: Step, peer: IPeerResult) => string
  ): void => {
    const cells = peers.map(peer => {
      if (peer.error) {
        return 'not run';
      }
      const s = peer.steps[key];
      if (!s) {
        return '–';
      }
      return s.error
        ? `cannot ${cite(`${peer.name}, ${label}: ${s.error}`)}`
        : fn(s, peer);
    });
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  };
  for (const [label, key] of timed) {
    row(label, key, (s, peer) => {
      const summary = s as unknown as ISummary;
      const ref = base?.steps[key] as unknown as ISummary | undefined;
      const ratio =
        ref &&
        peer !== base &&
        Number.isFinite(ref.p50) &&
        !base?.steps[key]?.error
          ? ` (×${(summary.p50 / ref.p50).toFixed(1)}, ×${(summary.p99 / ref.p99).toFixed(1)})`
          : '';
      const extra =
        key === 'concurrent'
          ? `; ${String(s.calls_per_second)} calls/s, ${String(s.errors)} errors${s.first_error ? ` ${cite(`${peer.name}, ${label}: ${String(s.first_error)}`)}` : ''}`
          : '';
      const note = s.note
        ? ` ${cite(`${peer.name}, ${label}: ${String(s.note)}`)}`
        : '';
      return `${ms(summary.p50)} / ${ms(summary.p99)}${ratio}${extra}${note}`;
    });
  }
  const other = (label: string, fn: (s: Step) => string, key: string): void =>
    row(label, key, fn);
  lines.push(
    '',
    '## What the client receives, staleness, visible edits',
    '',
    `| | ${peers.map(p => p.name).join(' | ')} |`,
    `|---|${peers.map(() => '---').join('|')}|`
  );
  other(
    'first execute_cell (kernel start), ms',
    s => ms(Number(s.first_run_ms)),
    'execute_pass'
  );
  other(
    'matplotlib plot: characters received / image bytes',
    s =>
      `${String(s.characters)} / ${String(s.image_bytes)} (${String(s.images)} image blocks), ${ms(Number(s.ms))} ms`,
    'plot'
  );
  other(
    'staleness: next read after unsaved typing in the page shows it',
    s =>
      s.next_read_shows_it
        ? 'yes'
        : `no${s.read_after_1s_shows_it ? ' (yes 1 s later)' : ', nor 1 s later'}`,
    'staleness'
  );
  other(
    "visible edit: the agent's overwrite shows in the open tab without a reload",
    s =>
      s.shown_in_open_tab
        ? `yes, ${ms(Number(s.ms_after_the_call))} ms after the call`
        : 'no (5 s)',
    'visible_edit'
  );
  lines.push('', '## How each peer ran', '');
  for (const peer of peers) {
    lines.push(
      `- **${peer.name}**: ${peer.setup}${peer.connect_ms !== undefined ? ` (session ready in ${ms(peer.connect_ms)} ms)` : ''}.${peer.error ? ` **Not run: ${peer.error}**` : ''}`
    );
    for (const note of peer.notes) {
      lines.push(`  - ${note}`);
    }
  }
  if (notes.length) {
    lines.push('', "## What failed, in the peer's words", '');
    notes.forEach((note, i) =>
      lines.push(`${i + 1}. ${note.replace(/\|/g, '\\|')}`)
    );
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}
