// The host agent's wire format, parsed with zod on both ends. One request runs a plan whose atoms
// all belong to that host, with the plan language's own interpreter:
//   POST /v1/plans   body, application/x-ndjson: {"plan": <Plan>, "timeScale": n, "runId"?,
//                    "handoff"?: {"url", "runId"}}, and later {"go":true}: the agent checks the
//                    plan at once and runs it on the go line (a request that ends without it runs
//                    nothing). With a handoff, the agent, once its plan has succeeded, itself tells
//                    the next host's agent to go (the switchover pair), one hop sooner than the
//                    caller's own go line, which follows anyway: a go is idempotent.
//   POST /v1/runs/<runId>/go   the go line for a held run, from a peer agent: 204, or 404
//   200, application/x-ndjson, one JSON object per line:
//     {"heartbeat":true}                          every 200 ms while the plan runs
//     {"started":"<atom key>"}                    an atom was dispatched on the host
//     {"settled":{"key","attempts","outcome"}}    ... and finished: {"result":{startMs,endMs,noop}}
//                                                 or {"failure":{type,message}}
//     {"end":{"failure"?:{type,message}}}         the plan finished (or stopped at a failure)
// A closed connection cancels what still runs (an atom cut short takes no effect). Every request
// carries `Authorization: Bearer <token>` when the agent was given a token.
import { z } from 'zod';
import { atomResultSchema } from '../domain/atoms';
import { planSchema } from '../domain/phases';

export const PLANS_PATH = '/v1/plans';
export const HEALTH_PATH = '/v1/health';
export const NDJSON = 'application/x-ndjson';
/** A plan of a few dozen atoms is a few tens of KiB; anything much larger is not one. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The agent's heartbeat lines; a stream silent for STREAM_SILENCE_MS is presumed dead. */
export const STREAM_HEARTBEAT_MS = 200;
export const STREAM_SILENCE_MS = 2_000;

export const RUNS_PATH = '/v1/runs/';
export const goPath = (runId: string) => `${RUNS_PATH}${encodeURIComponent(runId)}/go`;

const runIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);
export const planRequestSchema = z
  .object({
    plan: planSchema,
    timeScale: z.number().positive(),
    runId: runIdSchema.optional(),
    handoff: z.object({ url: z.string().url(), runId: runIdSchema }).strict().optional(),
  })
  .strict();
export type PlanRequest = z.infer<typeof planRequestSchema>;

const failureSchema = z.object({ type: z.string(), message: z.string() }).strict();

export const agentLineSchema = z.union([
  z.object({ heartbeat: z.literal(true) }).strict(),
  z.object({ started: z.string() }).strict(),
  z
    .object({
      settled: z
        .object({
          key: z.string(),
          attempts: z.number().int().positive(),
          outcome: z.union([
            z.object({ result: atomResultSchema }).strict(),
            z.object({ failure: failureSchema }).strict(),
          ]),
        })
        .strict(),
    })
    .strict(),
  z.object({ end: z.object({ failure: failureSchema.optional() }).strict() }).strict(),
]);
export type AgentLine = z.infer<typeof agentLineSchema>;
export type Settled = Extract<AgentLine, { settled: unknown }>['settled'];
export type End = Extract<AgentLine, { end: unknown }>['end'];

export const goLineSchema = z.object({ go: z.literal(true) }).strict();

export const healthSchema = z.object({ host: z.string(), pid: z.number().int() });

/** Error bodies (4xx): one line for the caller's log. */
export const refusalSchema = z.object({ error: z.string() });
