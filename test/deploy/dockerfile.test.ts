import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helm.js';

/**
 * There is no Docker engine in CI, so the image cannot be built here: these checks read the Dockerfile and
 * hold it to the properties the chart and the docs rely on.
 */
const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
// Join continuation lines so each instruction is one line.
const lines = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages: { name: string; from: string; lines: string[] }[] = [];
for (const l of lines) {
  const m = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(l);
  if (m) stages.push({ from: m[1]!, name: m[2] ?? `stage${stages.length}`, lines: [] });
  else stages.at(-1)?.lines.push(l);
}
const final = stages.at(-1)!;
const instr = (stage: { lines: string[] }, op: string): string[] =>
  stage.lines.filter((l) => l.toUpperCase().startsWith(`${op} `));

describe('Dockerfile', () => {
  it('is multi-stage, built on Node 24 slim, and the last stage is the runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/ARG NODE_IMAGE=node:24-[a-z]+-slim/);
    expect(final.from).toBe('${NODE_IMAGE}');
    expect(final.name).toBe('runtime');
  });

  it('installs every dependency to build, and only production dependencies in a clean stage', () => {
    const build = stages.find((s) => s.name === 'build')!;
    expect(instr(build, 'RUN').some((l) => /npm ci(?!.*--omit)/.test(l))).toBe(true);
    expect(instr(build, 'RUN').some((l) => l.includes('npm run build'))).toBe(true);
    const deps = stages.find((s) => s.name === 'prod-deps')!;
    expect(instr(deps, 'RUN').some((l) => /npm ci .*--omit=dev/.test(l))).toBe(true);
    // The runtime copies node_modules from prod-deps, never from the build stage (which has dev deps).
    const copies = instr(final, 'COPY');
    expect(copies.some((l) => l.includes('--from=prod-deps'))).toBe(true);
    expect(copies.some((l) => l.includes('--from=build') && l.includes('node_modules'))).toBe(false);
    expect(instr(final, 'RUN').some((l) => /npm (ci|install)/.test(l))).toBe(false);
  });

  it('runs as the non-root user node, with code owned by root', () => {
    const users = instr(final, 'USER');
    expect(users).toEqual(['USER node']);
    expect(text).toMatch(/^USER +node/m);
    expect(instr(final, 'COPY').some((l) => /--chown=node/.test(l))).toBe(false);
  });

  it('handles signals with tini as PID 1 and runs lostromos as the entrypoint', () => {
    expect(instr(final, 'RUN').some((l) => /apt-get install .*\btini\b/.test(l))).toBe(true);
    const [entry] = instr(final, 'ENTRYPOINT');
    const argv = JSON.parse(entry!.slice('ENTRYPOINT'.length)) as string[];
    expect(argv[0]).toBe('/usr/bin/tini');
    expect(argv.at(-1)).toBe('lostromos');
    const [cmd] = instr(final, 'CMD');
    expect(JSON.parse(cmd!.slice(3))).toEqual(['start', '--config', '/etc/lostromos/config/config.yaml']);
  });

  it('ships helm from the official release tarball, verified against pinned checksums', () => {
    const helm = stages.find((s) => s.name === 'helm')!;
    const run = instr(helm, 'RUN').join('\n');
    expect(run).toContain('https://get.helm.sh/');
    expect(run).toMatch(/sha256sum -c/);
    for (const arch of ['AMD64', 'ARM64'])
      expect(text).toMatch(new RegExp(`ARG HELM_SHA256_${arch}=[0-9a-f]{64}\\n`));
    // The pinned version is the one the test suite runs (scripts/install-helm.mjs): v4.1.4.
    expect(text).toContain('ARG HELM_VERSION=v4.1.4');
    expect(
      instr(final, 'COPY').some((l) => l.includes('--from=helm') && l.includes('/usr/local/bin/helm')),
    ).toBe(true);
  });

  it('writes nothing outside /tmp (read-only root filesystem) and has a health check on /healthz', () => {
    const env = instr(final, 'ENV').join(' ');
    expect(env).toContain('HOME=/tmp');
    expect(env).toContain('HELM_CACHE_HOME=/tmp/');
    expect(instr(final, 'HEALTHCHECK').join(' ')).toContain('http://127.0.0.1:8080/healthz');
    expect(instr(final, 'EXPOSE')).toEqual(['EXPOSE 8080 3000']);
  });

  it('carries the OCI image labels', () => {
    for (const label of ['title', 'description', 'version', 'revision', 'licenses', 'source']) {
      expect(text).toContain(`org.opencontainers.image.${label}=`);
    }
  });

  it('copies a manifest for every workspace before npm ci, so the dependency layer stays cached', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const build = stages.find((s) => s.name === 'build')!;
    for (const ws of pkg.workspaces) {
      expect(instr(build, 'COPY'), ws).toContain(`COPY ${ws}/package.json ${ws}/`);
    }
  });

  it('keeps secrets, dependencies and build output out of the build context (.dockerignore)', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '**/dist', '.git', '.tools', '**/.env', '**/*.pem']) {
      expect(ignore).toContain(p);
    }
    expect(ignore).not.toContain('templates');
  });
});
