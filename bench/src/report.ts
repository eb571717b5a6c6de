/**
 * The Markdown rendering of a benchmark report.
 */
import type { IMachine } from './machine';
import { ms, type ISummary } from './stats';

/* The results as main.ts builds them (plain JSON). */
interface IReadFigure {
  read_cell: ISummary;
  ping: ISummary;
  contents_get: ISummary;
  ratio_p50: number;
  ratio_p99: number;
  ratio_vs_contents_p50: number;
  ratio_vs_contents_p99: number;
}

interface IExecuteFigure {
  execute_cell: ISummary;
  raw_execute_request: ISummary;
  jupyterlab_run_cell: ISummary;
  raw_busy_to_execute_input: ISummary;
  added_p50: number;
  added_p99: number;
  added_to_jupyterlab_p50: number;
  added_to_jupyterlab_p99: number;
}

interface IGrowthRow {
  cells: number;
  open: number;
  read_cell_last: ISummary;
  read_notebook_page: ISummary;
  insert_cell_top: ISummary;
  jupyterlab_insert_top: ISummary;
  insert_ratio: number;
}

interface IThroughputRow {
  clients: number;
  client_kind?: string;
  calls_per_second: number;
  errors: number;
  latency: ISummary;
  cpu_ms_per_call: {
    relay: number;
    chromium_all_processes: number;
    page_main_thread: number;
    product: number;
    bench_client?: number;
  };
}

interface ICycleFigure {
  before_mb: number;
  after_mb: number;
  growth_mb: number;
  per_cycle_kb: number;
  ms_per_cycle: number;
}

interface IOpenCloseFigure {
  cells: number;
  cycles: number;
  agent: ICycleFigure;
  jupyterlab: ICycleFigure;
}

interface IMemoryFigure {
  calls: number;
  before: { relay_rss_mb: number; page_heap_mb: number };
  after: { relay_rss_mb: number; page_heap_mb: number };
  page_heap_growth_mb: number;
  abandoned_sessions: number;
  with_abandoned: {
    sessions_open: number;
    relay_rss_mb: number;
    page_heap_mb: number;
  };
  page_heap_per_abandoned_session_kb: number;
  relay_rss_per_abandoned_session_kb: number;
}

/**
 * A benchmark report.
 */
export interface IReport {
  date: string;
  label: string;
  commit: string;
  dirty: boolean;
  machine: IMachine;
  results: Record<string, unknown>;
}

/**
 * Markdown tables of every figure, with the machine.
 */
export function render(report: IReport): string {
  const r = report.results;
  const read = r.read as IReadFigure;
  const exec = r.execute as IExecuteFigure;
  const growth = r.growth as IGrowthRow[];
  const load = r.throughput as IThroughputRow[];
  const mem = r.memory as IMemoryFigure;
  const cold = r.cold_start as {
    first_load: { to_paired: number; to_tools_list: number };
    second_load: { to_paired: number; to_tools_list: number };
  };
  const idle = r.relay_idle_rss_mb as {
    no_page: number;
    after_first_sessions: number;
  };
  const m = report.machine;
  const lines: string[] = [];
  lines.push(
    `# Benchmark ${report.date}${report.label ? ` (${report.label})` : ''}`
  );
  lines.push('');
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB; ${m.os}; Node ${m.node}; Chromium ${String(m.chromium)}; load average at the end ${m.load_average_at_end.join(' / ')}. Commit ${report.commit}${report.dirty ? ' (with local changes)' : ''}.`
  );
  lines.push('');
  lines.push(
    '## Read round trip (floor: `ping`, the same path without a tool)'
  );
  lines.push('');
  lines.push('| call | p50 ms | p99 ms |');
  lines.push('| --- | --- | --- |');
  lines.push(
    `| \`read_cell\` | ${ms(read.read_cell.p50)} | ${ms(read.read_cell.p99)} |`
  );
  lines.push(
    `| \`ping\` (floor) | ${ms(read.ping.p50)} | ${ms(read.ping.p99)} |`
  );
  lines.push(
    `| Jupyter contents GET of the notebook | ${ms(read.contents_get.p50)} | ${ms(read.contents_get.p99)} |`
  );
  lines.push(
    `| read ÷ floor (target ≤ 1.1 / ≤ 1.2) | ${read.ratio_p50} | ${read.ratio_p99} |`
  );
  lines.push(
    `| read ÷ contents GET | ${read.ratio_vs_contents_p50} | ${read.ratio_vs_contents_p99} |`
  );
  lines.push('');
  lines.push('## Execute overhead (`pass`)');
  lines.push('');
  lines.push('| | p50 ms | p99 ms |');
  lines.push('| --- | --- | --- |');
  lines.push(
    `| \`execute_cell\` | ${ms(exec.execute_cell.p50)} | ${ms(exec.execute_cell.p99)} |`
  );
  lines.push(
    `| raw \`execute_request\` from Node over the kernel WebSocket | ${ms(exec.raw_execute_request.p50)} | ${ms(exec.raw_execute_request.p99)} |`
  );
  lines.push(
    `| JupyterLab's own run of the cell in the page ("Run Cell") | ${ms(exec.jupyterlab_run_cell.p50)} | ${ms(exec.jupyterlab_run_cell.p99)} |`
  );
  lines.push(
    `| \`execute_cell\` over the raw request (target p50 < 5) | ${ms(exec.added_p50)} | ${ms(exec.added_p99)} |`
  );
  lines.push(
    `| \`execute_cell\` over JupyterLab's own run | ${ms(exec.added_to_jupyterlab_p50)} | ${ms(exec.added_to_jupyterlab_p99)} |`
  );
  lines.push(
    `| raw: \`busy\` → \`execute_input\` | ${ms(exec.raw_busy_to_execute_input.p50)} | ${ms(exec.raw_busy_to_execute_input.p99)} |`
  );
  const nagle = r.nagle_off as
    | {
        raw_execute_request: ISummary;
        raw_busy_to_execute_input: ISummary;
      }
    | undefined;
  if (nagle) {
    lines.push(
      `| raw \`execute_request\`, Nagle on (\`--McpBridge.websocket_nodelay=False\`) | ${ms(nagle.raw_execute_request.p50)} | ${ms(nagle.raw_execute_request.p99)} |`
    );
    lines.push(
      `| raw, Nagle on: \`busy\` → \`execute_input\` | ${ms(nagle.raw_busy_to_execute_input.p50)} | ${ms(nagle.raw_busy_to_execute_input.p99)} |`
    );
  }
  lines.push('');
  lines.push('## Growth (ms; p50 of repeated calls, open once)');
  lines.push('');
  lines.push(
    '| cells | open | `read_cell` last | `read_notebook` 50 cells | `insert_cell` top | JupyterLab insert top | insert ÷ JupyterLab (target ≤ 1.1) |'
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of growth) {
    lines.push(
      `| ${row.cells} | ${ms(row.open)} | ${ms(row.read_cell_last.p50)} | ${ms(row.read_notebook_page.p50)} | ${ms(row.insert_cell_top.p50)} | ${ms(row.jupyterlab_insert_top.p50)} | ${row.insert_ratio} |`
    );
  }
  lines.push('');
  lines.push(
    '## Throughput (`read_cell`; a Chromium no DevTools client instruments)'
  );
  lines.push('');
  lines.push(
    '| clients | calls/s | errors | p50 ms | p99 ms | CPU ms/call: relay | Chromium (all processes) | of which page main thread | product (relay + Chromium; target ≤ 0.45) | load generator |'
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of load) {
    const cpu = row.cpu_ms_per_call;
    lines.push(
      `| ${row.clients} ${row.client_kind ?? 'sdk'} | ${row.calls_per_second} | ${row.errors} | ${ms(row.latency.p50)} | ${ms(row.latency.p99)} | ${cpu.relay} | ${cpu.chromium_all_processes} | ${cpu.page_main_thread} | ${cpu.product} | ${cpu.bench_client ?? ''} |`
    );
  }
  lines.push('');
  lines.push('## Memory');
  lines.push('');
  lines.push('| | relay RSS MB | page JS heap after GC MB |');
  lines.push('| --- | --- | --- |');
  lines.push(
    `| idle: started, no client yet (target < 60) / after the cold-start sessions | ${idle.no_page} / ${idle.after_first_sessions} | |`
  );
  lines.push(
    `| before ${mem.calls} calls | ${mem.before.relay_rss_mb} | ${mem.before.page_heap_mb} |`
  );
  lines.push(
    `| after ${mem.calls} calls (heap target: < 2 MB growth per 10,000) | ${mem.after.relay_rss_mb} | ${mem.after.page_heap_mb} (${mem.page_heap_growth_mb >= 0 ? '+' : ''}${mem.page_heap_growth_mb}) |`
  );
  lines.push(
    `| with ${mem.abandoned_sessions} abandoned sessions (${mem.with_abandoned.sessions_open} open) | ${mem.with_abandoned.relay_rss_mb} (${mem.relay_rss_per_abandoned_session_kb} KB each) | ${mem.with_abandoned.page_heap_mb} (${mem.page_heap_per_abandoned_session_kb} KB each) |`
  );
  const cycles = r.open_close as IOpenCloseFigure | undefined;
  if (cycles) {
    lines.push('');
    lines.push(
      `Open/close cycles of a ${cycles.cells}-cell notebook (${cycles.cycles} each; page JS heap after GC; target: flat):`
    );
    lines.push('');
    lines.push('| | before MB | after MB | per cycle KB | ms per cycle |');
    lines.push('| --- | --- | --- | --- | --- |');
    for (const [name, row] of [
      ['agent: `use_notebook` + `unuse_notebook`', cycles.agent],
      ["JupyterLab's own open and close in the page", cycles.jupyterlab]
    ] as const) {
      lines.push(
        `| ${name} | ${row.before_mb} | ${row.after_mb} | ${row.per_cycle_kb} | ${row.ms_per_cycle} |`
      );
    }
  }
  lines.push('');
  lines.push('## Cold start (page load → first successful `tools/list`)');
  lines.push('');
  lines.push('| | to paired ms | to `tools/list` ms |');
  lines.push('| --- | --- | --- |');
  lines.push(
    `| first page load of the server | ${ms(cold.first_load.to_paired)} | ${ms(cold.first_load.to_tools_list)} |`
  );
  lines.push(
    `| second page load | ${ms(cold.second_load.to_paired)} | ${ms(cold.second_load.to_tools_list)} |`
  );
  lines.push('');
  return `${lines.join('\n')}\n`;
}
