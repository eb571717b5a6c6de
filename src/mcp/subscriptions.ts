/**
 * MCP resource subscriptions of one session: the SDK wiring of
 * resources/subscribe and resources/unsubscribe, and the notifications
 * `notifications/resources/updated` (a subscribed notebook or output
 * changed) and `notifications/resources/list_changed` (notebooks opened,
 * closed or renamed).
 *
 * Updates are spaced: at most one per {@link UPDATE_INTERVAL_MS} per
 * resource (the first of a burst at once, the rest folded into one at the
 * end of the interval). A session is not told of its own changes unless it
 * subscribed with `_meta: {"jupyterlab-mcp-bridge/include_own": true}`.
 */

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema
} from '@modelcontextprotocol/sdk/types.js';
import type { ISignal } from '@lumino/signaling';

import { affects, type ICellChange } from '../core/changes';
import { Throttle, type IThrottleClock } from '../core/throttle';
import {
  notebookUri,
  outputUri,
  parseResourceUri,
  type ResourceRef
} from '../core/uris';

/**
 * Where changes come from.
 */
export interface IChangeFeed {
  /** Every change of an open notebook's cells. */
  readonly changed: ISignal<unknown, ICellChange>;
  /** Notebooks opened, closed or renamed. */
  readonly listChanged: ISignal<unknown, void>;
}

/**
 * What a server with subscriptions declares of its resources (with
 * `RESOURCES_CAPABILITY`).
 */
export const SUBSCRIPTIONS_CAPABILITY = { listChanged: true, subscribe: true };

/**
 * The smallest interval between two updates of one resource to one
 * session.
 */
export const UPDATE_INTERVAL_MS = 250;

/**
 * The `_meta` key of resources/subscribe asking for updates of the
 * session's own changes too.
 */
export const INCLUDE_OWN_META = 'jupyterlab-mcp-bridge/include_own';

/**
 * The subscriptions of a session, once registered.
 */
export interface ISubscriptions {
  /** The URIs subscribed to, as the client gave them. */
  readonly uris: readonly string[];
  /** Whether the session listens to the feed's changes. */
  readonly listening: boolean;
  /** Updates waiting for their interval to pass. */
  readonly pending: number;
  /** Drop every subscription and stop listening (the session ended). */
  dispose(): void;
}

/**
 * Answer subscription requests of the session `sessionId` and send its
 * updates.
 */
export function registerSubscriptions(
  server: Server,
  options: {
    sessionId: string;
    feed: IChangeFeed;
    intervalMs?: number;
    clock?: IThrottleClock;
  }
): ISubscriptions {
  return new Private.Subscriptions(server, options);
}

namespace Private {
  /**
   * A subscription, by the canonical URI of its resource.
   */
  interface ISubscription {
    /** The URI as the client subscribed it (updates name it so). */
    uri: string;
    ref: ResourceRef;
    includeOwn: boolean;
  }

  /**
   * The key of the list_changed throttle.
   */
  const LIST = '\u0000list';

  export class Subscriptions implements ISubscriptions {
    constructor(
      server: Server,
      options: {
        sessionId: string;
        feed: IChangeFeed;
        intervalMs?: number;
        clock?: IThrottleClock;
      }
    ) {
      this._server = server;
      this._sessionId = options.sessionId;
      this._feed = options.feed;
      this._throttle = new Throttle<string>(
        options.intervalMs ?? UPDATE_INTERVAL_MS,
        key => this._send(key),
        options.clock
      );
      this._feed.listChanged.connect(this._onListChanged, this);
      server.setRequestHandler(SubscribeRequestSchema, async request => {
        const { uri } = request.params;
        const ref = this._check(uri);
        const meta = request.params._meta as
          Record<string, unknown> | undefined;
        this._subscriptions.set(canonical(ref), {
          uri,
          ref,
          includeOwn: meta?.[INCLUDE_OWN_META] === true
        });
        if (!this._listening) {
          this._feed.changed.connect(this._onChanged, this);
          this._listening = true;
        }
        return {};
      });
      server.setRequestHandler(UnsubscribeRequestSchema, async request => {
        const parsed = parseResourceUri(request.params.uri);
        if (parsed.ok) {
          const key = canonical(parsed.ref);
          this._subscriptions.delete(key);
          this._throttle.cancel(key);
        }
        if (!this._subscriptions.size) {
          this._stopListening();
        }
        return {};
      });
    }

    get uris(): string[] {
      return [...this._subscriptions.values()].map(item => item.uri);
    }

    get listening(): boolean {
      return this._listening;
    }

    get pending(): number {
      return this._throttle.pending;
    }

    dispose(): void {
      this._subscriptions.clear();
      this._stopListening();
      this._feed.listChanged.disconnect(this._onListChanged, this);
      this._throttle.dispose();
    }

    private _check(uri: string): ResourceRef {
      const parsed = parseResourceUri(uri);
      if (!parsed.ok) {
        throw new McpError(
          ErrorCode.InvalidParams,
          `Cannot subscribe to "${uri}": ${parsed.reason}. This server's resources are notebook://<path> and output://<notebook path>/<cell id>/<output index> (resources/list, resources/templates/list).`,
          { uri }
        );
      }
      return parsed.ref;
    }

    private _stopListening(): void {
      if (this._listening) {
        this._feed.changed.disconnect(this._onChanged, this);
        this._listening = false;
      }
    }

    private _onChanged(_: unknown, change: ICellChange): void {
      for (const [key, subscription] of this._subscriptions) {
        if (
          affects(subscription.ref, change) &&
          (subscription.includeOwn || change.origin !== this._sessionId)
        ) {
          this._throttle.trigger(key);
        }
      }
    }

    private _onListChanged(): void {
      this._throttle.trigger(LIST);
    }

    private _send(key: string): void {
      if (key === LIST) {
        void this._server.sendResourceListChanged().catch(() => undefined);
        return;
      }
      const subscription = this._subscriptions.get(key);
      if (subscription) {
        void this._server
          .sendResourceUpdated({ uri: subscription.uri })
          .catch(() => undefined);
      }
    }

    private _server: Server;
    private _sessionId: string;
    private _feed: IChangeFeed;
    private _throttle: Throttle<string>;
    private _listening = false;
    private _subscriptions = new Map<string, ISubscription>();
  }

  /**
   * One spelling of each resource URI.
   */
  function canonical(ref: ResourceRef): string {
    return ref.kind === 'notebook'
      ? notebookUri(ref.path)
      : outputUri(ref.path, ref.cellId, ref.outputIndex);
  }
}
