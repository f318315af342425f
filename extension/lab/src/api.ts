/**
 * Calls to the timeline_lab server extension (`{baseUrl}timeline-lab/api/...`): thin JSON requests;
 * every decision (paths, companions, renders) is made by the server.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** What the server says about a render job. */
export interface IRenderStatus {
  state: 'running' | 'done' | 'failed';
  fraction: number;
  output: string;
  error: string | null;
}

/** Send JSON to a route under `timeline-lab/api/`, and surface the server's message on failure. */
async function request<T>(route: string, body?: unknown, query?: Record<string, string>): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const search = query ? `?${new URLSearchParams(query).toString()}` : '';
  const url = URLExt.join(settings.baseUrl, 'timeline-lab', 'api', route) + search;
  const init: RequestInit =
    body === undefined ? { method: 'GET' } : { method: 'POST', body: JSON.stringify(body) };
  const response = await ServerConnection.makeRequest(url, init, settings);
  const text = await response.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const reason = data?.message ?? data?.reason ?? response.statusText;
    throw new Error(`timeline-lab/api/${route}: ${response.status} ${reason}`);
  }
  return data as T;
}

/** A companion notebook, and whether its code is exactly ours (only then is it run on opening). */
export interface ICompanion {
  notebook: string;
  pristine: boolean;
}

/** Create (or reuse) the companion notebook of a `.tlproj`. */
export async function ensureCompanion(path: string): Promise<ICompanion> {
  return request('companion', { path });
}

/** The name a new project in `directory` gets by default (`Untitled`, `Untitled1`, ...). */
export async function suggestName(directory: string): Promise<string> {
  const data = await request<{ name: string }>('projects', undefined, { directory });
  return data.name;
}

/** Create `NAME.tlproj` (the first free `Untitled*` without a name) and its companion notebook. */
export async function newProject(
  directory: string,
  name?: string
): Promise<ICompanion & { project: string }> {
  return request('projects', name ? { directory, name } : { directory });
}

/** What `/timeline-lab/health` reports (the media server and the services it wires). */
export async function health(): Promise<Record<string, unknown>> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'timeline-lab', 'health');
  const response = await ServerConnection.makeRequest(url, { method: 'GET' }, settings);
  if (!response.ok) {
    throw new Error(`timeline-lab/health: ${response.status} ${response.statusText}`);
  }
  return (await response.json()) as Record<string, unknown>;
}

/** Start rendering a project next to itself; returns the job id and the output path. */
export async function startRender(path: string): Promise<{ job: string; output: string }> {
  return request('render', { path });
}

/** The state of a render job. */
export async function renderStatus(job: string): Promise<IRenderStatus> {
  return request(`render/${encodeURIComponent(job)}`);
}
