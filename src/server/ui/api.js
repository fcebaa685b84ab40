// The REST API as the pages use it. Every call rejects with an Error whose
// message is the API's own ({"error": {"code", "message"}}), so a page can
// show it as it is.

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  if (!response.ok) {
    let message = `${method} ${path} answered ${response.status}`;
    try {
      const error = JSON.parse(text).error;
      if (error) message = `${error.message} (${error.code})`;
    } catch (_) { /* not JSON: keep the status line */ }
    throw new Error(message);
  }
  return text;
}

export async function getJson(path) { return JSON.parse(await call('GET', path)); }
export async function postJson(path, body = {}) { return JSON.parse(await call('POST', path, body)); }
export async function getText(path) { return call('GET', path); }

// Path segments are encoded: task ids of mapped tasks hold brackets.
export const enc = encodeURIComponent;

export const api = {
  pipelines: () => getJson('/api/v1/pipelines?last_runs=10'),
  pipeline: (name) => getJson(`/api/v1/pipelines/${enc(name)}?last_runs=1`),
  pause: (name, paused) => postJson(`/api/v1/pipelines/${enc(name)}/${paused ? 'pause' : 'unpause'}`),
  runs: (name, limit) => getJson(`/api/v1/pipelines/${enc(name)}/runs?limit=${limit}`),
  run: (id) => getJson(`/api/v1/runs/${id}`),
  tasks: (id) => getJson(`/api/v1/runs/${id}/tasks`),
  tasksWithAttempts: (id) => getJson(`/api/v1/runs/${id}/tasks?attempts=true`),
  trigger: (name, body) => postJson(`/api/v1/pipelines/${enc(name)}/runs`, body),
  cancel: (id) => postJson(`/api/v1/runs/${id}/cancel`),
  clear: (id, body) => postJson(`/api/v1/runs/${id}/clear`, body),
  mark: (id, body) => postJson(`/api/v1/runs/${id}/mark`, body),
  instance: (id, task) => getJson(`/api/v1/runs/${id}/tasks/${enc(task)}`),
  log: (id, task, tail) => getText(`/api/v1/runs/${id}/tasks/${enc(task)}/log?tail=${tail}`),
  checks: () => getJson('/api/v1/checks'),
  checkHistory: (suite, check, limit) => getJson(`/api/v1/checks/${enc(suite)}/${enc(check)}/history?limit=${limit}`),
  audit: (limit) => getJson(`/api/v1/audit?limit=${limit}`),
};
