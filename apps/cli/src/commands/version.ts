import fs from 'node:fs';
import { ExitCode, UsageError, type Command, type CommandContext } from '../command.js';

/** The CLI package's version; read at run time so src/ and dist/ report the same. */
export function cliVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the version',
  usage: `Usage: lostromos version

Prints "lostromos <version>" and the Node.js runtime and platform it runs on.`,
  run(ctx: CommandContext): Promise<number> {
    if (ctx.argv.length > 0) throw new UsageError(`unexpected argument ${ctx.argv[0]}`);
    ctx.stdout.write(
      `lostromos ${cliVersion()} (node ${process.version}, ${process.platform}/${process.arch})\n`,
    );
    return Promise.resolve(ExitCode.ok);
  },
};
