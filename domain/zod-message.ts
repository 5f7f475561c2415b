import type { ZodError } from 'zod';

/** One line from a zod error: the first issue, with its path, and how many more there are. */
export function zodMessage(err: ZodError): string {
  const [first, ...rest] = err.issues;
  if (!first) return 'invalid input';
  const path = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  return `${path}${first.message}${more}`;
}
