/**
 * Terminal tools: list, create (as a tab), run a command and wait for its
 * output, read recent output, close.
 */

import { z } from 'zod';

import { truncateText } from '../core/outputs';
import { terminalInfo } from '../jupyter/terminals';
import { jsonOutput } from '../mcp/tool';
import { checkTimeout } from './arguments';
import { ProgressReporter } from './progress';
import { defineJupyterTool, type JupyterTool } from './services';

const terminalName = z
  .string()
  .min(1)
  .describe(
    'Name of the terminal, as list_terminals or create_terminal return it (e.g. "1").'
  );

const listTerminals = defineJupyterTool({
  name: 'list_terminals',
  title: 'List terminals',
  description:
    'List the running terminals of the Jupyter server: name, the title of its tab in JupyterLab (null when not open in the page), whether a command started by run_terminal_command is still running ("busy"), and how much recent output the bridge holds for read_terminal_output.',
  category: 'read',
  input: {},
  output: {
    terminals: z.array(z.object(terminalInfo))
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (_, context) => {
    const terminals = await context.services.terminals.list();
    return jsonOutput(
      terminals.length
        ? `${terminals.length} terminal(s) running.`
        : 'No terminal is running. Call create_terminal to start one.',
      { terminals }
    );
  }
});

const createTerminal = defineJupyterTool({
  name: 'create_terminal',
  title: 'Create a terminal',
  description:
    'Start a new terminal (a shell in the Jupyter server root) and open it as a JupyterLab tab beside the user\'s, without taking their focus unless "activate" is true. Returns its name, to pass to run_terminal_command.',
  category: 'terminal',
  input: {
    activate: z
      .boolean()
      .default(false)
      .describe(
        "Bring the terminal's tab to the front (default false: the user keeps their focus)."
      )
  },
  output: terminalInfo,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false
  },
  run: async (args, context) => {
    const info = await context.services.terminals.create(args.activate);
    return jsonOutput(
      `Started terminal "${info.name}"${info.open_in_page ? ' and opened it in a tab' : ''}.`,
      { ...info }
    );
  }
});

const runTerminalCommand = defineJupyterTool({
  name: 'run_terminal_command',
  title: 'Run a terminal command',
  description:
    'Type one shell command line into a terminal (the user sees it run in the terminal\'s tab; without "terminal_name", in a terminal of this session\'s own, made on first use in a background tab, so that the user\'s terminals are never typed into) and wait until it finishes or "timeout_seconds" passes. Returns its output (ANSI codes removed, long output cut in the middle) and exit code. The command must return to the shell prompt to be seen as finished: do not start interactive programs (editors, REPLs, pagers; use e.g. "git --no-pager"). On timeout the command keeps running unless "on_timeout" is "interrupt" (Ctrl-C); follow it with read_terminal_output. Cancelling the call sends Ctrl-C.',
  category: 'terminal',
  input: {
    terminal_name: terminalName
      .optional()
      .describe(
        "Name of the terminal to type into (list_terminals). Default: a terminal of this session's own, made on first use (never one of the user's)."
      ),
    command: z
      .string()
      .min(1)
      .refine(command => !/[\r\n]/.test(command), {
        message:
          'must be a single line: join commands with && or ; (or write a script with write_file and run it)'
      })
      .describe(
        'One shell command line, e.g. "pip list | grep pandas" (join several with && or ;).'
      ),
    timeout_seconds: z
      .number()
      .positive()
      .optional()
      .describe(
        'Seconds to wait (default from the settings, normally 120; at most the configured maximum).'
      ),
    on_timeout: z
      .enum(['continue', 'interrupt'])
      .default('continue')
      .describe(
        'At the timeout: "continue" (default) leaves the command running; "interrupt" sends Ctrl-C.'
      )
  },
  output: {
    terminal_name: z.string(),
    state: z
      .enum(['completed', 'timeout', 'interrupted', 'closed'])
      .describe(
        '"completed", "timeout" (still running), "interrupted" (Ctrl-C) or "closed" (the terminal went away).'
      ),
    exit_code: z
      .number()
      .int()
      .nullable()
      .describe('The exit code, once completed.'),
    output: z.string().describe('What it printed, ANSI codes removed.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  check: async (args, context) => {
    checkTimeout(args.timeout_seconds, context);
    if (args.terminal_name !== undefined) {
      await context.services.terminals.check(args.terminal_name, true);
    }
  },
  run: async (args, context) => {
    const timeout = checkTimeout(args.timeout_seconds, context);
    const terminals = context.services.terminals;
    let name = args.terminal_name;
    if (name === undefined) {
      name = await terminals.ownTerminal(context.session.terminalName);
      if (name !== context.session.terminalName) {
        context.session.terminalName = name;
        context.saveSession();
      }
    }
    const progress = new ProgressReporter(context);
    let result;
    try {
      result = await terminals.run(name, args.command, {
        timeoutMs: timeout * 1000,
        interruptOnTimeout: args.on_timeout === 'interrupt',
        signal: context.signal,
        interruptOnAbort: () => context.cancelledByClient(),
        onOutput: text => progress.output(text)
      });
    } finally {
      progress.stop();
    }
    const output = truncateText(
      result.output.replace(/\n+$/, ''),
      context.services.limits().maxOutputChars,
      'the output is too long to return whole; see the terminal or redirect it to a file'
    );
    const header = {
      completed: `Exit code ${result.exitCode}.`,
      timeout: `Still running after ${timeout} s; the output so far (follow it with read_terminal_output).`,
      interrupted: 'Interrupted with Ctrl-C; the output so far:',
      closed:
        'The terminal was closed while the command ran; the output so far:'
    }[result.state];
    return {
      content: [
        { type: 'text', text: header },
        ...(output ? [{ type: 'text' as const, text: output }] : [])
      ],
      structuredContent: {
        terminal_name: name,
        state: result.state,
        exit_code: result.exitCode,
        output
      }
    };
  }
});

const readTerminalOutput = defineJupyterTool({
  name: 'read_terminal_output',
  title: 'Read terminal output',
  description:
    'Read the recent output of a terminal (what it printed since the bridge first saw it, plus what the server replayed then), ANSI codes removed, the last "max_chars" characters. Use it to follow a command that timed out or to see what the user did in a terminal.',
  category: 'terminal',
  input: {
    terminal_name: terminalName,
    max_chars: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Largest number of characters to return, from the end (default from the settings, normally 20000).'
      )
  },
  output: {
    terminal_name: z.string(),
    busy: z.boolean(),
    returned_chars: z.number().int(),
    total_chars: z.number().int(),
    output: z.string()
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await context.services.terminals.check(args.terminal_name);
  },
  run: async (args, context) => {
    const maxChars = args.max_chars ?? context.services.limits().maxOutputChars;
    const { text, total, busy } = await context.services.terminals.read(
      args.terminal_name,
      maxChars
    );
    const header =
      total > text.length
        ? `Last ${text.length} of ${total} characters of terminal "${args.terminal_name}":`
        : `Output of terminal "${args.terminal_name}" (${total} characters):`;
    return {
      content: [
        { type: 'text', text: header },
        ...(text ? [{ type: 'text' as const, text }] : [])
      ],
      structuredContent: {
        terminal_name: args.terminal_name,
        busy,
        returned_chars: text.length,
        total_chars: total,
        output: text
      }
    };
  }
});

const closeTerminal = defineJupyterTool({
  name: 'close_terminal',
  title: 'Close a terminal',
  description:
    'Shut a terminal down: its shell and anything running in it are ended, and its tab closes.',
  category: 'terminal',
  input: {
    terminal_name: terminalName
  },
  output: {
    terminal_name: z.string(),
    closed: z.boolean()
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await context.services.terminals.check(args.terminal_name);
  },
  run: async (args, context) => {
    await context.services.terminals.close(args.terminal_name);
    return jsonOutput(`Closed terminal "${args.terminal_name}".`, {
      terminal_name: args.terminal_name,
      closed: true
    });
  }
});

/**
 * The terminal tools.
 */
export const terminalTools: JupyterTool[] = [
  listTerminals,
  createTerminal,
  runTerminalCommand,
  readTerminalOutput,
  closeTerminal
];
