/** The page's message list: errors stay visible (newest first, at most a few), notices fade. */

const MAX_MESSAGES = 5;
const NOTICE_MS = 4_000;

/** Shows errors and notices in a list element. */
export class Messages {
  constructor(private readonly list: HTMLElement) {}

  /** Show a failure: its message, and its stable code when it has one. */
  error(what: string, err: unknown): void {
    const code = (err as { code?: unknown })?.code;
    const message = err instanceof Error ? err.message : String(err);
    this.add(`${what}: ${message}${typeof code === 'string' ? ` (${code})` : ''}`, 'error');
  }

  /** Show a notice that goes away by itself. */
  notice(text: string): void {
    const item = this.add(text, 'info');
    setTimeout(() => item.remove(), NOTICE_MS);
  }

  private add(text: string, kind: 'error' | 'info'): HTMLLIElement {
    const item = document.createElement('li');
    item.className = kind;
    item.textContent = text;
    this.list.prepend(item);
    while (this.list.children.length > MAX_MESSAGES) this.list.lastElementChild?.remove();
    return item;
  }
}
