/**
 * Inspecting a Python kernel's user variables: the introspection snippet
 * sent to the kernel and the parsing of what it returns. Pure functions.
 *
 * The snippet runs as one IPython `user_expressions` entry, in a private
 * namespace (nothing is added to the user's variables or history), and
 * evaluates to an object whose `repr` is the JSON of the result, so that
 * the `text/plain` of the expression's value is that JSON.
 */

/**
 * One user variable as the kernel describes it.
 */
export interface IVariableInfo {
  name: string;
  /**
   * The type: builtin names as is (`int`, `list`), others with their top
   * package (`pandas.DataFrame`, `numpy.ndarray`).
   */
  type: string;
  /**
   * Shape of arrays, data frames and series.
   */
  shape?: number[];
  /**
   * Length of other sized objects (lists, dicts, strings ...).
   */
  length?: number;
  /**
   * Element type of arrays and series.
   */
  dtype?: string;
  /**
   * Column types of data frames, e.g. `a: int64, b: float64`.
   */
  dtypes?: string;
  /**
   * A short repr, cut at the requested length.
   */
  repr: string;
}

/**
 * What the snippet returns.
 */
export interface IVariablesResult {
  variables: IVariableInfo[];
  /**
   * Number of user variables, including those beyond the limit.
   */
  total: number;
  /**
   * Whether variables were left out because of the limit.
   */
  truncated: boolean;
}

/**
 * Options of {@link variablesExpression}.
 */
export interface IVariablesOptions {
  /**
   * Largest number of variables to describe.
   */
  limit: number;
  /**
   * Largest length of each repr.
   */
  maxRepr: number;
}

/**
 * The Python source that inspects the user namespace. It expects the names
 * `ns` (the user namespace), `hidden` (IPython's hidden names), `limit` and
 * `max_repr` in its globals, and sets `result`.
 */
export const PYTHON_INSPECT_SOURCE = `
import json as _json
import reprlib as _reprlib
import types as _types

_SKIP = {'In', 'Out', 'exit', 'quit', 'get_ipython'}
_CALLABLE = (
    _types.ModuleType, _types.FunctionType, _types.BuiltinFunctionType,
    _types.MethodType, _types.BuiltinMethodType, type,
)
_nomatch = object()
_short = _reprlib.Repr()
_short.maxstring = max_repr
_short.maxother = max_repr
_short.maxlist = _short.maxtuple = _short.maxset = _short.maxdict = 20
_BUILTIN_CONTAINERS = (list, tuple, dict, set, frozenset, str, bytes)


def _type_name(t):
    module = getattr(t, '__module__', '') or ''
    name = getattr(t, '__qualname__', None) or getattr(t, '__name__', '?')
    if module in ('builtins', '__main__', ''):
        return name
    return module.split('.')[0] + '.' + name


def _cut(text):
    text = str(text)
    return text if len(text) <= max_repr else text[:max_repr] + '...'


def _describe(name, value):
    t = type(value)
    entry = {'name': name, 'type': _type_name(t)}
    module = (getattr(t, '__module__', '') or '').split('.')[0]
    try:
        if module == 'pandas' and hasattr(value, 'dtypes') and hasattr(value, 'columns'):
            entry['shape'] = [int(n) for n in value.shape]
            items = [str(k) + ': ' + str(v) for k, v in list(value.dtypes.items())[:20]]
            if len(value.columns) > 20:
                items.append('... (' + str(len(value.columns)) + ' columns)')
            entry['dtypes'] = ', '.join(items)
        elif hasattr(value, 'shape') and hasattr(value, 'dtype') and isinstance(getattr(value, 'shape'), tuple):
            entry['shape'] = [int(n) for n in value.shape]
            entry['dtype'] = str(value.dtype)
        elif not isinstance(value, type) and hasattr(t, '__len__'):
            entry['length'] = int(len(value))
    except Exception:
        pass
    try:
        if isinstance(value, _BUILTIN_CONTAINERS):
            entry['repr'] = _cut(_short.repr(value))
        else:
            entry['repr'] = _cut(repr(value))
    except Exception as error:
        entry['repr'] = '<repr failed: ' + _cut(type(error).__name__ + ': ' + str(error)) + '>'
    return entry


_variables = []
_total = 0
for _name, _value in list(ns.items()):
    if _name.startswith('_') or _name in _SKIP:
        continue
    if hidden.get(_name, _nomatch) is _value:
        continue
    if isinstance(_value, _CALLABLE):
        continue
    _total += 1
    if len(_variables) < limit:
        _variables.append(_describe(_name, _value))


class _Json:
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


result = _Json(_json.dumps({
    'variables': _variables,
    'total': _total,
    'truncated': _total > len(_variables),
}))
`;

/**
 * The IPython expression that runs {@link PYTHON_INSPECT_SOURCE} in a
 * private namespace and evaluates to its result.
 */
export function variablesExpression(options: IVariablesOptions): string {
  const limit = Private.positiveInt(options.limit, 'limit');
  const maxRepr = Private.positiveInt(options.maxRepr, 'maxRepr');
  // A JSON string literal is a valid Python string literal.
  const source = JSON.stringify(PYTHON_INSPECT_SOURCE);
  const shell = "__import__('IPython').get_ipython()";
  return (
    `(lambda g: (exec(${source}, g), g['result'])[1])(` +
    `{'ns': ${shell}.user_ns, 'hidden': ${shell}.user_ns_hidden, ` +
    `'limit': ${limit}, 'max_repr': ${maxRepr}})`
  );
}

/**
 * One entry of an execute reply's `user_expressions`.
 */
export interface IUserExpressionResult {
  status?: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

/**
 * The outcome of parsing a user expression's result.
 */
export type VariablesParse =
  { ok: true; result: IVariablesResult } | { ok: false; error: string };

/**
 * Parse the `user_expressions` entry the kernel returned for
 * {@link variablesExpression}.
 */
export function parseVariablesResult(
  entry: IUserExpressionResult | undefined
): VariablesParse {
  if (!entry) {
    return {
      ok: false,
      error: 'The kernel returned no result for the variable inspection.'
    };
  }
  if (entry.status !== 'ok') {
    return {
      ok: false,
      error: `The variable inspection failed in the kernel: ${entry.ename ?? 'Error'}: ${entry.evalue ?? '(no message)'}`
    };
  }
  const text = entry.data?.['text/plain'];
  if (typeof text !== 'string') {
    return {
      ok: false,
      error: 'The kernel returned the variable inspection without text.'
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      ok: false,
      error: `The kernel returned something that is not JSON: ${text.slice(0, 200)}`
    };
  }
  if (!Private.isResult(parsed)) {
    return {
      ok: false,
      error:
        'The kernel returned the variable inspection in an unexpected shape.'
    };
  }
  return { ok: true, result: parsed };
}

/**
 * A one-line description of a variable, e.g.
 * `df: pandas.DataFrame shape (3, 2) [a: int64, b: float64]`.
 */
export function describeVariable(variable: IVariableInfo): string {
  const parts = [`${variable.name}: ${variable.type}`];
  if (variable.shape) {
    parts.push(
      `shape (${variable.shape.join(', ')}${variable.shape.length === 1 ? ',' : ''})`
    );
  }
  if (variable.length !== undefined) {
    parts.push(`len ${variable.length}`);
  }
  if (variable.dtype) {
    parts.push(`dtype ${variable.dtype}`);
  }
  if (variable.dtypes) {
    parts.push(`[${variable.dtypes}]`);
  }
  const repr = variable.repr.replace(/\s*\n\s*/g, ' ⏎ ');
  return `${parts.join(' ')} = ${repr}`;
}

namespace Private {
  export function positiveInt(value: number, name: string): number {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer (got ${value})`);
    }
    return value;
  }

  function isVariable(value: unknown): value is IVariableInfo {
    if (typeof value !== 'object' || value === null) {
      return false;
    }
    const v = value as Record<string, unknown>;
    return (
      typeof v.name === 'string' &&
      typeof v.type === 'string' &&
      typeof v.repr === 'string' &&
      (v.shape === undefined ||
        (Array.isArray(v.shape) &&
          v.shape.every(n => typeof n === 'number'))) &&
      (v.length === undefined || typeof v.length === 'number')
    );
  }

  export function isResult(value: unknown): value is IVariablesResult {
    if (typeof value !== 'object' || value === null) {
      return false;
    }
    const v = value as Record<string, unknown>;
    return (
      Array.isArray(v.variables) &&
      v.variables.every(isVariable) &&
      typeof v.total === 'number' &&
      typeof v.truncated === 'boolean'
    );
  }
}
