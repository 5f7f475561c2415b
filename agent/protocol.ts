// The host agent's wire format, parsed with zod on both ends. One request per atom attempt:
//   POST /v1/atoms   body: an AtomCall (JSON)
//   200, application/x-ndjson: zero or more {"heartbeat":true} lines while the atom runs, then
//        exactly one {"result":{startMs,endMs,noop}} or {"failure":{type,message}} line.
// A closed connection cancels the atom (it takes no effect unless it already did). Every request
// carries `Authorization: Bearer <token>` when the agent was given a token.
import { z } from 'zod';
import { atomResultSchema } from '../domain/atoms';

export const ATOMS_PATH = '/v1/atoms';
export const HEALTH_PATH = '/v1/health';
export const NDJSON = 'application/x-ndjson';
/** An atom call is a few hundred bytes; anything much larger is not one. */
export const MAX_BODY_BYTES = 64 * 1024;

export const agentLineSchema = z.union([
  z.object({ heartbeat: z.literal(true) }).strict(),
  z.object({ result: atomResultSchema }).strict(),
  z.object({ failure: z.object({ type: z.string(), message: z.string() }).strict() }).strict(),
]);
export type AgentLine = z.infer<typeof agentLineSchema>;

export const healthSchema = z.object({ host: z.string(), pid: z.number().int() });

/** Error bodies (4xx): one line for the caller's log. */
export const refusalSchema = z.object({ error: z.string() });
