// What every page draws with: elements built from data (never HTML parsed
// from it, so a task id or a log line cannot inject markup), state squares,
// durations and times.

// el('a', {href: '#/', class: 'x', onclick: f}, 'text', child, ...)
export function el(tag, attrs = {}, ...children) {
  const node = tag === 'svg' || attrs.svg ? document.createElementNS('http://www.w3.org/2000/svg', tag)
                                           : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'svg' || value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function svg(tag, attrs = {}, ...children) { return el(tag, { ...attrs, svg: true }, ...children); }

// Task and run states, worst first: a group's square shows its worst task.
export const STATES = ['failed', 'upstream_failed', 'interrupted', 'up_for_retry', 'up_for_reschedule',
  'running', 'queued', 'pending', 'skipped', 'cached', 'success'];

export function worstState(states) {
  let worst = null;
  for (const s of states) {
    if (!s) continue;
    if (worst === null || STATES.indexOf(s) < STATES.indexOf(worst)) worst = s;
  }
  return worst;
}

export function isActive(state) { return ['queued', 'running', 'pending', 'up_for_retry', 'up_for_reschedule'].includes(state); }

// A square coloured by state (style.css: .sq.state-NAME); a link when `href`.
export function square(state, title, href, data = {}) {
  const attrs = { class: `sq state-${state || 'none'}`, title, 'data-state': state || 'none' };
  for (const [k, v] of Object.entries(data)) attrs[`data-${k}`] = v;
  if (href) return el('a', { ...attrs, href });
  return el('span', attrs);
}

export function stateBadge(state) { return el('span', { class: `badge state-${state}`, 'data-state': state }, state); }

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// "2024-03-05T10:00:00Z" as "2024-03-05 10:00:00 UTC" (the CLI's times are UTC too).
export function time(iso) { return iso ? iso.replace('T', ' ').replace('Z', ' UTC') : ''; }

// A line of feedback under an action: what it did, or the API's error.
export function notice(target, text, isError = false) {
  target.replaceChildren(el('span', { class: isError ? 'error' : 'ok' }, text));
}

// Runs `action` on click with the button disabled meanwhile; its result
// or error goes to `out`.
export function actionButton(label, action, out, attrs = {}) {
  const button = el('button', { type: 'button', ...attrs }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const said = await action();
      if (said) notice(out, said);
    } catch (error) {
      notice(out, error.message, true);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
