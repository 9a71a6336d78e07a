import type { Redis } from 'ioredis';
import type { RolloutView } from './revision-choice.js';
import type { ReconcileOutcome, RolloutState } from './rollout-plan.js';

/**
 * Writes the state only if its version is still `ARGV[1]` (-1: no state yet), then empties the promoted set
 * when `ARGV[3]` is "1" and adds `ARGV[4..]` to it: one atomic compare-and-set, so the controller and the
 * CLI (pause, resume, undo) never overwrite each other and a failover continues from what was written.
 */
const WRITE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
local v = -1
if cur then v = tonumber(cjson.decode(cur)['version']) or 0 end
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == '1' then redis.call('DEL', KEYS[2]) end
for i = 4, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
return 1
`;

export interface RolloutStoreOptions {
  connection: Redis;
  prefix: string;
}

/**
 * A resource's staged rollout in Redis, where every process sees the same one: the state (JSON, written by
 * compare-and-set), the set of CRs promoted to the target, and the workers' record of each CR's last
 * reconcile (revision and outcome), which the controller reads instead of the CRs.
 *
 * Layout: `<prefix>:_rollout:<resource>` (state), `…:promoted` (set of CR keys), `…:outcomes` (hash, field =
 * CR key, value = JSON ReconcileOutcome).
 */
export class RolloutStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(opts: RolloutStoreOptions) {
    this.redis = opts.connection;
    this.prefix = opts.prefix;
  }

  stateKey(resource: string): string {
    return `${this.prefix}:_rollout:${resource}`;
  }

  promotedKey(resource: string): string {
    return `${this.stateKey(resource)}:promoted`;
  }

  outcomesKey(resource: string): string {
    return `${this.stateKey(resource)}:outcomes`;
  }

  async read(resource: string): Promise<RolloutState | undefined> {
    return parseState(await this.redis.get(this.stateKey(resource)));
  }

  async promoted(resource: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.promotedKey(resource)));
  }

  /** The rollout as one CR sees it (one round trip); undefined when there is no rollout state. */
  async view(resource: string, crKey: string): Promise<RolloutView | undefined> {
    const res = await this.redis
      .pipeline()
      .get(this.stateKey(resource))
      .sismember(this.promotedKey(resource), crKey)
      .exec();
    if (!res) throw new Error('the Redis pipeline was discarded');
    for (const [err] of res) if (err) throw err;
    const state = parseState(res[0]![1] as string | null);
    if (!state) return undefined;
    return {
      stable: state.stable,
      target: state.target,
      active: state.phase !== 'idle',
      promoted: (res[1]![1] as number) === 1,
    };
  }

  /**
   * Writes `next` (its version becomes `previous` + 1) if the stored state is still `previous` (undefined: no
   * state yet). Returns the state written, or undefined when someone else wrote first (read again and redo).
   */
  async write(
    resource: string,
    previous: RolloutState | undefined,
    next: RolloutState,
    change: { resetPromoted?: boolean; promote?: readonly string[] } = {},
  ): Promise<RolloutState | undefined> {
    const expected = previous?.version ?? -1;
    const written: RolloutState = { ...next, version: expected + 1 };
    const ok = await this.redis.eval(
      WRITE_SCRIPT,
      2,
      this.stateKey(resource),
      this.promotedKey(resource),
      String(expected),
      JSON.stringify(written),
      change.resetPromoted ? '1' : '0',
      ...(change.promote ?? []),
    );
    return ok === 1 ? written : undefined;
  }

  /** A worker's record of a CR's last reconcile; undefined removes it (the CR is gone). */
  async recordOutcome(resource: string, crKey: string, outcome: ReconcileOutcome | undefined): Promise<void> {
    if (outcome) await this.redis.hset(this.outcomesKey(resource), crKey, JSON.stringify(outcome));
    else await this.redis.hdel(this.outcomesKey(resource), crKey);
  }

  /** The recorded outcomes of these CRs (those without one are left out). */
  async outcomes(resource: string, crKeys: readonly string[]): Promise<Map<string, ReconcileOutcome>> {
    const out = new Map<string, ReconcileOutcome>();
    if (crKeys.length === 0) return out;
    const values = await this.redis.hmget(this.outcomesKey(resource), ...crKeys);
    values.forEach((v, i) => {
      if (!v) return;
      try {
        out.set(crKeys[i]!, JSON.parse(v) as ReconcileOutcome);
      } catch {
        // Not ours: as if there were no record (the CR's next reconcile writes one).
      }
    });
    return out;
  }
}

function parseState(json: string | null | undefined): RolloutState | undefined {
  if (!json) return undefined;
  try {
    const s = JSON.parse(json) as RolloutState;
    return typeof s.stable === 'string' && typeof s.target === 'string' && typeof s.version === 'number'
      ? s
      : undefined;
  } catch {
    return undefined;
  }
}
