// The single-page app: hash routes to pages, and every page refreshed from
// the API every 2 s while it is shown (polling: no connection held open,
// and a page that missed an update catches up on the next one).
import { el } from './view.js';
import * as pipelines from './pipelines.js';
import * as grid from './grid.js';
import * as graph from './graph.js';
import * as task from './task.js';
import * as gantt from './gantt.js';
import * as audit from './audit.js';
import * as checks from './checks.js';

const POLL_MS = 2000;

// [pattern, page, nav]: a pattern's groups are the page's parameters.
const ROUTES = [
  [/^#?\/?$/, pipelines, 'pipelines'],
  [/^#\/pipelines\/([^/]+)$/, grid, 'pipelines'],
  [/^#\/pipelines\/([^/]+)\/graph$/, graph, 'pipelines'],
  [/^#\/runs\/(\d+)\/tasks\/([^/]+)$/, task, 'pipelines'],
  [/^#\/runs\/(\d+)\/gantt$/, gantt, 'pipelines'],
  [/^#\/checks$/, checks, 'checks'],
  [/^#\/audit$/, audit, 'audit'],
];

const view = document.getElementById('view');
const status = document.getElementById('status');
let current = null;  // {page, timer, refreshing}

function showStatus(error) {
  status.textContent = error ? `API unreachable: ${error.message}` : '';
  status.classList.toggle('error', Boolean(error));
}

async function refresh(shown) {
  if (shown.refreshing) return;  // a slow answer is not asked for twice
  shown.refreshing = true;
  try {
    await shown.page.refresh();
    showStatus(null);
  } catch (error) {
    showStatus(error);
  } finally {
    shown.refreshing = false;
  }
}

function route() {
  if (current) {
    clearInterval(current.timer);
    current.page.unmount?.();
    current = null;
  }
  const hash = window.location.hash || '#/';
  for (const [pattern, module, nav] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    for (const link of document.querySelectorAll('[data-nav]')) {
      link.classList.toggle('active', link.dataset.nav === nav);
    }
    const container = el('div', { class: 'page' });
    view.replaceChildren(container);
    const shown = { page: module.mount(container, match.slice(1).map(decodeURIComponent)), refreshing: false };
    shown.timer = setInterval(() => refresh(shown), POLL_MS);
    current = shown;
    refresh(shown);
    return;
  }
  view.replaceChildren(el('p', {}, 'No such page. ', el('a', { href: '#/' }, 'Pipelines')));
}

window.addEventListener('hashchange', route);
route();
