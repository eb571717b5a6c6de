/**
 * The user's control over tool calls, plugged into the dispatcher: the
 * policy per category and per tool (deny hides tools and refuses calls),
 * approval dialogs under `ask`, the activity log, and the marks on the cells
 * agents touch.
 */

import { Signal, type ISignal } from '@lumino/signaling';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { textChanged, type IApprovedContent } from '../core/approved';
import {
  ApprovalQueue,
  type ApprovalAnswer,
  type IApprovalQuestion
} from '../core/approvals';
import { commandCategories } from '../core/commandcategories';
import {
  decideCall,
  readPolicy,
  resolvePolicy,
  sameListing,
  SessionGrants,
  type CategoryPolicy,
  type IPolicy,
  type PolicyCategory
} from '../core/policy';
import { parseResourceUri } from '../core/uris';
import {
  ToolDenied,
  type IToolCall,
  type IToolCallDone,
  type ToolDispatcher
} from '../mcp/dispatcher';
import type { IResourceProvider } from '../mcp/resources';
import { ProgressReporter } from '../tools/progress';
import { READ_RESOURCE } from '../tools/resources';
import type {
  IJupyterServices,
  JupyterTool,
  JupyterToolContext
} from '../tools/services';
import type { IMcpClient, SessionHost } from '../link/sessions';
import { clientLabel, type ActivityLog } from './activity';
import type { CellMarker } from './marks';
import {
  ApprovalPreview,
  type IApprovalPreview,
  type IChangePreview,
  type ICodePreview
} from '../core/preview';
import { callTarget, resultCell, type ICallTarget } from './target';

/**
 * A call waiting for the user's approval.
 */
export interface IPendingApproval {
  readonly callId: number;
  readonly sessionId: string;
  /**
   * The client's name and version.
   */
  readonly client: string;
  readonly tool: string;
  readonly queuedAt: number;
  /**
   * Whether its dialog is the one shown.
   */
  readonly shown: boolean;
}

/**
 * What the dialog shows about a call.
 */
export interface IApprovalRequest {
  callId: number;
  sessionId: string;
  /**
   * The calling client (undefined if its session is gone).
   */
  client: IMcpClient | undefined;
  /**
   * `category` may name several, comma-separated (a command that runs
   * cells is `commands, execute`).
   */
  tool: { name: string; title: string; category: string };
  /**
   * The parsed arguments (with the schema's defaults).
   */
  args: Record<string, unknown>;
  /**
   * The names of the arguments the client sent: the dialog shows only
   * those.
   */
  sent: readonly string[];
  target: ICallTarget;
  /**
   * Changes to cells or files, as diffs against what is there now.
   */
  changes: readonly IChangePreview[];
  /**
   * The code of the cells the call runs, as it is now.
   */
  code: readonly ICodePreview[];
  /**
   * Short facts about the target.
   */
  notes: readonly string[];
  /**
   * What "Allow for this session" allows: the tool's name (for
   * `execute_command`, with the command's id).
   */
  scope: string;
  /**
   * The arguments whose value `changes` or `code` show in full.
   */
  shown: readonly string[];
}

/**
 * Applies the policy and asks the user; logs every call.
 */
export class CallSupervisor {
  constructor(options: CallSupervisor.IOptions) {
    this._dispatcher = options.dispatcher;
    this._host = options.host;
    this._services = options.services;
    this._activity = options.activity;
    this._marker = options.marker;
    this._approvals = new ApprovalQueue<IApprovalRequest>({
      ask: options.ask,
      precheck: request =>
        this._grants.has(
          request.sessionId,
          Private.grantKey(request.tool, request.args)
        )
          ? 'session'
          : null,
      onChange: () => this._pendingChanged.emit()
    });
    this._dispatcher.guards.push((call, tool, context) =>
      this._guard(call, tool, context)
    );
    this._dispatcher.filters.push(
      tool => resolvePolicy(tool, this._policy) !== 'deny'
    );
    this._dispatcher.callStarted.connect(this._onStarted, this);
    this._dispatcher.callFinished.connect(this._onFinished, this);
    this._host.sessionClosed.connect((_, sessionId) => {
      this._approvals.cancelWhere(request => request.sessionId === sessionId);
    }, this);
    this._host.clientEvent.connect((_, event) => {
      if (event.kind === 'disconnected') {
        this._grants.forget(event.client.sessionId);
      }
    }, this);
  }

  /**
   * Emitted when the pending approvals change.
   */
  get pendingChanged(): ISignal<this, void> {
    return this._pendingChanged;
  }

  /**
   * Calls waiting for the user's approval, oldest first.
   */
  get pending(): IPendingApproval[] {
    return this._approvals.pending.map(({ item, queuedAt, shown }) => ({
      callId: item.callId,
      sessionId: item.sessionId,
      client: clientLabel(item.client),
      tool: item.tool.name,
      queuedAt,
      shown
    }));
  }

  /**
   * The policy in force.
   */
  get policy(): IPolicy {
    return this._policy;
  }

  /**
   * Apply settings: the policy (telling every client when the tool list
   * changes) and the approval timeout.
   */
  configure(settings: CallSupervisor.ISettings): void {
    const { policy } = readPolicy(
      settings.categoryPolicy,
      settings.toolPolicy,
      settings.defaultCategoryPolicy
    );
    const before = this._policy;
    this._policy = policy;
    this._timeoutMs = Math.max(1, settings.approvalTimeoutSeconds) * 1000;
    if (!sameListing(this._dispatcher.tools, before, policy)) {
      this._host.notifyToolListChanged();
    }
  }

  /**
   * The MCP resources of session `sessionId` as its server serves them:
   * a read is under the policy of the `read` category (or of
   * `"resources/read"` in `toolPolicy`), asks when that says `ask`, and is
   * in the activity log beside the tool calls. Under `deny` nothing is
   * listed and every read is refused.
   */
  guardResources(
    provider: IResourceProvider,
    sessionId: string
  ): IResourceProvider {
    const denied = () =>
      decideCall(READ_RESOURCE, [], this._policy).decision === 'deny';
    return {
      list: async () => (denied() ? [] : provider.list()),
      templates: () => (denied() ? [] : provider.templates()),
      read: uri => this._readResource(provider, sessionId, uri)
    };
  }

  private async _readResource(
    provider: IResourceProvider,
    sessionId: string,
    uri: string
  ): Promise<Awaited<ReturnType<IResourceProvider['read']>>> {
    const callId = this._dispatcher.newCallId();
    const startedAt = Date.now();
    const parsed = parseResourceUri(uri);
    const target: ICallTarget = {
      notebookPath: parsed.ok ? parsed.ref.path : null,
      cellId:
        parsed.ok && parsed.ref.kind === 'output' ? parsed.ref.cellId : null,
      cellIndex: null,
      path: null
    };
    this._activity.add({
      callId,
      startedAt,
      sessionId,
      client: clientLabel(this._host.client(sessionId)),
      tool: READ_RESOURCE.name,
      category: READ_RESOURCE.category,
      ...target,
      durationMs: null,
      outcome: 'running',
      message: ''
    });
    const finish = (outcome: 'ok' | 'error' | 'denied', message = '') =>
      this._activity.update(callId, {
        durationMs: Date.now() - startedAt,
        outcome,
        message: message.split('\n')[0]
      });
    try {
      await this._approve({
        callId,
        sessionId,
        tool: READ_RESOURCE,
        args: { uri },
        sent: ['uri'],
        target,
        signal: null,
        preview: new ApprovalPreview()
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      finish('denied', message);
      // A JSON-RPC error: resources/read has no error result.
      throw new McpError(ErrorCode.InvalidRequest, message, { uri });
    }
    try {
      const contents = await provider.read(uri);
      finish('ok');
      return contents;
    } catch (error) {
      finish('error', error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  private async _guard(
    call: IToolCall,
    tool: JupyterTool,
    context: JupyterToolContext
  ): Promise<IApprovedContent | void> {
    const args = (call.args ?? {}) as Record<string, unknown>;
    const target = this._targets.get(call.id) ?? {
      notebookPath: null,
      cellId: null,
      cellIndex: null,
      path: null
    };
    const decision = decideCall(
      tool,
      Private.alsoCategories(tool, args),
      this._policy
    );
    if (decision.decision === 'allow') {
      return;
    }
    if (
      decision.decision === 'ask' &&
      this._grants.has(call.sessionId, Private.grantKey(tool, args))
    ) {
      return;
    }
    const preview =
      decision.decision === 'ask'
        ? await Private.previewOf(tool, args, target, this._services)
        : new ApprovalPreview();
    const asked = await this._approve({
      callId: call.id,
      sessionId: call.sessionId,
      tool,
      args,
      sent: call.sent,
      target,
      preview,
      signal: context.signal,
      context
    });
    // Approved: from here on the page cannot tell the relay more than the
    // tool itself notes.
    context.note?.('');
    this._activity.update(call.id, { outcome: 'running' });
    return asked ? preview.approved : undefined;
  }

  /**
   * Apply the policy to one action (a tool call, a resource read): return
   * at once under `allow`, throw a {@link ToolDenied} under `deny`, and
   * under `ask` show the dialog and wait for the user's answer, then check
   * that what it showed still holds. Returns whether the user was asked.
   */
  private async _approve(options: {
    callId: number;
    sessionId: string;
    tool: { name: string; title: string; category: string };
    args: Record<string, unknown>;
    /**
     * The names of the arguments the client sent.
     */
    sent: readonly string[];
    target: ICallTarget;
    preview: IApprovalPreview;
    signal: AbortSignal | null;
    context?: JupyterToolContext;
  }): Promise<boolean> {
    const { tool, args, preview, context } = options;
    const categories = Private.alsoCategories(tool, args);
    const { decision, deniedBy } = decideCall(tool, categories, this._policy);
    if (decision === 'allow') {
      return false;
    }
    if (decision === 'deny') {
      throw new ToolDenied(
        `${tool.name} is not allowed: the user's MCP bridge policy in JupyterLab (${deniedBy}). It was not run; nothing was changed.`
      );
    }
    if (this._grants.has(options.sessionId, Private.grantKey(tool, args))) {
      return false;
    }
    const request: IApprovalRequest = {
      callId: options.callId,
      sessionId: options.sessionId,
      client: this._host.client(options.sessionId),
      tool: {
        name: tool.name,
        title: tool.title,
        category: [
          tool.category,
          ...categories.filter(c => c !== tool.category)
        ].join(', ')
      },
      args,
      sent: options.sent,
      scope: Private.grantKey(tool, args),
      target: options.target,
      changes: preview.changes,
      code: preview.code,
      notes: preview.notes,
      shown: preview.shown
    };
    this._activity.update(options.callId, { outcome: 'waiting' });
    context?.note?.(
      `It was waiting for the user's approval of ${tool.name} in JupyterLab: it was not run, nothing was changed.`
    );
    const asked = this._approvals.request(request, {
      timeoutMs: this._timeoutMs,
      signal: options.signal ?? undefined
    });
    const answer = context
      ? await Private.withHeartbeat(context, tool.name, asked)
      : await asked;
    switch (answer) {
      case 'session':
        this._grants.add(options.sessionId, Private.grantKey(tool, args));
        break;
      case 'once':
        break;
      case 'deny':
        throw new ToolDenied(
          `The user denied ${tool.name} in JupyterLab. It was not run; nothing was changed. Ask the user before trying it again.`
        );
      case 'timeout':
        throw new ToolDenied(
          `The user did not answer the approval dialog for ${tool.name} within ${this._timeoutMs / 1000} s, which counts as a denial. It was not run; nothing was changed.`
        );
      case 'cancelled':
        throw new ToolDenied(
          `${tool.name} was cancelled while it waited for the user's approval. It was not run; nothing was changed.`
        );
    }
    // The approval holds for what the dialog showed.
    for (const bound of preview.bound) {
      const problem = textChanged(
        bound.what,
        bound.shown,
        await bound.current()
      );
      if (problem) {
        throw new ToolDenied(`${tool.name} was not run: ${problem}`);
      }
    }
    return true;
  }

  private _onStarted(_: unknown, call: IToolCall): void {
    const tool = this._dispatcher.tool(call.tool);
    const session = this._host.sessions.get(call.sessionId);
    const target = tool
      ? callTarget(
          tool,
          call.args,
          { notebookPath: session?.notebookPath ?? null },
          this._services
        )
      : { notebookPath: null, cellId: null, cellIndex: null, path: null };
    this._targets.set(call.id, target);
    const client = clientLabel(this._host.client(call.sessionId));
    if (
      call.category === 'execute' &&
      target.notebookPath &&
      target.cellId &&
      resolvePolicy(
        { name: call.tool, category: call.category },
        this._policy
      ) === 'allow'
    ) {
      // A run is marked as it starts (and again when it ends).
      this._marker.mark(
        target.notebookPath,
        target.cellId,
        client || call.sessionId.slice(0, 8)
      );
    }
    this._activity.add({
      callId: call.id,
      startedAt: call.startedAt,
      sessionId: call.sessionId,
      client,
      tool: call.tool,
      category: call.category,
      ...target,
      durationMs: null,
      outcome: 'running',
      message: ''
    });
  }

  private _onFinished(_: unknown, done: IToolCallDone): void {
    const target = this._targets.get(done.id);
    this._targets.delete(done.id);
    const cell = resultCell(done.structuredContent);
    this._activity.update(done.id, {
      durationMs: done.durationMs,
      outcome: done.outcome,
      message: done.error ?? '',
      ...(cell && target?.notebookPath ? cell : {})
    });
    const entry = this._activity.find(done.id);
    if (
      done.outcome === 'ok' &&
      entry?.notebookPath &&
      (done.category === 'edit' || done.category === 'execute')
    ) {
      const client = entry.client || done.sessionId.slice(0, 8);
      if (entry.cellId) {
        this._marker.mark(entry.notebookPath, entry.cellId, client);
      } else {
        this._marker.markTab(entry.notebookPath, client);
      }
    }
  }

  private _dispatcher: ToolDispatcher<IJupyterServices>;
  private _host: SessionHost;
  private _services: IJupyterServices;
  private _activity: ActivityLog;
  private _marker: CellMarker;
  private _approvals: ApprovalQueue<IApprovalRequest>;
  private _grants = new SessionGrants();
  private _policy: IPolicy = readPolicy(undefined, undefined).policy;
  private _timeoutMs = 120_000;
  private _targets = new Map<number, IApprovalRequest['target']>();
  private _pendingChanged = new Signal<this, void>(this);
}

/**
 * A namespace for CallSupervisor statics.
 */
export namespace CallSupervisor {
  /**
   * Constructor options.
   */
  export interface IOptions {
    dispatcher: ToolDispatcher<IJupyterServices>;
    host: SessionHost;
    services: IJupyterServices;
    activity: ActivityLog;
    marker: CellMarker;
    /**
     * Show an approval dialog.
     */
    ask: (request: IApprovalRequest, deadline: number) => IApprovalQuestion;
  }

  /**
   * The settings it reads.
   */
  export interface ISettings {
    categoryPolicy: unknown;
    toolPolicy: unknown;
    /**
     * The category defaults (the schema's, as an administrator may have
     * overridden them).
     */
    defaultCategoryPolicy: CategoryPolicy;
    approvalTimeoutSeconds: number;
  }
}

namespace Private {
  /**
   * What the dialog shows of a call beyond its arguments: the tool's own
   * preview, against the live notebook or the file on disk. A preview
   * that fails (a target that cannot be read) shows what it had added
   * before; a call that runs cells is then bound to those shown (none:
   * approving it runs nothing).
   */
  export async function previewOf(
    tool: JupyterTool,
    args: Record<string, unknown>,
    target: ICallTarget,
    services: IJupyterServices
  ): Promise<IApprovalPreview> {
    const preview = new ApprovalPreview();
    try {
      await tool.preview?.(args, { services, target, preview });
    } catch {
      // Shown with what it had read; the arguments are shown anyway.
    }
    return preview;
  }

  /**
   * What "Allow for this session" allows: the tool, and for
   * `execute_command` the one command (allowing one command must not allow
   * a command that runs cells).
   */
  export function grantKey(
    tool: { name: string },
    args: Record<string, unknown>
  ): string {
    return tool.name === 'execute_command' &&
      typeof args.command_id === 'string'
      ? `execute_command ${args.command_id.trim()}`
      : tool.name;
  }

  /**
   * The categories a call counts under besides its tool's: those of the
   * JupyterLab command `execute_command` runs.
   */
  export function alsoCategories(
    tool: { name: string },
    args: Record<string, unknown>
  ): PolicyCategory[] {
    return tool.name === 'execute_command' &&
      typeof args.command_id === 'string'
      ? commandCategories(args.command_id.trim())
      : [];
  }

  /**
   * Tell the client (through progress notifications, when it asked for
   * them) that the call waits for the user, so that it does not give up.
   */
  export async function withHeartbeat(
    context: JupyterToolContext,
    tool: string,
    answer: Promise<ApprovalAnswer>
  ): Promise<ApprovalAnswer> {
    const progress = new ProgressReporter(
      context,
      seconds =>
        `Waiting for the user to approve ${tool} in JupyterLab (${seconds} s).`
    );
    progress.beat();
    try {
      return await answer;
    } finally {
      progress.stop();
    }
  }
}
