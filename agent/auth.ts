// Bearer-token checks for the host agent. The token comes from the environment only
// (LIVESHIFT_AGENT_TOKEN) and travels only in the Authorization header, never in a payload.
import { createHash, timingSafeEqual } from 'node:crypto';

/** A credential that prints as [redacted] and is revealed only to be sent or compared. */
export interface Token {
  reveal(): string;
}

// Comparing digests keeps the comparison constant-time whatever the lengths.
const digest = (s: string) => createHash('sha256').update(s).digest();

export function bearerMatches(header: string | undefined, token: Token): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token.reveal()));
}

export const bearer = (token: Token | undefined): Record<string, string> =>
  token ? { authorization: `Bearer ${token.reveal()}` } : {};
