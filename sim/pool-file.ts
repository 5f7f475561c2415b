// Reading a pool file (YAML or JSON) into a validated Pool. Every failure is one line.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FailureType, LiveshiftError } from '../domain/errors';
import { poolSchema, type Pool } from '../domain/pool';
import { zodMessage } from '../domain/zod-message';

export function parsePool(text: string, source: string): Pool {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false });
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new LiveshiftError(FailureType.BadRequest, `pool file ${source}: not valid YAML/JSON: ${first}`);
  }
  const parsed = poolSchema.safeParse(raw);
  if (!parsed.success)
    throw new LiveshiftError(FailureType.BadRequest, `pool file ${source}: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

export function loadPoolFile(path: string): Pool {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new LiveshiftError(FailureType.BadRequest, `pool file ${path}: cannot be read`);
  }
  return parsePool(text, path);
}
