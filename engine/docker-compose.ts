// Debian's docker-compose (1.29), installed with apt when missing (as root), to validate
// docker-compose.yml where no Docker engine runs: `docker-compose config` needs none.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { aptInstall, isRoot } from '../qemu/apt';
import { EngineError } from './run';

const PACKAGE = 'docker-compose';

const find = (): string | undefined =>
  [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin']
    .map((d) => join(d, 'docker-compose'))
    .find((p) => existsSync(p));

export function ensureDockerCompose(log: (line: string) => void = console.error): { path: string; installed: boolean } {
  const found = find();
  if (found) return { path: found, installed: false };
  if (!isRoot()) throw new EngineError(`docker-compose is not installed: install ${PACKAGE} (apt) as root`);
  log(`liveshift: installing ${PACKAGE} (apt-get install ${PACKAGE}) to validate docker-compose.yml ...`);
  aptInstall([PACKAGE]);
  const path = find();
  if (!path) throw new EngineError(`apt-get install ${PACKAGE} left no docker-compose`);
  return { path, installed: true };
}

/** `docker-compose -f <file> config -q`: the file's syntax, references and interpolation; no engine needed. */
export function validateCompose(file: string, env: NodeJS.ProcessEnv): { ok: boolean; output: string } {
  const r = spawnSync(ensureDockerCompose().path, ['-f', file, 'config', '-q'], { encoding: 'utf8', env });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
}
