/**
 * A small panel showing `/timeline-lab/health` as a table (instead of a raw JSON tab): is the media
 * server up, in which mode, and what each service reports. Values are set as text, never as markup.
 */
import { Widget } from '@lumino/widgets';

import { health } from './api';

/** Flatten a nested report into `a.b.c` → value rows, in the server's order. */
export function rows(report: unknown, prefix = ''): [string, string][] {
  if (report === null || typeof report !== 'object' || Array.isArray(report)) {
    return [[prefix || 'value', Array.isArray(report) ? report.join(', ') : String(report)]];
  }
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(report as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.push(...rows(value, name));
    } else {
      out.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
    }
  }
  return out;
}

/** The panel: a status line, a Refresh button and the table of what the server reports. */
export class HealthPanel extends Widget {
  private readonly status: HTMLElement;
  private readonly table: HTMLTableElement;

  constructor() {
    super();
    this.id = 'timeline-lab-health';
    this.title.label = 'Timeline Lab Health';
    this.title.closable = true;
    this.addClass('jp-TimelineLab-health');
    const bar = document.createElement('div');
    bar.className = 'jp-TimelineLab-health-bar';
    this.status = document.createElement('span');
    this.status.className = 'jp-TimelineLab-health-status';
    const refresh = document.createElement('button');
    refresh.className = 'jp-mod-styled jp-mod-accept';
    refresh.textContent = 'Refresh';
    refresh.onclick = () => void this.refresh();
    bar.append(this.status, refresh);
    this.table = document.createElement('table');
    this.node.append(bar, this.table);
  }

  /** Ask the server again and redraw. */
  async refresh(): Promise<void> {
    this.status.textContent = 'Asking the server…';
    try {
      const report = await health();
      const up = report['ok'] === true;
      this.status.textContent = up ? 'The media server is up.' : 'The media server reports a problem.';
      this.status.dataset.ok = String(up);
      this.fill(rows(report));
    } catch (error) {
      this.status.textContent = `The media server did not answer: ${(error as Error).message}`;
      this.status.dataset.ok = 'false';
      this.fill([]);
    }
  }

  private fill(entries: [string, string][]): void {
    const body = document.createElement('tbody');
    for (const [name, value] of entries) {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.textContent = name;
      const td = document.createElement('td');
      td.textContent = value;
      tr.append(th, td);
    }
    this.table.replaceChildren(body);
  }
}
