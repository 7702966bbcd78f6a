import type { Command } from '../command.js';

/** Every verb of `tsvirt`, in the order `tsvirt help` lists them. */
export const commands: Command[] = [];
