// Graph: the pipeline's DAG left to right, laid out here in layers (a
// task's layer is one past its deepest upstream; within a layer, tasks
// sit near the mean place of their upstreams), drawn as SVG with each node
// coloured by its state in the latest run.
import { api, enc } from './api.js';
import { el, svg, stateBadge } from './view.js';

const NODE_H = 30, GAP_X = 60, GAP_Y = 16, CHAR_W = 7.4, PAD = 16;

// {id: {layer, order}} for tasks listed upstreams first (the API's order).
export function layout(tasks) {
  const layer = new Map();
  for (const task of tasks) {
    layer.set(task.id, task.upstream.reduce((deepest, u) => Math.max(deepest, (layer.get(u) ?? 0) + 1), 0));
  }
  const layers = [];
  for (const task of tasks) (layers[layer.get(task.id)] ??= []).push(task);
  const order = new Map();
  layers[0]?.forEach((task, i) => order.set(task.id, i));
  // One sweep of barycenters, left to right: fewer crossings, cheaply.
  for (let l = 1; l < layers.length; ++l) {
    const mean = (task) => task.upstream.reduce((sum, u) => sum + order.get(u), 0) / task.upstream.length;
    layers[l].sort((a, b) => mean(a) - mean(b));
    layers[l].forEach((task, i) => order.set(task.id, i));
  }
  return { layers, layer, order };
}

function draw(tasks, instances, runId) {
  const { layers } = layout(tasks);
  const width = (task) => Math.min(260, task.id.length * CHAR_W + 2 * PAD);
  const columnWidth = layers.map((tasksIn) => Math.max(...tasksIn.map(width)));
  const tallest = Math.max(...layers.map((tasksIn) => tasksIn.length));
  const place = new Map();
  let x = 10;
  layers.forEach((tasksIn, l) => {
    // Each layer centred on the tallest one.
    const top = 10 + ((tallest - tasksIn.length) * (NODE_H + GAP_Y)) / 2;
    tasksIn.forEach((task, i) => place.set(task.id, { x, y: top + i * (NODE_H + GAP_Y), w: width(task) }));
    x += columnWidth[l] + GAP_X;
  });
  const totalW = x - GAP_X + 10, totalH = 20 + tallest * (NODE_H + GAP_Y) - GAP_Y;
  const edges = [], nodes = [];
  for (const task of tasks) {
    const to = place.get(task.id);
    for (const u of task.upstream) {
      const from = place.get(u);
      const x1 = from.x + from.w, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2, mid = (x1 + x2) / 2;
      edges.push(svg('path', { class: 'edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 4},${y2}`,
        'marker-end': 'url(#arrow)', 'data-edge': `${u}->${task.id}` }));
    }
    const state = instances.get(task.id)?.state ?? 'none';
    const label = svg('text', { x: to.x + to.w / 2, y: to.y + NODE_H / 2 + 4, 'text-anchor': 'middle' }, task.id);
    const box = svg('rect', { x: to.x, y: to.y, width: to.w, height: NODE_H, rx: 5 });
    const title = svg('title', {}, `${task.id} (${task.kind}): ${state}`);
    const node = svg('g', { class: `node state-${state}`, 'data-node': task.id, 'data-state': state }, title, box, label);
    nodes.push(runId && state !== 'none' ? svg('a', { href: `#/runs/${runId}/tasks/${enc(task.id)}` }, node) : node);
  }
  const arrow = svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 4, refY: 4, markerWidth: 8, markerHeight: 8, orient: 'auto' },
    svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow' }));
  return svg('svg', { class: 'dag', width: totalW, height: totalH, viewBox: `0 0 ${totalW} ${totalH}`, role: 'img',
    'aria-label': 'pipeline graph' }, svg('defs', {}, arrow), edges, nodes);
}

export function mount(container, [name]) {
  const caption = el('p', { class: 'muted' });
  const place = el('div', { class: 'scroll graph-scroll' });
  container.append(el('h1', {}, name),
    el('nav', { class: 'tabs' }, el('a', { href: `#/pipelines/${enc(name)}` }, 'Grid'),
      el('a', { href: `#/pipelines/${enc(name)}/graph`, class: 'active' }, 'Graph')),
    caption, place);
  return {
    refresh: async () => {
      const [pipeline, { runs }] = await Promise.all([api.pipeline(name), api.runs(name, 1)]);
      const latest = runs[0];
      const instances = latest ? new Map((await api.tasks(latest.id)).tasks.map((t) => [t.task_id, t])) : new Map();
      caption.replaceChildren(...(latest ? ['States of the latest run: ', `run ${latest.id} for ${latest.ds} `, stateBadge(latest.state)]
        : ['No runs yet.']));
      place.replaceChildren(pipeline.tasks.length ? draw(pipeline.tasks, instances, latest?.id) : el('p', {}, 'No tasks.'));
    },
  };
}
