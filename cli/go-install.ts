// Go-built tools liveshift needs (the Temporal CLI; the Temporal server and its SQL tool for the
// PostgreSQL topology), each built once with `go install` into a per-user cache outside any clone,
// so fresh clones and CI reuse one build. Nothing is downloaded at run time; no binary is committed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface GoTool {
  /** What the build is called on screen. */
  title: string;
  module: string;
  version: string;
  /** The binary `go install` writes (the module path's last element). */
  binary: string;
  /** The cache folder's name under ~/.cache/liveshift. */
  cacheName: string;
}

export function goCacheDir(tool: Pick<GoTool, 'cacheName'>): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'liveshift', tool.cacheName);
}

export const cachedGoTool = (tool: GoTool): string | undefined => {
  const path = join(goCacheDir(tool), tool.binary);
  return existsSync(path) ? path : undefined;
};

/** The tool's binary, built once (a few minutes) when the cache has none. */
export function goInstallOnce(tool: GoTool, log: (line: string) => void = console.error): string {
  const cached = cachedGoTool(tool);
  if (cached) return cached;
  const dir = goCacheDir(tool);
  mkdirSync(dir, { recursive: true });
  log(
    `liveshift: building ${tool.title} ${tool.version} once into ${dir} (go install; a few minutes the first time)...`,
  );
  const built = spawnSync('go', ['install', `${tool.module}@${tool.version}`], {
    env: { ...process.env, GOBIN: dir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (built.error || built.status !== 0)
    throw new Error(
      `could not build ${tool.title} (go install ${tool.module}@${tool.version}): ${built.error?.message ?? `exit ${built.status}`}`,
    );
  log(`liveshift: ${tool.title} built.`);
  return join(dir, tool.binary);
}
