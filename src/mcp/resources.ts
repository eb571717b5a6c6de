/**
 * MCP resources: the SDK wiring of resources/list, resources/templates/list
 * and resources/read to a provider that reads the page.
 */

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate
} from '@modelcontextprotocol/sdk/types.js';

/**
 * The JSON-RPC error code of an unknown resource (MCP specification).
 */
export const RESOURCE_NOT_FOUND = -32002;

/**
 * The contents of a read resource.
 */
export type ResourceContents = ReadResourceResult['contents'];

/**
 * Where resources come from.
 */
export interface IResourceProvider {
  /**
   * The resources to list now.
   */
  list(): Promise<Resource[]>;
  /**
   * The URI templates of resources that are not listed.
   */
  templates(): ResourceTemplate[];
  /**
   * Read a resource; throw a {@link ResourceError} when it cannot be.
   */
  read(uri: string): Promise<ResourceContents>;
}

/**
 * Why a resource cannot be read.
 */
export class ResourceError extends Error {
  /**
   * @param message - What is wrong, for the client.
   * @param notFound - True when the URI is well formed but names nothing
   *   (else the URI itself is invalid).
   */
  constructor(
    message: string,
    readonly notFound: boolean
  ) {
    super(message);
    this.name = 'ResourceError';
  }
}

/**
 * The server capability to declare with {@link registerResources}.
 */
export const RESOURCES_CAPABILITY = {
  resources: { listChanged: false, subscribe: false }
};

/**
 * Answer resource requests from `provider`.
 */
export function registerResources(
  server: Server,
  provider: IResourceProvider
): void {
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: await provider.list()
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: provider.templates()
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async request => {
    const uri = request.params.uri;
    try {
      return { contents: await provider.read(uri) };
    } catch (error) {
      if (error instanceof ResourceError) {
        throw new McpError(
          error.notFound ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams,
          error.message,
          { uri }
        );
      }
      throw error;
    }
  });
}
