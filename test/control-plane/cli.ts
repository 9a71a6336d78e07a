// `npm run -s control-plane -- up --kubeconfig-out FILE [--port N]`: a real control plane in the foreground.
// `npm run -s control-plane -- build`: build (or find cached) etcd, kube-apiserver, kube-controller-manager.
// `npm run -s control-plane -- sweep`: remove folders left by control planes whose process was killed.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildControlPlane } from './build.ts';
import { startControlPlane, sweepStaleDirs } from './control-plane.ts';
import { ControlPlaneError } from './errors.ts';

const USAGE = `usage: control-plane up [--kubeconfig-out FILE] [--port N] [--timeout SECONDS]
       control-plane build
       control-plane sweep`;

function fail(message: string, code: number): never {
  process.stderr.write(`control-plane: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  let values: { 'kubeconfig-out'?: string; port?: string; timeout?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'kubeconfig-out': { type: 'string' },
        port: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(command ? 0 : 2);
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  switch (command) {
    case 'build': {
      const b = await buildControlPlane({ log });
      process.stdout.write(
        `kube-apiserver ${b.versions.kubernetes}: ${b.kubeApiserver}\n` +
          `kube-controller-manager ${b.versions.kubernetes}: ${b.kubeControllerManager}\n` +
          `etcd ${b.versions.etcd}: ${b.etcd}\n`,
      );
      return;
    }
    case 'sweep': {
      for (const d of sweepStaleDirs()) process.stdout.write(`removed ${d}\n`);
      return;
    }
    case 'up':
      break;
    default:
      fail(`unknown command "${command}"\n${USAGE}`, 2);
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    fail(`--port must be a TCP port number (1-65535), got "${values.port}"`, 2);
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0))
    fail(`--timeout must be a number of seconds > 0, got "${values.timeout}"`, 2);
  const out = values['kubeconfig-out'];
  if (out && !fs.existsSync(path.dirname(path.resolve(out)))) {
    fail(`--kubeconfig-out ${out}: folder ${path.dirname(path.resolve(out))} does not exist`, 2);
  }
  const cp = await startControlPlane({ port, readyTimeoutSeconds: timeout, log });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`control-plane: ${signal}: stopping`);
    void cp.stop().then(() => {
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (out) await cp.writeKubeconfig(out);
  process.stdout.write(`control plane ready: ${cp.url}\n`);
  log(
    `control-plane: kube-apiserver ${cp.version}, etcd ${cp.etcdVersion}${out ? `; kubectl --kubeconfig ${out} get ns` : ''}; Ctrl-C stops it`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ControlPlaneError) fail(`${err.message} [${err.code}]`, 1);
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1);
});
