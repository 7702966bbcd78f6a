/**
 * Undo steps of a multi-step set-up (a domain start: files handed to qemu, resources taken from
 * other drivers, the qemu process), run newest first when a later step fails. A step that fails to
 * undo is logged and the rest still run, so one stuck step cannot leave the others behind.
 */

/** One undo step and the words that name it in the log. */
interface RevertStep {
  what: string;
  undo: () => Promise<void> | void;
}

/** Undo steps pushed as a set-up goes; `unwind` on failure, `commit` on success. */
export class RevertStack {
  private steps: RevertStep[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /** How many steps are waiting. */
  get size(): number {
    return this.steps.length;
  }

  /** Adds the undo of a step that has just succeeded. */
  push(what: string, undo: () => Promise<void> | void): void {
    this.steps.push({ what, undo });
  }

  /** The set-up succeeded: forget the undo steps. */
  commit(): void {
    this.steps = [];
  }

  /** Runs every undo step, newest first; never throws. Returns the steps that failed to undo. */
  async unwind(): Promise<string[]> {
    const failed: string[] = [];
    const steps = this.steps.reverse();
    this.steps = [];
    for (const step of steps) {
      try {
        await step.undo();
      } catch (err) {
        failed.push(step.what);
        this.log(`cannot undo ${step.what}: ${(err as Error).message}`);
      }
    }
    return failed;
  }

  /** Runs `setup` with this stack; on failure unwinds it and rethrows setup's error. */
  async run<T>(setup: (stack: RevertStack) => Promise<T>): Promise<T> {
    try {
      const value = await setup(this);
      this.commit();
      return value;
    } catch (err) {
      await this.unwind();
      throw err;
    }
  }
}
