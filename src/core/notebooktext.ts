/**
 * A notebook as readable Markdown text (the content of `notebook://`
 * resources). Pure functions.
 */

import type * as nbformat from '@jupyterlab/nbformat';

import { cellVersion } from './cells';
import { joinText, renderOutput } from './outputs';
import { outputUri } from './uris';

/**
 * Options of {@link renderNotebookText}.
 */
export interface INotebookTextOptions {
  /**
   * Characters kept of each output's text; the rest is cut with a note
   * giving the output's URI.
   */
  maxOutputChars: number;
  /**
   * Turn HTML outputs into text (given by the page).
   */
  htmlToText?: (html: string) => string | null;
  /**
   * A line about the kernel, if any.
   */
  kernel?: string | null;
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/svg+xml'];

/**
 * Render a notebook as Markdown: a header, then per cell its index, id,
 * type, version and source, and for code cells each output as text (cut to
 * `maxOutputChars`) or, for images, the URI to read it from.
 */
export function renderNotebookText(
  path: string,
  notebook: nbformat.INotebookContent,
  options: INotebookTextOptions
): string {
  const cells = notebook.cells ?? [];
  const lines: string[] = [
    `# Notebook ${path}`,
    '',
    `${cells.length} cell(s)${options.kernel ? `; kernel ${options.kernel}` : ''}. Outputs too long to show whole, and images, can be read at the output:// URI given beside them.`
  ];
  const language =
    (notebook.metadata?.language_info as { name?: string } | undefined)?.name ??
    '';
  cells.forEach((cell, index) => {
    const source = joinText(cell.source);
    const id = typeof cell.id === 'string' ? cell.id : '';
    const count =
      cell.cell_type === 'code'
        ? (cell as nbformat.ICodeCell).execution_count
        : null;
    lines.push(
      '',
      `## Cell ${index} · ${cell.cell_type} · id ${id || '(none)'} · version ${cellVersion(cell.cell_type, source)}${
        count !== null && count !== undefined ? ` · [${count}]` : ''
      }`,
      ''
    );
    if (cell.cell_type === 'code') {
      lines.push(Private.fence(source, language));
      const outputs = (cell as nbformat.ICodeCell).outputs ?? [];
      outputs.forEach((output, outputIndex) => {
        const uri = id ? outputUri(path, id, outputIndex) : null;
        lines.push('', Private.outputText(output, outputIndex, uri, options));
      });
    } else {
      lines.push(source);
    }
  });
  return lines.join('\n') + '\n';
}

namespace Private {
  /**
   * A fenced code block that its content cannot close.
   */
  export function fence(source: string, language: string): string {
    let ticks = '```';
    while (source.includes(ticks)) {
      ticks += '`';
    }
    return `${ticks}${language}\n${source}\n${ticks}`;
  }

  /**
   * One output as text, or a pointer to its URI.
   */
  export function outputText(
    output: nbformat.IOutput,
    index: number,
    uri: string | null,
    options: INotebookTextOptions
  ): string {
    const data = (output as nbformat.IDisplayData).data;
    const image = data ? IMAGE_TYPES.find(type => data[type]) : undefined;
    if (image) {
      return `Output ${index}: [${image} image${uri ? `: ${uri}` : ''}]`;
    }
    const text = renderOutput(
      output,
      {
        maxOutputChars: options.maxOutputChars,
        includeImages: false,
        htmlToText: options.htmlToText,
        moreHint: () =>
          uri ? `read it whole at ${uri}` : 'the rest is not shown'
      },
      index
    )
      .map(block => (block.type === 'text' ? block.text : ''))
      .join('\n');
    return `Output ${index} (${output.output_type}):\n${fence(text, 'text')}`;
  }
}
