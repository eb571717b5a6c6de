/**
 * The URIs of the bridge's MCP resources. Pure functions.
 *
 * - `notebook://<path>`: an open notebook (e.g.
 *   `notebook://analysis/report.ipynb`).
 * - `output://<notebook path>/<cell id>/<output index>`: one output of a
 *   cell, whole (e.g. `output://analysis/report.ipynb/3f2a.../0`).
 *
 * Each path segment is percent-encoded (`encodeURIComponent`), so spaces,
 * `?` and `#` in names survive; `/` separates segments.
 */

/**
 * Scheme of notebook resources.
 */
export const NOTEBOOK_SCHEME = 'notebook';

/**
 * Scheme of output resources.
 */
export const OUTPUT_SCHEME = 'output';

/**
 * A resource named by a URI.
 */
export type ResourceRef =
  | { kind: 'notebook'; path: string }
  | { kind: 'output'; path: string; cellId: string; outputIndex: number };

/**
 * The outcome of parsing a resource URI.
 */
export type UriParse =
  | { ok: true; ref: ResourceRef }
  | {
      ok: false;
      /** The message of a refused read. */
      error: string;
      /** Why the URI is not one of this server's, alone. */
      reason: string;
    };

/**
 * The URI of a notebook.
 */
export function notebookUri(path: string): string {
  return `${NOTEBOOK_SCHEME}://${Private.encodePath(path)}`;
}

/**
 * The URI of output `outputIndex` of cell `cellId` of a notebook.
 */
export function outputUri(
  path: string,
  cellId: string,
  outputIndex: number
): string {
  return `${OUTPUT_SCHEME}://${Private.encodePath(path)}/${encodeURIComponent(cellId)}/${outputIndex}`;
}

/**
 * Parse a resource URI of this server.
 */
export function parseResourceUri(uri: string): UriParse {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(uri);
  if (!match) {
    return Private.fail(uri, 'it is not of the form <scheme>://<path>');
  }
  const scheme = match[1].toLowerCase();
  const rest = match[2];
  if (scheme !== NOTEBOOK_SCHEME && scheme !== OUTPUT_SCHEME) {
    return Private.fail(
      uri,
      `the scheme "${scheme}" is not served here (only ${NOTEBOOK_SCHEME}:// and ${OUTPUT_SCHEME}://)`
    );
  }
  if (/[?#]/.test(rest)) {
    return Private.fail(
      uri,
      'it holds "?" or "#" (percent-encode them in names)'
    );
  }
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    if (raw === '') {
      continue;
    }
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return Private.fail(uri, `"${raw}" is not valid percent-encoding`);
    }
    if (segment === '.' || segment === '..' || segment.includes('/')) {
      return Private.fail(
        uri,
        'paths are relative to the Jupyter server root and may not hold "." or ".." segments'
      );
    }
    segments.push(segment);
  }
  if (scheme === NOTEBOOK_SCHEME) {
    const path = segments.join('/');
    if (!path.endsWith('.ipynb')) {
      return Private.fail(uri, 'a notebook path ends in .ipynb');
    }
    return { ok: true, ref: { kind: 'notebook', path } };
  }
  if (segments.length < 3) {
    return Private.fail(
      uri,
      'an output URI is output://<notebook path>/<cell id>/<output index>'
    );
  }
  const indexText = segments[segments.length - 1];
  if (!/^\d+$/.test(indexText)) {
    return Private.fail(
      uri,
      `the output index "${indexText}" is not a whole number`
    );
  }
  const cellId = segments[segments.length - 2];
  const path = segments.slice(0, -2).join('/');
  if (!path.endsWith('.ipynb')) {
    return Private.fail(uri, 'a notebook path ends in .ipynb');
  }
  return {
    ok: true,
    ref: { kind: 'output', path, cellId, outputIndex: Number(indexText) }
  };
}

namespace Private {
  export function encodePath(path: string): string {
    return path
      .split('/')
      .filter(segment => segment !== '')
      .map(segment => encodeURIComponent(segment))
      .join('/');
  }

  export function fail(uri: string, why: string): UriParse {
    return { ok: false, error: `Cannot read "${uri}": ${why}.`, reason: why };
  }
}
