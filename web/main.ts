/**
 * The tsvirt web page: connects to the WebSocket API of the server that served it (a `?token=` in the
 * page's address is passed on), lists the domains live, and opens consoles and displays.
 */
import { WsConnection } from '../src/ws/ws-connection.js';
import { DomainTable } from './domain-table.js';
import { Messages } from './messages.js';
import { Viewer } from './viewer.js';

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: element #${id} is missing`);
  return el;
}

/** ws(s)://HOST/PATH of this page's server, with the page's token. */
function endpoint(path: string): string {
  const url = new URL(path, window.location.href);
  url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(window.location.search).get('token');
  if (token) url.searchParams.set('token', token);
  return url.toString();
}

async function main(): Promise<void> {
  const messages = new Messages(byId('messages'));
  const status = byId('status');
  const viewer = new Viewer(
    {
      panel: byId('viewer'),
      title: byId('viewer-title'),
      terminal: byId('terminal'),
      screen: byId('screen'),
      close: byId('viewer-close'),
    },
    endpoint,
    messages,
  );
  let conn: WsConnection;
  try {
    conn = await WsConnection.connect(endpoint('/api'));
  } catch (err) {
    status.textContent = 'not connected';
    messages.error('connect', err);
    return;
  }
  const host = await conn.getHostname().catch(() => window.location.host);
  status.textContent = `${host}${conn.readOnly ? ' (read-only)' : ''}`;
  const table = new DomainTable(conn, byId('domains').querySelector('tbody') as HTMLElement, messages, {
    console: async (dom) => viewer.openConsole(dom.name),
    display: async (dom) => {
      const xml = await conn.domainGetXMLDesc(dom);
      if (!/<graphics\b[^>]*type=['"]vnc['"]/.test(xml)) {
        throw new Error(`domain '${dom.name}' has no VNC display; add <graphics type='vnc' autoport='yes'/>`);
      }
      viewer.openDisplay(dom.name);
    },
  });
  await table.start().catch((err) => messages.error('subscribe', err));
}

void main();
