/**
 * Vitest starts its workers with `--conditions source/node/import/module/default` (see vitest.config.ts), so inside
 * a test a CommonJS `require()` of a dual package picks the package's *import* build: express 5's router then
 * receives is-promise's ES module namespace instead of its function ("isPromise is not a function"). Plain
 * Node never does this. This resolve hook restores Node's behaviour for `require()` only; import this module
 * before anything that loads express. (Remove it once vitest.config.ts stops passing import/module as
 * external conditions.)
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (context.conditions?.includes('require')) {
      const conditions = context.conditions.filter((c) => c !== 'import' && c !== 'module');
      return nextResolve(specifier, { ...context, conditions });
    }
    return nextResolve(specifier, context);
  },
});
