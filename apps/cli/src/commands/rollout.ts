import os from 'node:os';
import {
  CONFIG_FLAGS,
  formatFlagHelp,
  loadConfig,
  parseFlags,
  type FlagSpec,
  type ResourceConfig,
} from '@lostromos/config';
import {
  pauseRollout,
  resumeRollout,
  RolloutStore,
  TemplateStore,
  undoRollout,
  type RolloutCommandResult,
  type RolloutState,
} from '@lostromos/queue';
import { ExitCode, UsageError, type Command, type CommandContext } from '../command.js';
import { connectRedis } from '../connect-redis.js';
import { formatRolloutStatus } from '../rollout/format-rollout.js';

const ROLLOUT_FLAGS: readonly FlagSpec[] = [
  {
    name: 'resource',
    type: 'string',
    metavar: 'NAME',
    description: 'resource of --config whose rollout to act on',
  },
  { name: 'output', type: 'string', metavar: 'FORMAT', description: 'status as text (default) or json (-o)' },
];

const ACTIONS = ['status', 'pause', 'resume', 'undo'] as const;
type Action = (typeof ACTIONS)[number];

function who(env: CommandContext['env']): string {
  let user = env.USER ?? env.LOGNAME;
  try {
    user ??= os.userInfo().username;
  } catch {
    user ??= 'someone';
  }
  return `${user}@${os.hostname()} (lostromos rollout)`;
}

const COMMANDS: Record<
  Exclude<Action, 'status'>,
  (s: RolloutState, now: number, by: string) => RolloutCommandResult
> = {
  pause: pauseRollout,
  resume: resumeRollout,
  undo: undoRollout,
};

export const rolloutCommand: Command = {
  name: 'rollout',
  summary: 'show, pause, resume or undo the staged rollout of a resource’s template changes',
  usage: `Usage:
  lostromos rollout status|pause|resume|undo --config FILE --resource NAME [-o json]

A resource with \`rollout\` in its config moves its CRs to a new template revision in waves (see
docs/changing-templates.md). These commands read and change that rollout where the operator keeps it
(Redis, from the config's redis settings); the leading watcher acts on the change within seconds.

  status   the stable and target revisions, the wave, CRs per revision, failures, why it is paused
  pause    no new wave starts (CRs already moved stay on the new revision)
  resume   continue a paused rollout (the failures so far are accepted)
  undo     back to the revision before, in one step: during a rollout to its stable revision, after one
           to the revision that was stable before it; CRs move back in waves, the failed ones first

Exit codes: 0 done, 1 it cannot be done now (nothing to undo, not paused, Redis unreachable), 2 bad flags or
config (a resource without \`rollout\` for pause/resume/undo).

Flags:
${formatFlagHelp([...ROLLOUT_FLAGS, ...CONFIG_FLAGS.filter((f) => ['config', 'redis'].includes(f.name))])}`,
  async run(ctx: CommandContext): Promise<number> {
    const argv = ctx.argv.map((a) => (a === '-o' ? '--output' : a));
    const own = new Set(ROLLOUT_FLAGS.map((f) => f.name));
    const { flags, positionals } = parseFlags(argv, [...ROLLOUT_FLAGS, ...CONFIG_FLAGS]);
    const action = positionals[0];
    if (action === undefined) throw new UsageError(`say what to do: ${ACTIONS.join(', ')}`);
    if (!(ACTIONS as readonly string[]).includes(action))
      throw new UsageError(`unknown action "${action}": one of ${ACTIONS.join(', ')}`);
    if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
    const output = (flags.output as string | undefined) ?? 'text';
    if (output !== 'text' && output !== 'json') throw new UsageError(`--output ${output}: use text or json`);
    if (flags.config === undefined && ctx.env.LOSTROMOS_CONFIG === undefined)
      throw new UsageError('--config FILE is required (the resource and Redis come from it)');
    const configArgv: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      const name = arg.replace(/^--/, '').split('=')[0]!;
      if (arg === action && !arg.startsWith('-')) continue;
      if (own.has(name)) {
        if (!arg.includes('=')) i++;
        continue;
      }
      configArgv.push(arg);
    }
    const config = loadConfig({ argv: configArgv, env: ctx.env, cwd: ctx.cwd });
    const names = config.resources.map((r) => r.name).join(', ');
    const wanted = flags.resource as string | undefined;
    const resource: ResourceConfig | undefined =
      config.resources.find((r) => r.name === wanted) ??
      (wanted === undefined && config.resources.length === 1 ? config.resources[0] : undefined);
    if (!resource) {
      throw new UsageError(
        wanted === undefined
          ? `--resource NAME is required: one of ${names}`
          : `--resource ${wanted} is not in the config: one of ${names}`,
      );
    }
    if (action !== 'status' && !resource.rollout) {
      throw new UsageError(
        `resource ${resource.name} has no staged rollout: every CR follows the newest templates at once. Add \`rollout: { batchSize: "25%" }\` to resources[name=${resource.name}] in ${config.configFile || 'the config'} (docs/changing-templates.md)`,
      );
    }
    const redis = await connectRedis(config);
    try {
      const rollouts = new RolloutStore({ connection: redis, prefix: config.redis.prefix });
      if (action === 'status') {
        const templates = new TemplateStore({ connection: redis, prefix: config.redis.prefix });
        const [state, revisions] = await Promise.all([
          rollouts.read(resource.name),
          templates.history(resource.name),
        ]);
        const report = { resource: resource.name, settings: resource.rollout, state, revisions };
        ctx.stdout.write(
          output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatRolloutStatus(report),
        );
        return ExitCode.ok;
      }
      // Compare-and-set: a wave the controller starts meanwhile makes the write fail; read again and redo.
      for (let attempt = 0; attempt < 10; attempt++) {
        const state = await rollouts.read(resource.name);
        if (!state) {
          ctx.stderr.write(
            `lostromos rollout ${action}: resource ${resource.name} has no rollout yet: the leading watcher starts one once a worker has loaded its templates (is the operator running?)\n`,
          );
          return ExitCode.failure;
        }
        const result = COMMANDS[action as Exclude<Action, 'status'>](state, Date.now(), who(ctx.env));
        if ('error' in result) {
          ctx.stderr.write(`lostromos rollout ${action}: ${result.error}\n`);
          return ExitCode.failure;
        }
        const written = await rollouts.write(resource.name, state, result.state, {
          resetPromoted: result.resetPromoted,
        });
        if (written) {
          ctx.stdout.write(`${result.message}\n`);
          return ExitCode.ok;
        }
      }
      ctx.stderr.write(
        `lostromos rollout ${action}: the rollout of ${resource.name} kept changing while this wrote; try again\n`,
      );
      return ExitCode.failure;
    } finally {
      redis.disconnect();
    }
  },
};
