import { isConfigError } from '@lostromos/config';
import { isRenderError } from '@lostromos/render';
import { ExitCode, UsageError, type CommandContext } from './command.js';
import { commands } from './commands/index.js';

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'lostromos: render Custom Resources through templates and keep the objects in sync',
    '',
    'Usage: lostromos <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `lostromos <command> --help` for the flags of one command.',
    '',
  ].join('\n');
}

/** Dispatches argv to a sub-command; never throws, always resolves to an exit code. */
export async function runCli(ctx: CommandContext): Promise<number> {
  const [name, ...rest] = ctx.argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(topLevelHelp());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-v') return runCli({ ...ctx, argv: ['version'] });
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const known = commands.map((c) => c.name).join(', ');
    ctx.stderr.write(
      `lostromos: unknown command "${name}" (commands: ${known})\n  run \`lostromos --help\` for what each does\n`,
    );
    return ExitCode.usage;
  }
  // Usage errors: the one useful line, then where the flags are; never the whole help.
  const pointer = `  run \`lostromos ${command.name} --help\` for its flags`;
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(`${command.usage.trimEnd()}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run({ ...ctx, argv: rest });
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`lostromos ${command.name}: ${err.message}\n${pointer}\n`);
      return ExitCode.usage;
    }
    if (isConfigError(err)) {
      if (err.code === 'LZ_CONFIG_FLAG') {
        // A bad command-line flag is a usage error: the problem (with its "did you mean"), then the pointer.
        ctx.stderr.write(`lostromos ${command.name}: ${err.message.replace(/^config: /, '')}\n${pointer}\n`);
        return ExitCode.usage;
      }
      // First line: the first problem; then every problem with where it came from (when that adds anything).
      const details = err.details();
      const more = details.trim() === err.message && err.issues.every((i) => !i.where) ? '' : `${details}\n`;
      ctx.stderr.write(`lostromos ${command.name}: ${err.message}\n${more}`);
      return ExitCode.usage;
    }
    if (isRenderError(err)) {
      ctx.stderr.write(
        `lostromos ${command.name}: ${err.message}\n  (error code ${err.code}; see docs/templates.md)\n`,
      );
      return ExitCode.failure;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    ctx.stderr.write(`lostromos ${command.name}: ${e.message}\n`);
    if (e.cause !== undefined)
      ctx.stderr.write(`  caused by: ${String((e.cause as Error)?.message ?? e.cause)}\n`);
    return ExitCode.failure;
  }
}
