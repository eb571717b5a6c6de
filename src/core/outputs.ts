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
   * Whether image outputs become image content (else a short note).
   */
  includeImages: boolean;
  /**
   * Turn HTML into readable text (tables as Markdown), or null when it
   * holds nothing worth more than its `text/plain`. Given by the page,
   * which has a DOM parser.
   */
  htmlToText?: (html: string) => string | null;
  /**
   * Tell the reader how to get the rest of output `index` from `offset`.
   */
  moreHint?: (index: number, offset: number) => string;
}

/**
 * Defaults used when a caller gives no options.
 */
export const DEFAULT_RENDER_OPTIONS: IOutputRenderOptions = {
  maxOutputChars: 20000,
  includeImages: true
};

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/svg+xml'];

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
export function truncateText(
  text: string,
  max: number,
  hint = 'the output is too long to return whole'
): string {
  if (text.length <= max) {
    return text;
  }
  const keepTail = Math.floor(max / 4);
  const keepHead = Math.max(0, max - keepTail);
  const cut = text.length - keepHead - keepTail;
  return (
    text.slice(0, keepHead) +
    `\n[... ${cut} characters cut (from character ${keepHead} of ${text.length}); ${hint} ...]\n` +
    text.slice(text.length - keepTail)
  );
}

/**
 * The whole text form of output `index`, as tools return it before any cut
 * (used to page through long outputs). A stream output is read together
 * with the stream outputs of the same name that follow it, as tool results
 * show them.
 */
export function outputText(
  outputs: readonly nbformat.IOutput[],
  index: number,
  htmlToText?: (html: string) => string | null
): string {
  let output = outputs[index];
  if (output.output_type === 'stream') {
    const name = (output as nbformat.IStream).name;
    let text = '';
    for (let i = index; i < outputs.length; i++) {
      const next = outputs[i] as nbformat.IStream;
      if (next.output_type !== 'stream' || next.name !== name) {
        break;
      }
      text += joinText(next.text);
    }
    output = { output_type: 'stream', name, text } as nbformat.IStream;
  }
  return renderOutput(output, {
    maxOutputChars: Number.MAX_SAFE_INTEGER,
    includeImages: false,
    htmlToText
  })
    .map(block => (block.type === 'text' ? block.text : ''))
    .join('\n');
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
  options: IOutputRenderOptions = DEFAULT_RENDER_OPTIONS,
  index = 0
): ContentBlock[] {
  const text = (value: string): ITextBlock => ({
    type: 'text',
    text: truncateText(
      value,
      options.maxOutputChars,
      options.moreHint?.(
        index,
        options.maxOutputChars - Math.floor(options.maxOutputChars / 4)
      )
    )
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
      const image = IMAGE_TYPES.find(type => data[type] !== undefined);
      if (image) {
        if (!options.includeImages) {
          blocks.push(text(`[${image} image omitted]`));
        } else if (image === 'image/svg+xml') {
          // Kept as SVG text here; the page rasterizes it to PNG.
          blocks.push({
            type: 'image',
            data: joinText(data[image] as nbformat.MultilineString),
            mimeType: image
          });
        } else {
          blocks.push({
            type: 'image',
            data: joinText(data[image] as nbformat.MultilineString).replace(
              /\s/g,
              ''
            ),
            mimeType: image
          });
        }
      }
      if (image) {
        return blocks;
      }
      const html = data['text/html'];
      const fromHtml =
        html !== undefined && options.htmlToText
          ? options.htmlToText(joinText(html as nbformat.MultilineString))
          : null;
      const plain = data['text/plain'] ?? data['text/markdown'];
      if (fromHtml) {
        blocks.push(text(fromHtml));
      } else if (plain !== undefined) {
        blocks.push(
          text(stripAnsi(joinText(plain as nbformat.MultilineString)))
        );
      } else {
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
  let pending: { name: string; text: string; index: number } | null = null;
  const flush = () => {
    if (pending) {
      const stream = {
        output_type: 'stream',
        name: pending.name,
        text: pending.text
      } as nbformat.IStream;
      blocks.push(...renderOutput(stream, options, pending.index));
      pending = null;
    }
  };
  outputs.forEach((output, index) => {
    if (output.output_type === 'stream') {
      const stream = output as nbformat.IStream;
      const chunk = joinText(stream.text);
      if (pending && pending.name === stream.name) {
        pending.text += chunk;
      } else {
        flush();
        pending = { name: stream.name, text: chunk, index };
      }
      return;
    }
    flush();
    blocks.push(...renderOutput(output, options, index));
  });
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

/**
 * Keep the text of `blocks` within `maxChars` in all: blocks past the
 * budget are dropped and a last note says how many and how to read them.
 */
export function applyResultBudget(
  blocks: ContentBlock[],
  maxChars: number,
  hint: string
): ContentBlock[] {
  const kept: ContentBlock[] = [];
  const worthCutting = Math.min(200, Math.floor(maxChars / 4));
  let used = 0;
  let dropped = 0;
  for (const block of blocks) {
    const size = block.type === 'text' ? block.text.length : 0;
    if (dropped === 0 && used + size <= maxChars) {
      kept.push(block);
      used += size;
    } else if (
      dropped === 0 &&
      block.type === 'text' &&
      maxChars - used >= worthCutting
    ) {
      kept.push({
        type: 'text',
        text: truncateText(block.text, maxChars - used, hint)
      });
      used = maxChars;
    } else {
      dropped += 1;
    }
  }
  if (dropped > 0) {
    kept.push({
      type: 'text',
      text: `[${dropped} more output block(s) left out: the result budget of ${maxChars} characters is used up; ${hint}]`
    });
  }
  return kept;
}
