import { AppError } from '../errors/index.js';

/** A configuration problem, naming every offending variable. Thrown at start-up, never later. */
export class ConfigError extends AppError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('ERR_CONFIG_INVALID', problems.join('; '));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
