/**
 * The viewer panel: a domain's serial console in xterm.js over /console/NAME, or its display in noVNC
 * over /vnc/NAME. One at a time; closing the panel closes the socket.
 */
import RFB from '@novnc/novnc';
import { Terminal } from '@xterm/xterm';
import type { Messages } from './messages.js';

/** The close code the server sends when the console is in use (see src/ws/byte-bridge.ts). */
const CONSOLE_BUSY = 4409;

/** Elements of the viewer panel. */
export interface ViewerElements {
  panel: HTMLElement;
  title: HTMLElement;
  terminal: HTMLElement;
  screen: HTMLElement;
  close: HTMLElement;
}

/** Opens consoles and displays in the viewer panel. */
export class Viewer {
  private closeCurrent: (() => void) | undefined;

  constructor(
    private readonly el: ViewerElements,
    private readonly endpoint: (path: string) => string,
    private readonly messages: Messages,
  ) {
    el.close.addEventListener('click', () => this.close());
  }

  /** Show the serial console of `name`; with `force`, take it over from another user. */
  openConsole(name: string, force = false): void {
    this.close();
    this.show(`Console: ${name}`, 'terminal');
    const term = new Terminal({ convertEol: false, cursorBlink: true, fontSize: 14, rows: 24, cols: 80 });
    term.open(this.el.terminal);
    const ws = new WebSocket(this.endpoint(`/console/${encodeURIComponent(name)}${force ? '?force=1' : ''}`));
    ws.binaryType = 'arraybuffer';
    const encoder = new TextEncoder();
    ws.addEventListener('message', (ev) => term.write(new Uint8Array(ev.data as ArrayBuffer)));
    ws.addEventListener('open', () => term.focus());
    const input = term.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(data)));
    ws.addEventListener('close', (ev) => {
      if (ev.code === CONSOLE_BUSY && !force && window.confirm(`${ev.reason}. Take the console over?`)) {
        this.openConsole(name, true);
        return;
      }
      if (ev.code !== 1000 && ev.code !== 1005)
        this.messages.error(`console ${name}`, new Error(ev.reason || `closed (${ev.code})`));
      term.write(`\r\n[console closed${ev.reason ? `: ${ev.reason}` : ''}]\r\n`);
    });
    this.closeCurrent = () => {
      input.dispose();
      ws.close();
      term.dispose();
    };
  }

  /** Show the VNC display of `name` in noVNC. */
  openDisplay(name: string): void {
    this.close();
    this.show(`Display: ${name}`, 'screen');
    const rfb = new RFB(this.el.screen, this.endpoint(`/vnc/${encodeURIComponent(name)}`), {
      wsProtocols: ['binary'],
    });
    rfb.scaleViewport = true;
    rfb.addEventListener('disconnect', (ev) => {
      const clean = (ev as CustomEvent<{ clean: boolean }>).detail?.clean;
      if (!clean)
        this.messages.error(`display ${name}`, new Error('the VNC connection failed or was closed'));
    });
    this.closeCurrent = () => rfb.disconnect();
  }

  /** Close whatever is open and hide the panel. */
  close(): void {
    this.closeCurrent?.();
    this.closeCurrent = undefined;
    this.el.terminal.replaceChildren();
    this.el.screen.replaceChildren();
    this.el.panel.hidden = true;
  }

  private show(title: string, which: 'terminal' | 'screen'): void {
    this.el.title.textContent = title;
    this.el.terminal.hidden = which !== 'terminal';
    this.el.screen.hidden = which !== 'screen';
    this.el.panel.hidden = false;
  }
}
