/** The domain list: one row per domain with its state and its actions, kept live by lifecycle events. */
import type { Connection, DomainRef } from '../src/connection.js';
import type { Messages } from './messages.js';

/** virDomainState as the page shows it. */
const STATE_NAMES = [
  'no state',
  'running',
  'blocked',
  'paused',
  'shutting down',
  'shut off',
  'crashed',
  'pm-suspended',
];

/** The actions of a row: label, the Connection call, and the states it is offered in. */
const ACTIONS: ReadonlyArray<{
  label: string;
  run: (c: Connection, d: DomainRef) => Promise<unknown>;
  when: number[];
}> = [
  { label: 'Start', run: (c, d) => c.domainCreate(d), when: [5, 6, 0] },
  { label: 'Shutdown', run: (c, d) => c.domainShutdown(d), when: [1, 2] },
  { label: 'Destroy', run: (c, d) => c.domainDestroy(d), when: [1, 2, 3, 4, 7] },
  { label: 'Suspend', run: (c, d) => c.domainSuspend(d), when: [1, 2] },
  { label: 'Resume', run: (c, d) => c.domainResume(d), when: [3] },
];

/** Callbacks for the viewer buttons of a row. */
export interface RowViews {
  console(dom: DomainRef): Promise<void>;
  display(dom: DomainRef): Promise<void>;
}

/** Renders the domains of a connection into a table body. */
export class DomainTable {
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly conn: Connection,
    private readonly body: HTMLElement,
    private readonly messages: Messages,
    private readonly views: RowViews,
  ) {}

  /** Load the list now and again after every lifecycle event. */
  async start(): Promise<void> {
    await this.conn.onDomainLifecycle(() => this.refresh());
    await this.refresh();
  }

  /** Re-read every domain's state; refreshes run one after another so the last one wins. */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing
      .then(() => this.load())
      .catch((err) => this.messages.error('list domains', err));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const doms = await this.conn.listAllDomains();
    doms.sort((a, b) => a.name.localeCompare(b.name));
    const states = await Promise.all(
      doms.map((d) => this.conn.domainGetState(d).then((s) => s.state as number)),
    );
    this.body.replaceChildren(...doms.map((d, i) => this.buildRow(d, states[i] ?? 0)));
  }

  private buildRow(dom: DomainRef, state: number): HTMLTableRowElement {
    const row = document.createElement('tr');
    row.dataset.name = dom.name;
    const name = document.createElement('td');
    name.textContent = dom.name;
    const stateCell = document.createElement('td');
    const stateName = STATE_NAMES[state] ?? `state ${state}`;
    stateCell.className = `state state-${stateName.replace(/ /g, '-')}`;
    stateCell.textContent = stateName;
    const actions = document.createElement('td');
    for (const action of ACTIONS) {
      actions.append(
        this.buildButton(action.label, !action.when.includes(state), () => action.run(this.conn, dom), dom),
      );
    }
    actions.append(this.buildButton('Console', state !== 1, () => this.views.console(dom), dom));
    actions.append(this.buildButton('Display', state !== 1, () => this.views.display(dom), dom));
    row.append(name, stateCell, actions);
    return row;
  }

  private buildButton(
    label: string,
    disabled: boolean,
    run: () => Promise<unknown>,
    dom: DomainRef,
  ): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.disabled = disabled;
    button.dataset.action = label.toLowerCase();
    button.addEventListener('click', () => {
      button.disabled = true;
      run()
        .catch((err) => this.messages.error(`${label.toLowerCase()} ${dom.name}`, err))
        .finally(() => this.refresh());
    });
    return button;
  }
}
