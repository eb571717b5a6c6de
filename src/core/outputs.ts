/**
 * Turning notebook outputs into MCP content an LLM can read.
 *
 * Pure functions: no JupyterLab or browser imports, so they run and are
 * unit-tested in Node as well as in the page.
 */

import type * as nbformat from '@jupyterlab/nbformat';

/**
 * A text block of MCP tool content.
 */
export interface ITextBlock {
  type: 'text';
  text: string;
}

/**
 * An image block of MCP tool content (base64 data).
 */
export interface IImageBlock {
  type: 'image';
  data: string;
  mimeType: string;
}

/**
 * The MCP content blocks this module produces.
 */
export type ContentBlock = ITextBlock | IImageBlock;

/**
 * Options for rendering outputs.
 */
export interface IOutputRenderOptions {
  /**
   * Largest number of characters kept of one output's text.
   */
  maxOutputChars: number;
  /**
   * Whether PNG and JPEG outputs become image content (else a short note).
   */
  includeImages: boolean;
}

/**
 * Defaults used when a caller gives no options.
 */
export const DEFAULT_RENDER_OPTIONS: IOutputRenderOptions = {
  maxOutputChars: 20000,
  includeImages: true
};

const IMAGE_TYPES = ['image/png', 'image/jpeg'];

/**
 * Remove ANSI escape sequences (colours, cursor moves, OSC titles).
 */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[@-Z\\-_]/g, '');
}

/**
 * Apply carriage returns the way a terminal shows them: on each line only
 * the text after the last `\r` remains (progress bars collapse to their
 * final state).
 */
export function applyCarriageReturns(text: string): string {
  if (!text.includes('\r')) {
    return text;
  }
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map(line => {
      const parts = line.split('\r');
      let shown = '';
      for (const part of parts) {
        shown = part + shown.slice(part.length);
      }
      return shown;
    })
    .join('\n');
}

/**
 * Join an nbformat multiline string.
 */
export function joinText(value: nbformat.MultilineString | undefined): string {
  if (value === undefined) {
    return '';
  }
  return Array.isArray(value) ? value.join('') : value;
}

/**
 * Cut `text` to `max` characters, keeping the head and the tail, and say
 * what was cut.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  const keepTail = Math.floor(max / 4);
  const keepHead = Math.max(0, max - keepTail);
  const cut = text.length - keepHead - keepTail;
  return (
    text.slice(0, keepHead) +
    `\n[... ${cut} characters cut of ${text.length}; the output is too long to return whole ...]\n` +
    text.slice(text.length - keepTail)
  );
}

/**
 * Render an error output as `ename: evalue` and its traceback, without ANSI codes.
 */
export function formatError(output: nbformat.IError): string {
  const head = `${output.ename}: ${output.evalue}`;
  const traceback = (output.traceback ?? [])
    .map(line => stripAnsi(line))
    .join('\n')
    .trim();
  return traceback ? `${head}\n${traceback}` : head;
}

/**
 * Render one nbformat output as MCP content blocks.
 */
export function renderOutput(
  output: nbformat.IOutput,
  options: IOutputRenderOptions = DEFAULT_RENDER_OPTIONS
): ContentBlock[] {
  const text = (value: string): ITextBlock => ({
    type: 'text',
    text: truncateText(value, options.maxOutputChars)
  });
  switch (output.output_type) {
    case 'stream': {
      const stream = output as nbformat.IStream;
      const body = applyCarriageReturns(stripAnsi(joinText(stream.text)));
      return [text(stream.name === 'stderr' ? `[stderr]\n${body}` : body)];
    }
    case 'error':
      return [text(formatError(output as nbformat.IError))];
    case 'execute_result':
    case 'display_data': {
      const data = (output as nbformat.IDisplayData).data ?? {};
      const blocks: ContentBlock[] = [];
      const image = IMAGE_TYPES.find(type => typeof data[type] === 'string');
      if (image) {
        if (options.includeImages) {
          blocks.push({
            type: 'image',
            data: (data[image] as string).replace(/\s/g, ''),
            mimeType: image
          });
        } else {
          blocks.push(text(`[${image} image omitted]`));
        }
      }
      const plain = data['text/plain'];
      if (plain !== undefined && (!image || blocks.length === 0)) {
        blocks.push(
          text(stripAnsi(joinText(plain as nbformat.MultilineString)))
        );
      } else if (!image && plain === undefined) {
        const types = Object.keys(data);
        blocks.push(
          text(
            types.length
              ? `[output of type ${types.join(', ')} with no text form]`
              : '[empty output]'
          )
        );
      }
      return blocks;
    }
    default:
      return [];
  }
}

/**
 * Render a list of outputs, merging consecutive text blocks so that a
 * stream written in many small chunks reads as one text.
 */
export function renderOutputs(
  outputs: readonly nbformat.IOutput[],
  options: IOutputRenderOptions = DEFAULT_RENDER_OPTIONS
): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  let pendingStream: { name: string; text: string } | null = null;
  const flush = () => {
    if (pendingStream) {
      blocks.push(
        ...renderOutput(
          {
            output_type: 'stream',
            name: pendingStream.name,
            text: pendingStream.text
          } as nbformat.IStream,
          options
        )
      );
      pendingStream = null;
    }
  };
  for (const output of outputs) {
    if (output.output_type === 'stream') {
      const stream = output as nbformat.IStream;
      const chunk = joinText(stream.text);
      if (pendingStream && pendingStream.name === stream.name) {
        pendingStream.text += chunk;
      } else {
        flush();
        pendingStream = { name: stream.name, text: chunk };
      }
      continue;
    }
    flush();
    blocks.push(...renderOutput(output, options));
  }
  flush();
  return blocks;
}

/**
 * A short plain-text summary of outputs (for brief listings and progress).
 */
export function summarizeOutputs(
  outputs: readonly nbformat.IOutput[],
  maxChars: number
): string {
  const parts = renderOutputs(outputs, {
    maxOutputChars: maxChars,
    includeImages: false
  }).map(block => (block.type === 'text' ? block.text : `[${block.mimeType}]`));
  return truncateText(parts.join('\n'), maxChars);
}
