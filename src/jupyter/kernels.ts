/**
 * The kernels of the page's Jupyter server, as tools see them: list them
 * with the notebooks that use them, start, change, interrupt, restart and
 * shut down a notebook's kernel without dialogs, and inspect a kernel's
 * variables.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel, KernelSpec } from '@jupyterlab/services';
import { z } from 'zod';

import {
  parseVariablesResult,
  variablesExpression,
  type IUserExpressionResult,
  type IVariablesOptions,
  type IVariablesResult
} from '../core/variables';
import { withTimeout } from '../core/timeout';
import { ToolError } from '../mcp/tool';

/**
 * A running kernel as `list_kernels` reports it (its output schema).
 */
export const kernelInfo = {
  id: z.string(),
  name: z.string(),
  execution_state: z.string().nullable(),
  connections: z.number().int().nullable(),
  last_activity: z.string().nullable(),
  // Paths of the notebooks open in this page that use the kernel.
  open_notebooks: z.array(z.string()),
  // The server sessions (notebooks, consoles) that use the kernel.
  sessions: z.array(z.object({ path: z.string(), type: z.string() }))
};

/**
 * A running kernel as `list_kernels` reports it.
 */
export type IKernelInfo = z.output<z.ZodObject<typeof kernelInfo>>;

/**
 * An installed kernelspec (as `list_kernels` reports it).
 */
export const kernelSpecInfo = {
  name: z.string(),
  display_name: z.string(),
  language: z.string(),
  is_default: z.boolean()
};

/**
 * An installed kernelspec.
 */
export type IKernelSpecInfo = z.output<z.ZodObject<typeof kernelSpecInfo>>;

/**
 * A notebook's kernel as the kernel tools report it (their output schema).
 */
export const notebookKernel = {
  path: z.string().describe('The notebook.'),
  kernel: z
    .object({
      id: z.string(),
      name: z.string(),
      display_name: z.string(),
      status: z.string()
    })
    .nullable()
    .describe('Its kernel now (null when it has none).')
};

/**
 * A notebook's kernel, as kernel tools report it.
 */
export type INotebookKernel = z.output<z.ZodObject<typeof notebookKernel>>;

/**
 * Kernel operations on the live page.
 */
export class KernelService {
  constructor(app: JupyterFrontEnd, tracker: INotebookTracker) {
    this._app = app;
    this._tracker = tracker;
  }

  /**
   * The running kernels (refreshed from the server) and the installed
   * kernelspecs.
   */
  async list(): Promise<{
    kernels: IKernelInfo[];
    kernelspecs: IKernelSpecInfo[];
    default_kernelspec: string | null;
  }> {
    const { kernels, sessions } = this._app.serviceManager;
    await Promise.all([kernels.ready, sessions.ready]);
    await Promise.all([kernels.refreshRunning(), sessions.refreshRunning()]);
    const specs = await this._specs(true);
    const sessionModels = [...sessions.running()];
    const result: IKernelInfo[] = [];
    for (const model of kernels.running()) {
      const open: string[] = [];
      this._tracker.forEach(panel => {
        if (panel.sessionContext.session?.kernel?.id === model.id) {
          open.push(panel.context.path);
        }
      });
      result.push({
        id: model.id,
        name: model.name,
        execution_state: model.execution_state ?? null,
        connections: model.connections ?? null,
        last_activity: model.last_activity ?? null,
        open_notebooks: open,
        sessions: sessionModels
          .filter(session => session.kernel?.id === model.id)
          .map(session => ({ path: session.path, type: session.type }))
      });
    }
    return {
      kernels: result,
      kernelspecs: Object.values(specs.kernelspecs)
        .filter((spec): spec is KernelSpec.ISpecModel => !!spec)
        .map(spec => ({
          name: spec.name,
          display_name: spec.display_name,
          language: spec.language,
          is_default: spec.name === specs.default
        })),
      default_kernelspec: specs.default || null
    };
  }

  /**
   * Check a kernelspec name (`argument` names it in errors); undefined gives
   * the default kernelspec.
   */
  async checkSpec(
    name: string | undefined,
    argument = 'kernel_name'
  ): Promise<KernelSpec.ISpecModel> {
    let specs = await this._specs(false);
    const wanted = name ?? specs.default;
    if (!specs.kernelspecs[wanted]) {
      // Installed since the page loaded?
      specs = await this._specs(true);
    }
    const spec = specs.kernelspecs[wanted];
    if (!spec) {
      const known = Object.keys(specs.kernelspecs);
      throw new ToolError(
        `"${argument}" "${wanted}" is not an available kernelspec; available: ${known.map(k => `"${k}"`).join(', ') || '(none)'} (see list_kernels).`
      );
    }
    return spec;
  }

  /**
   * The kernel of a notebook, or a ToolError saying it has none.
   */
  kernelOf(panel: NotebookPanel): Kernel.IKernelConnection {
    const kernel = panel.sessionContext.session?.kernel;
    if (!kernel) {
      throw new ToolError(
        `The notebook "${panel.context.path}" has no kernel: start one with start_kernel.`
      );
    }
    return kernel;
  }

  /**
   * Start a kernel for a notebook that has none.
   */
  async start(panel: NotebookPanel, name?: string): Promise<INotebookKernel> {
    const current = panel.sessionContext.session?.kernel;
    if (current) {
      throw new ToolError(
        `The notebook "${panel.context.path}" already has a kernel ("${current.name}", ${current.status}); use change_kernel to switch it, or restart_notebook to restart it.`
      );
    }
    let wanted = name;
    if (wanted === undefined) {
      // The kernelspec the notebook names, when it is installed.
      const preferred = Private.preferredSpec(panel);
      const specs = await this._specs(false);
      wanted =
        preferred && specs.kernelspecs[preferred] ? preferred : undefined;
    }
    const spec = await this.checkSpec(wanted);
    await panel.sessionContext.changeKernel({ name: spec.name });
    return this._settle(panel, spec.name);
  }

  /**
   * Switch a notebook's kernel to another kernelspec (starting one if it
   * has none); the notebook's kernelspec metadata follows. Nothing changes
   * when it already runs that kernelspec.
   */
  async change(
    panel: NotebookPanel,
    name: string
  ): Promise<
    INotebookKernel & { changed: boolean; previous_kernel: string | null }
  > {
    const spec = await this.checkSpec(name);
    const before = panel.sessionContext.session?.kernel?.name ?? null;
    if (before === spec.name) {
      return {
        ...this.describe(panel),
        changed: false,
        previous_kernel: before
      };
    }
    await panel.sessionContext.changeKernel({ name: spec.name });
    const now = await this._settle(panel, spec.name);
    return { ...now, changed: true, previous_kernel: before };
  }

  /**
   * Interrupt a notebook's kernel, as asked: through the given runs of its
   * cells that the kernel has begun (so that they report "interrupted"),
   * else the kernel itself.
   */
  async interrupt(
    panel: NotebookPanel,
    runs: readonly { interrupt(): Promise<boolean> }[]
  ): Promise<INotebookKernel> {
    const kernel = this.kernelOf(panel);
    const interrupted = await Promise.all(runs.map(run => run.interrupt()));
    if (!interrupted.includes(true)) {
      await kernel.interrupt();
    }
    return this.describe(panel);
  }

  /**
   * Restart a notebook's kernel, without asking the user; waits until the
   * new kernel answers.
   */
  async restart(
    panel: NotebookPanel
  ): Promise<INotebookKernel & { restartedBy: 'bridge' | 'server' }> {
    const kernel = this.kernelOf(panel);
    if (
      kernel.connectionStatus !== 'connected' ||
      Private.SETTLING.has(kernel.status)
    ) {
      // The server is restarting the kernel by itself (it died): wait until
      // it is back on its new connection, and do not restart it again. A
      // restart asked in the middle of that never settles, or cancels the
      // new connection's kernel_info request.
      await Private.until(
        () => kernel.connectionStatus === 'connected',
        10_000
      ).catch(() => undefined);
      await Private.settle(kernel);
      return { ...this.describe(panel), restartedBy: 'server' };
    }
    await kernel.restart();
    await kernel.info;
    await Private.settle(kernel);
    return { ...this.describe(panel), restartedBy: 'bridge' };
  }

  /**
   * Shut down a notebook's kernel (and its server session); the notebook
   * stays open without a kernel.
   */
  async shutdown(
    panel: NotebookPanel
  ): Promise<{ path: string; kernel: { id: string; name: string } }> {
    const kernel = this.kernelOf(panel);
    const gone = { id: kernel.id, name: kernel.name };
    await panel.sessionContext.shutdown();
    return { path: panel.context.path, kernel: gone };
  }

  /**
   * Describe a notebook's kernel now.
   */
  describe(panel: NotebookPanel): INotebookKernel {
    const kernel = panel.sessionContext.session?.kernel;
    return {
      path: panel.context.path,
      kernel: kernel
        ? {
            id: kernel.id,
            name: kernel.name,
            display_name: panel.sessionContext.kernelDisplayName,
            status: kernel.status
          }
        : null
    };
  }

  /**
   * The user variables of a notebook's kernel (Python kernels only).
   */
  async variables(
    panel: NotebookPanel,
    options: IVariablesOptions
  ): Promise<IVariablesResult> {
    const kernel = this.kernelOf(panel);
    const info = await kernel.info;
    const language = info.language_info.name.toLowerCase();
    if (language !== 'python') {
      throw new ToolError(
        `inspect_variables is not supported for language "${info.language_info.name}" (kernel "${kernel.name}" of "${panel.context.path}"): only Python kernels are. Use execute_code to inspect variables in this language.`
      );
    }
    const key = 'mcp_bridge_variables';
    const future = kernel.requestExecute({
      code: '',
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false,
      user_expressions: { [key]: variablesExpression(options) }
    });
    const done = await withTimeout(future.done, Private.INSPECT_TIMEOUT_MS);
    if (done.timedOut) {
      // Queued behind a running cell (perhaps the user's): not ours to stop.
      throw new ToolError(
        `The kernel of "${panel.context.path}" did not answer the variable inspection within ${Private.INSPECT_TIMEOUT_MS / 1000} s: it is probably running a cell. Nothing was interrupted; try again when it is idle.`
      );
    }
    const reply = done.value;
    if (reply.content.status !== 'ok') {
      throw new ToolError(
        `The kernel refused the variable inspection (status ${reply.content.status}).`
      );
    }
    const parsed = parseVariablesResult(
      reply.content.user_expressions[key] as IUserExpressionResult | undefined
    );
    if (!parsed.ok) {
      throw new ToolError(parsed.error);
    }
    return parsed.result;
  }

  /**
   * Wait until the notebook's kernel is `name` and connected, and its
   * kernelspec metadata names it.
   */
  private async _settle(
    panel: NotebookPanel,
    name: string
  ): Promise<INotebookKernel> {
    const kernel = this.kernelOf(panel);
    await kernel.info;
    await Private.until(
      () =>
        kernel.connectionStatus === 'connected' &&
        (
          panel.context.model.getMetadata('kernelspec') as
            { name?: string } | undefined
        )?.name === name,
      30_000
    );
    return this.describe(panel);
  }

  private async _specs(refresh: boolean): Promise<KernelSpec.ISpecModels> {
    const manager = this._app.serviceManager.kernelspecs;
    await manager.ready;
    if (refresh) {
      await manager.refreshSpecs();
    }
    return manager.specs ?? { default: '', kernelspecs: {} };
  }

  private _app: JupyterFrontEnd;
  private _tracker: INotebookTracker;
}

namespace Private {
  /**
   * Kernel states on the way back from a restart.
   */
  export const SETTLING = new Set<string>([
    'unknown',
    'starting',
    'restarting',
    'autorestarting'
  ]);

  /**
   * How long inspect_variables waits for the kernel.
   */
  export const INSPECT_TIMEOUT_MS = 30_000;

  /**
   * The kernelspec a notebook's metadata asks for, if any.
   */
  export function preferredSpec(panel: NotebookPanel): string | null {
    const spec = panel.context.model.getMetadata('kernelspec') as
      { name?: unknown } | undefined;
    return typeof spec?.name === 'string' && spec.name ? spec.name : null;
  }

  /**
   * Wait until a kernel back from a restart says it is idle. A new kernel's
   * status can stay "starting" or "unknown" until it runs something
   * (ipykernel 7 on Jupyter Server 2: its first "idle" is sent before the
   * new connection listens, and JupyterLab ignores the status messages of
   * its kernel_info requests), so a kernel that answers but says nothing
   * within a second is asked to run nothing, silently (no execution count,
   * no history), which makes it report busy, then idle. A connection whose
   * kernel_info went unheard (the kernel was not listening yet) is opened
   * again. Another client may keep the kernel busy: then it stays busy.
   */
  export async function settle(
    kernel: Kernel.IKernelConnection
  ): Promise<void> {
    const idle = () =>
      kernel.connectionStatus === 'connected' && kernel.status === 'idle';
    if (
      await until(idle, 1_000).then(
        () => true,
        () => false
      )
    ) {
      return;
    }
    const nudge = async () => {
      const future = kernel.requestExecute(
        { code: '', silent: true, store_history: false, allow_stdin: false },
        true
      );
      return (await withTimeout(future.done, 5_000)).timedOut === false;
    };
    if (!(await nudge().catch(() => false))) {
      await withTimeout(kernel.reconnect(), 10_000).catch(() => undefined);
      await nudge().catch(() => false);
    }
    await until(idle, 5_000).catch(() => undefined);
  }

  /**
   * Resolve when `test` holds, polling; reject after `timeoutMs`.
   */
  export async function until(
    test: () => boolean,
    timeoutMs: number
  ): Promise<void> {
    const started = Date.now();
    while (!test()) {
      if (Date.now() - started > timeoutMs) {
        throw new ToolError(
          `The kernel did not become ready within ${timeoutMs / 1000} s.`
        );
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }
}
