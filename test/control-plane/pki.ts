// Certificates and keys for one control plane, made with the openssl CLI: a CA, the API server's serving
// certificate (loopback SANs), the service-account signing key pair and a static token file for the admin.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ControlPlaneError } from './errors.ts';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  saPub: string;
  tokenFile: string;
  adminToken: string;
  caPem: string;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new ControlPlaneError(
        'CP_OPENSSL_MISSING',
        'openssl is needed to make the test control plane certificates: apt-get install openssl',
      );
    }
    throw new ControlPlaneError(
      'CP_PKI',
      `openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? e.message}`,
    );
  }
}

const EC = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];

export function generatePki(dir: string): Pki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(dir, ['genpkey', ...EC, '-out', 'ca.key']);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=lostromos-test-ca',
    '-days',
    '3650',
    '-out',
    'ca.crt',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(dir, ['genpkey', ...EC, '-out', 'apiserver.key']);
  openssl(dir, [
    'req',
    '-new',
    '-key',
    'apiserver.key',
    '-subj',
    '/CN=kube-apiserver',
    '-out',
    'apiserver.csr',
  ]);
  fs.writeFileSync(
    path.join(dir, 'apiserver.ext'),
    [
      // 10.0.0.1 is the first address of --service-cluster-ip-range: the in-cluster `kubernetes` Service.
      'subjectAltName=IP:127.0.0.1,IP:::1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'basicConstraints=CA:FALSE',
    ].join('\n'),
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'apiserver.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '365',
    '-extfile',
    'apiserver.ext',
    '-out',
    'apiserver.crt',
  ]);
  openssl(dir, ['genpkey', ...EC, '-out', 'sa.key']);
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const adminToken = randomBytes(24).toString('hex');
  // Static token file: token,user,uid,"group1,group2". system:masters bypasses RBAC, as a cluster admin does.
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`, {
    mode: 0o600,
  });
  const p = (f: string): string => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
    tokenFile: p('tokens.csv'),
    adminToken,
    caPem: fs.readFileSync(p('ca.crt'), 'utf8'),
  };
}

/** An admin (or any bearer-token) kubeconfig for `server`, trusting the control plane's CA. */
export function renderKubeconfig(o: {
  server: string;
  caPem: string;
  token: string;
  namespace?: string;
  user?: string;
}): string {
  const user = o.user ?? 'admin';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: lostromos-test',
    '  cluster:',
    `    server: ${o.server}`,
    `    certificate-authority-data: ${Buffer.from(o.caPem).toString('base64')}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    token: ${o.token}`,
    'contexts:',
    '- name: lostromos-test',
    '  context:',
    '    cluster: lostromos-test',
    `    user: ${user}`,
    ...(o.namespace ? [`    namespace: ${o.namespace}`] : []),
    'current-context: lostromos-test',
    '',
  ].join('\n');
}
