/**
 * The MCP resources of the page: open notebooks as readable text, and
 * single outputs whole (text) or at full size (images).
 */

import type { ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type {
  Resource,
  ResourceTemplate
} from '@modelcontextprotocol/sdk/types.js';

import { renderNotebookText } from '../core/notebooktext';
import { joinText, outputText } from '../core/outputs';
import { notebookUri, parseResourceUri } from '../core/uris';
import { htmlToText } from '../jupyter/html';
import {
  ResourceError,
  type IResourceProvider,
  type ResourceContents
} from '../mcp/resources';
import type { IJupyterServices } from './services';

/**
 * `resources/read` as the policy and the activity log see it: in the
 * `read` category, and `"resources/read"` in `toolPolicy` overrides it.
 */
export const READ_RESOURCE = {
  name: 'resources/read',
  title: 'Read an MCP resource',
  category: 'read'
} as const;

/**
 * MIME type of notebook resources.
 */
export const NOTEBOOK_MIME = 'text/markdown';

/**
 * Characters of each output shown in a notebook resource (at most; the
 * `maxOutputChars` setting applies when smaller).
 */
const NOTEBOOK_OUTPUT_CHARS = 2000;

const BINARY_IMAGES = ['image/png', 'image/jpeg', 'image/gif'];

/**
 * The URI template of notebook resources.
 */
export const NOTEBOOK_TEMPLATE = 'notebook://{+notebook_path}';

/**
 * The URI template of output resources.
 */
export const OUTPUT_TEMPLATE =
  'output://{+notebook_path}/{cell_id}/{output_index}';

/**
 * The resources of the page, read through `services`.
 */
export function jupyterResources(
  services: IJupyterServices
): IResourceProvider {
  return {
    list: async () => {
      const resources: Resource[] = [];
      services.tracker.forEach(panel => {
        resources.push(Private.describe(panel));
      });
      return resources;
    },
    templates: () => Private.TEMPLATES,
    read: async uri => {
      const parsed = parseResourceUri(uri);
      if (!parsed.ok) {
        throw new ResourceError(parsed.error, false);
      }
      const { ref } = parsed;
      const panel = services.workspace.find(ref.path);
      if (!panel) {
        throw new ResourceError(
          `The notebook "${ref.path}" is not open in the page; resources/list shows the open ones (the tool use_notebook opens one).`,
          true
        );
      }
      await panel.context.ready;
      if (ref.kind === 'notebook') {
        return Private.notebook(uri, panel, services);
      }
      return Private.output(uri, panel, ref.cellId, ref.outputIndex);
    }
  };
}

namespace Private {
  export const TEMPLATES: ResourceTemplate[] = [
    {
      uriTemplate: NOTEBOOK_TEMPLATE,
      name: 'notebook',
      title: 'Open notebook',
      description:
        'An open notebook as Markdown: per cell its index, id, type, version and source, and outputs cut short with the output:// URI to read each one whole. Path relative to the Jupyter server root, each segment percent-encoded.',
      mimeType: NOTEBOOK_MIME
    },
    {
      uriTemplate: OUTPUT_TEMPLATE,
      name: 'output',
      title: 'One cell output',
      description:
        'One output of a code cell of an open notebook, whole: text (stream, result, error with traceback, HTML tables as Markdown) as text/plain, or an image at full size (PNG, JPEG, GIF as a blob; SVG as text).'
    }
  ];

  /**
   * The listing of an open notebook.
   */
  export function describe(panel: NotebookPanel): Resource {
    const path = panel.context.path;
    const kernel = panel.sessionContext.session?.kernel?.name;
    const cells = panel.context.model?.cells.length ?? 0;
    return {
      uri: notebookUri(path),
      name: path,
      title: path.split('/').pop() ?? path,
      description: `Open notebook: ${cells} cell(s)${kernel ? `, kernel ${kernel}` : ''}${
        panel.context.model?.dirty ? ', unsaved changes' : ''
      }. Read as Markdown (live content, unsaved changes included).`,
      mimeType: NOTEBOOK_MIME
    };
  }

  /**
   * A notebook as Markdown, from the live model.
   */
  export function notebook(
    uri: string,
    panel: NotebookPanel,
    services: IJupyterServices
  ): ResourceContents {
    const content = panel.context.model.toJSON() as nbformat.INotebookContent;
    const text = renderNotebookText(panel.context.path, content, {
      maxOutputChars: Math.min(
        services.limits().maxOutputChars,
        NOTEBOOK_OUTPUT_CHARS
      ),
      htmlToText,
      kernel: panel.sessionContext.session?.kernel?.name ?? null
    });
    return [{ uri, mimeType: NOTEBOOK_MIME, text }];
  }

  /**
   * One output, whole.
   */
  export function output(
    uri: string,
    panel: NotebookPanel,
    cellId: string,
    outputIndex: number
  ): ResourceContents {
    const cells = panel.context.model.cells;
    let model: ICodeCellModel | null = null;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      if (cell.id === cellId) {
        if (cell.type !== 'code') {
          throw new ResourceError(
            `Cell "${cellId}" of "${panel.context.path}" is a ${cell.type} cell and has no outputs.`,
            true
          );
        }
        model = cell as ICodeCellModel;
        break;
      }
    }
    if (!model) {
      throw new ResourceError(
        `No cell has id "${cellId}" in "${panel.context.path}"; read notebook://${panel.context.path} for the ids.`,
        true
      );
    }
    const outputs = model.outputs.toJSON();
    if (outputIndex >= outputs.length) {
      throw new ResourceError(
        `Cell "${cellId}" has ${outputs.length} output(s)${
          outputs.length ? ` (indexes 0 to ${outputs.length - 1})` : ''
        }; there is no output ${outputIndex}.`,
        true
      );
    }
    const item = outputs[outputIndex];
    const data = (item as nbformat.IDisplayData).data;
    if (data) {
      const binary = BINARY_IMAGES.find(type => data[type] !== undefined);
      if (binary) {
        const blob = joinText(data[binary] as nbformat.MultilineString).replace(
          /\s/g,
          ''
        );
        return [{ uri, mimeType: binary, blob }];
      }
      if (data['image/svg+xml'] !== undefined) {
        return [
          {
            uri,
            mimeType: 'image/svg+xml',
            text: joinText(data['image/svg+xml'] as nbformat.MultilineString)
          }
        ];
      }
    }
    return [
      {
        uri,
        mimeType: 'text/plain',
        text: outputText(outputs, outputIndex, htmlToText)
      }
    ];
  }
}
