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
async function request<T>(route: string, body?: unknown): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'timeline-lab', 'api', route);
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

/** Create (or reuse) the companion notebook of a `.tlproj`; returns the notebook's path. */
export async function ensureCompanion(path: string): Promise<string> {
  const data = await request<{ notebook: string }>('companion', { path });
  return data.notebook;
}

/** Create `Untitled*.tlproj` and its companion notebook in `directory`. */
export async function newProject(directory: string): Promise<{ project: string; notebook: string }> {
  return request('projects', { directory });
}

/** Start rendering a project next to itself; returns the job id and the output path. */
export async function startRender(path: string): Promise<{ job: string; output: string }> {
  return request('render', { path });
}

/** The state of a render job. */
export async function renderStatus(job: string): Promise<IRenderStatus> {
  return request(`render/${encodeURIComponent(job)}`);
}
