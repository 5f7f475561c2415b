// Credentials and configuration errors: what every configuration module shares. A credential prints
// as [redacted] wherever it ends up (String, JSON, util.inspect); a configuration error is one line.
import { inspect } from 'node:util';
import { FailureType, LiveshiftError } from '../domain/errors';

const REDACTED = '[redacted]';

/** A credential. It prints as [redacted] (String, JSON, util.inspect); `reveal()` hands it to the SDK. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Bad configuration: one line, and bad input for the CLI (exit 2). */
export class ConfigError extends LiveshiftError {
  constructor(message: string) {
    super(FailureType.BadRequest, `configuration: ${message.replace(/[\r\n]+/g, ' ')}`);
  }
}
