import { CONFIG_FLAGS, formatFlagHelp, loadConfig, parseFlags } from '@lostromos/config';
import { engineFor, isRenderError } from '@lostromos/render';
import { ExitCode, NO_RESOURCES, UsageError, type Command, type CommandContext } from '../command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a config file and compile every template set / chart it names',
  usage: `Usage: lostromos validate --config FILE [config flags]

Validates the config (schema, env and flags applied exactly as \`lostromos start\` would), then loads
every resource's templates (Handlebars syntax, helpers, partials) or Helm chart (helm binary, chart).

Exit codes: 0 valid, 1 a template set or chart is broken, 2 the config itself is invalid (or has no resources).

Flags:
${formatFlagHelp(CONFIG_FLAGS.filter((f) => ['config', 'helm-binary'].includes(f.name)))}`,
  async run(ctx: CommandContext): Promise<number> {
    const { flags, positionals } = parseFlags(ctx.argv, CONFIG_FLAGS);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (
      flags.config === undefined &&
      ctx.env.LOSTROMOS_CONFIG === undefined &&
      flags['crd-name'] === undefined
    ) {
      throw new UsageError('--config FILE is required');
    }
    const config = loadConfig({ argv: ctx.argv, env: ctx.env, cwd: ctx.cwd });
    if (config.resources.length === 0) throw new UsageError(NO_RESOURCES);
    let failed = 0;
    const lines: string[] = [];
    for (const r of config.resources) {
      try {
        const loaded = await engineFor(r).load(r, { helm: config.helm });
        lines.push(`  ${r.name}: ${r.group}/${r.version} ${r.plural} ← ${loaded.describe()}`);
      } catch (err) {
        if (!isRenderError(err)) throw err;
        failed++;
        ctx.stderr.write(
          `lostromos validate: resource ${r.name}: ${err.message}\n  (error code ${err.code}; see docs/templates.md)\n`,
        );
      }
    }
    if (failed > 0) {
      ctx.stderr.write(`lostromos validate: ${failed} of ${config.resources.length} resources failed\n`);
      return ExitCode.failure;
    }
    const where = config.configFile || 'flags/env';
    ctx.stdout.write(
      `${where}: valid, ${config.resources.length} resource${config.resources.length === 1 ? '' : 's'}\n${lines.join('\n')}${lines.length ? '\n' : ''}`,
    );
    return ExitCode.ok;
  },
};
