/**
 * A checkpoint that cannot be read or converted as asked. It is bad input, so it exits like a
 * configuration error (EXIT.config) with one sentence naming the file and what is wrong.
 */
import { ConfigError } from "../util/errors.js";

export class CheckpointError extends ConfigError {}
