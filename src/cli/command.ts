import type { Connection } from '../connection.js';

/** What a CLI verb gets to do its work. */
export interface CommandContext {
  /** Positional arguments and options after the verb, as typed. */
  args: string[];
  /** `--json`: print one JSON document for programs instead of human text. */
  json: boolean;
  /** The URI from -c, or undefined for the default. */
  uri: string | undefined;
  /** Opens (once) and returns the connection named by -c. */
  connect(): Promise<Connection>;
  /** Writes a line to stdout. */
  print(line: string): void;
  /** Writes a line to stderr. */
  warn(line: string): void;
}

/** One verb of `tsvirt`. `run` returns the process exit status. */
export interface Command {
  name: string;
  /** One line for `tsvirt help`. */
  summary: string;
  /** Usage text, options included, for `tsvirt help VERB`. */
  usage: string;
  run(ctx: CommandContext): Promise<number>;
}
