import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHelmBinary, REPO_HELM } from './helm-binary.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-helm-binary-'));
/** A PATH without any helm: `helm version` there is ENOENT. */
const noHelmOnPath = { ...process.env, PATH: path.join(dir, 'empty') };
fs.mkdirSync(noHelmOnPath.PATH);

function fakeHelm(name: string, version: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s' '${version}'\n`, { mode: 0o755 });
  return file;
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('checkHelmBinary', () => {
  it('looks where `npm run helm:install` puts helm: <repo>/.tools/helm/helm', () => {
    const installScript = fs.readFileSync(
      path.resolve(import.meta.dirname, '../../../../scripts/install-helm.mjs'),
      'utf8',
    );
    expect(installScript).toContain("path.join(root, '.tools', 'helm', 'helm')");
    expect(REPO_HELM).toBe(path.resolve(import.meta.dirname, '../../../../.tools/helm/helm'));
  });

  it('with no helm on PATH, uses the repository-installed helm', async () => {
    const repoHelm = fakeHelm('repo-helm', 'v4.1.4');
    const found = await checkHelmBinary('', {
      env: noHelmOnPath,
      fallbacks: [path.join(dir, 'missing'), repoHelm],
    });
    expect(found).toEqual({ path: repoHelm, version: 'v4.1.4' });
  });

  it('prefers helm on PATH over the repository-installed one', async () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.renameSync(fakeHelm('helm', 'v3.14.0'), path.join(bin, 'helm'));
    const found = await checkHelmBinary('', {
      env: { ...process.env, PATH: bin },
      fallbacks: [fakeHelm('unused', 'v4.1.4')],
    });
    expect(found).toEqual({ path: 'helm', version: 'v3.14.0' });
  });

  it('when helm is nowhere, names the places it looked and the command that installs one there', async () => {
    const missing = path.join(dir, 'nothing-here');
    const check = checkHelmBinary('', { env: noHelmOnPath, fallbacks: [missing] });
    await expect(check).rejects.toMatchObject({ code: 'LZ_HELM_BINARY' });
    await expect(check).rejects.toThrow(`helm not found (no helm on PATH, nor at ${missing})`);
    await expect(check).rejects.toThrow(
      '`npm run helm:install` puts one at .tools/helm/helm, where lostromos finds it',
    );
  });

  it('an explicit binary is used as given, never replaced by a fallback', async () => {
    await expect(
      checkHelmBinary('/nonexistent/helm', { fallbacks: [fakeHelm('fallback', 'v4.1.4')] }),
    ).rejects.toThrow(/^helm not found \(no file \/nonexistent\/helm\): install helm >= 3\.10/);
  });
});
