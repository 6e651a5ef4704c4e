// The scheduler's dashboard: plain JavaScript, no build step. It reads the JSON API every few seconds and draws
// what it reads; every number it shows is one the API gives (the browser test compares them).
(function () {
  'use strict';

  const params = new URLSearchParams(window.location.search);
  const REFRESH_MS = Math.max(500, parseInt(params.get('refresh') || '2000', 10) || 2000);
  const RATE_POINTS = 60;
  const STATUSES = ['registering', 'ready', 'degraded', 'draining', 'offline'];
  const LATENCIES = [['dispatch', 'dispatch (created → job_assign)'], ['pending_wait', 'pending wait (created → placed)'],
    ['job_latency', 'job (created → result)'], ['end_to_end', 'end to end (sealed → sent)']];

  const $ = (id) => document.getElementById(id);
  const tokenInput = $('token');
  const adminInput = $('admin-token');
  tokenInput.value = sessionStorage.getItem('schedulerToken') || '';
  adminInput.value = sessionStorage.getItem('schedulerAdminToken') || '';
  tokenInput.addEventListener('change', () => { sessionStorage.setItem('schedulerToken', tokenInput.value.trim()); refresh(); });
  adminInput.addEventListener('change', () => sessionStorage.setItem('schedulerAdminToken', adminInput.value.trim()));

  let selectedNode = null;
  let refreshing = false;
  const rates = [];
  let lastTotals = null;

  function headers(admin) {
    const t = (admin ? adminInput : tokenInput).value.trim();
    return t ? { 'Authorization': 'Bearer ' + t } : {};
  }

  async function getJson(path) {
    const r = await fetch(path, { headers: headers(false), cache: 'no-store' });
    if (!r.ok) throw new Error(path + ' answered HTTP ' + r.status + (r.status === 401 ? ' (enter the token above)' : ''));
    return r.json();
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  function setText(id, v) { $(id).textContent = v === undefined || v === null ? '–' : String(v); }

  function fmtTime(ms) { return ms ? new Date(ms).toLocaleTimeString() : '–'; }

  function fmtDuration(s) {
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }

  function pct(v) { return v === undefined || v === null ? '–' : Number(v).toFixed(1); }

  function fillTable(id, rows) {
    const body = document.querySelector('#' + id + ' tbody');
    body.replaceChildren(...rows);
  }

  // ---------------------------------------------------------------- charts (SVG, no library)

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function barChart(container, items, colorOf) {
    const w = 460, rowH = 22, labelW = 110, h = Math.max(1, items.length) * rowH + 4;
    const max = Math.max(1, ...items.map((i) => i.value));
    const root = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, role: 'img' });
    items.forEach((item, k) => {
      const y = k * rowH + 2;
      const bw = Math.round((w - labelW - 50) * item.value / max);
      root.append(svg('text', { x: 0, y: y + 14 }, item.label));
      root.append(svg('rect', { x: labelW, y: y + 3, width: Math.max(item.value > 0 ? 2 : 0, bw), height: rowH - 8, rx: 3,
        fill: colorOf(item), 'data-label': item.label, 'data-value': item.value }));
      root.append(svg('text', { x: labelW + bw + 6, y: y + 14 }, String(item.value)));
    });
    container.replaceChildren(root);
  }

  function lineChart(container, series) {
    const w = 460, h = 140, pad = 26;
    const n = Math.max(2, ...series.map((s) => s.points.length));
    const max = Math.max(0.1, ...series.flatMap((s) => s.points));
    const root = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, role: 'img' });
    root.append(svg('line', { x1: pad, y1: h - pad, x2: w, y2: h - pad, stroke: '#e3e6eb' }));
    root.append(svg('text', { x: 0, y: 12 }, max.toFixed(1)));
    root.append(svg('text', { x: 0, y: h - pad }, '0'));
    for (const s of series) {
      if (s.points.length === 0) continue;
      const pts = s.points.map((v, i) => {
        const x = pad + (w - pad) * (i + n - s.points.length) / (n - 1);
        const y = (h - pad) - (h - pad - 8) * v / max;
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      root.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2 }));
    }
    root.append(svg('text', { x: pad, y: h - 6 }, 'last ' + Math.round(n * REFRESH_MS / 1000) + ' s'));
    container.replaceChildren(root);
  }

  function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  // ---------------------------------------------------------------- rendering

  function renderCards(cluster, sessions, metrics) {
    const s = metrics.scheduler || {};
    setText('instances-total', cluster.total_instances);
    setText('nodes-online', cluster.online_nodes);
    setText('nodes-ready', cluster.ready_nodes);
    setText('sessions-total', sessions.total);
    setText('jobs-created-total', s.jobs_created_total);
    setText('pending-total', s.pending_jobs);
  }

  function renderRates(metrics) {
    const s = metrics.scheduler || {};
    const by = s.jobs_by_outcome || {};
    const totals = { t: Date.now(), created: s.jobs_created_total || 0, completed: (by.completed || 0) + (by.empty || 0),
      failed: by.failed || 0, at: metrics.stats ? metrics.stats.snapshot_updated_at_ms : 0 };
    if (lastTotals && totals.at !== lastTotals.at) {
      const dt = Math.max(0.001, (totals.t - lastTotals.t) / 1000);
      rates.push({ created: Math.max(0, totals.created - lastTotals.created) / dt,
        completed: Math.max(0, totals.completed - lastTotals.completed) / dt,
        failed: Math.max(0, totals.failed - lastTotals.failed) / dt });
      while (rates.length > RATE_POINTS) rates.shift();
    }
    if (!lastTotals || totals.at !== lastTotals.at) lastTotals = totals;
    setText('jobs-rate', rates.length ? rates[rates.length - 1].created.toFixed(1) : '–');
    lineChart($('rate-chart'), [
      { points: rates.map((r) => r.created), color: cssVar('--created') },
      { points: rates.map((r) => r.completed), color: cssVar('--completed') },
      { points: rates.map((r) => r.failed), color: cssVar('--failed') }]);
  }

  function renderStatus(metrics) {
    const byStatus = (metrics.scheduler || {}).nodes_by_status || {};
    barChart($('status-chart'), STATUSES.map((st) => ({ label: st, value: byStatus[st] || 0 })),
      (i) => cssVar('--' + i.label));
  }

  function renderLatency(metrics) {
    const lat = (metrics.scheduler || {}).latency_ms || {};
    fillTable('latency-table', LATENCIES.map(([key, label]) => {
      const l = lat[key] || {};
      return el('tr', { 'data-latency': key }, el('td', { text: label }), el('td', { class: 'num p50', text: l.p50_ms }),
        el('td', { class: 'num p95', text: l.p95_ms }), el('td', { class: 'num p99', text: l.p99_ms }),
        el('td', { class: 'num count', text: l.count }));
    }));
    barChart($('latency-chart'), LATENCIES.map(([key]) => ({ label: key + ' p95', value: (lat[key] || {}).p95_ms || 0 })),
      () => cssVar('--created'));
  }

  function renderInstances(cluster, metrics) {
    const extra = {};
    for (const i of (metrics.scheduler || {}).instances || []) extra[i.instance_id] = i;
    fillTable('instances-table', (cluster.instances || []).map((i) => {
      const x = extra[i.instance_id] || {};
      return el('tr', { 'data-instance-id': i.instance_id }, el('td', { text: i.instance_id }),
        el('td', { text: i.is_online ? 'yes' : 'no' }), el('td', { class: 'draining', text: x.draining ? 'yes' : 'no' }),
        el('td', { text: fmtDuration(i.uptime_seconds) }), el('td', { class: 'num', text: i.nodes_owned }),
        el('td', { class: 'num', text: i.sessions_owned }), el('td', { class: 'num', text: x.session_connections }),
        el('td', { class: 'num', text: x.node_connections }), el('td', { class: 'num', text: i.inbox_pending }));
    }));
  }

  function renderNodes(nodes) {
    fillTable('nodes-table', (nodes.nodes || []).map((n) => {
      const load = el('span', { class: 'bar' }, el('span', { style: 'width:' +
        Math.round(100 * Math.min(1, n.effective_load / Math.max(1, n.max_concurrent_jobs))) + '%' }));
      const row = el('tr', { class: 'clickable' + (n.node_id === selectedNode ? ' selected' : ''), 'data-node-id': n.node_id },
        el('td', { text: n.node_id }),
        el('td', { class: 'status' }, el('span', { class: 'badge ' + n.status, text: n.status })),
        el('td', { class: 'load' }, load, el('span', { class: 'load-text', text: n.effective_load + ' / ' + n.max_concurrent_jobs })),
        el('td', { class: 'num free', text: n.free_slots }),
        el('td', { class: 'num', text: pct(n.usage && n.usage.cpu_percent) }),
        el('td', { class: 'num', text: pct(n.usage && n.usage.gpu_percent) }),
        el('td', { class: 'num', text: pct(n.usage && n.usage.mem_percent) }),
        el('td', { text: (n.pools || []).join(' ') }), el('td', { text: n.instance_id || '' }));
      row.addEventListener('click', () => { selectedNode = n.node_id; loadDetail(n.node_id); });
      return row;
    }));
  }

  function renderPools(pools) {
    const list = pools.pools || [];
    fillTable('pools-table', list.map((p) => el('tr', { 'data-pool': p.pair }, el('td', { text: p.pair }),
      el('td', { class: 'num nodes', text: p.nodes }), el('td', { class: 'num eligible', text: p.eligible_nodes }),
      el('td', { class: 'num selectable', text: p.selectable_nodes }), el('td', { class: 'num free', text: p.free_slots }),
      el('td', { class: 'num pending', text: p.pending_jobs }))));
    barChart($('pools-chart'), list.slice(0, 12).map((p) => ({ label: p.pair, value: p.free_slots })),
      () => cssVar('--ready'));
  }

  function renderSessions(sessions) {
    fillTable('sessions-table', (sessions.sessions || []).map((s) => el('tr', { 'data-session-id': s.session_id },
      el('td', { text: s.session_id }),
      el('td', { text: s.lang_a && s.lang_b ? s.lang_a + ' ⇄ ' + s.lang_b : (s.src_lang || '?') + ' → ' + (s.tgt_lang || '?') }),
      el('td', { text: s.platform || '' }), el('td', { text: s.instance_id }), el('td', { text: fmtTime(s.opened_at_ms) }))));
  }

  // ---------------------------------------------------------------- node detail and drain

  async function loadDetail(id) {
    $('node-detail').hidden = false;
    $('detail-node-id').textContent = id;
    for (const r of document.querySelectorAll('#nodes-table tbody tr')) r.classList.toggle('selected', r.dataset.nodeId === id);
    try {
      const d = await getJson('/api/v1/nodes/' + encodeURIComponent(id));
      if (selectedNode !== id) return;
      const fields = $('detail-fields');
      const add = (k, v, cls) => fields.append(el('dt', { text: k }), el('dd', { class: cls, text: v }));
      fields.replaceChildren();
      add('status', d.status, 'detail-status');
      add('draining', d.draining ? 'yes' : 'no', 'detail-draining');
      add('connected', d.connected ? 'yes' : 'no');
      add('load', d.effective_load + ' / ' + d.max_concurrent_jobs + ' (running ' + d.running_jobs + ', reserved ' +
        d.reservations + ')', 'detail-load');
      add('free slots', d.free_slots, 'detail-free');
      add('platform / version', (d.platform || '?') + ' / ' + (d.version || '?'));
      add('GPUs', d.gpu_count);
      add('health', d.health ? (d.health.healthy ? 'healthy' : 'unhealthy: ' + d.health.reasons.join(', ')) : '–');
      add('ready types', (d.ready_types || []).join(', '));
      add('pools', (d.pools || []).join(', '));
      add('last heartbeat', fmtTime(d.last_heartbeat_ms));
      fillTable('detail-attempts', (d.live_attempts || []).map((a) => el('tr', {}, el('td', { text: a.job_id }),
        el('td', { text: a.attempt_id }), el('td', { text: a.session_id }), el('td', { text: a.utterance_index }),
        el('td', { text: a.dispatched ? fmtTime(a.dispatched_at_ms) : 'reserved' }))));
      fillTable('detail-history', (d.status_history || []).slice().reverse().map((h) => el('tr', {},
        el('td', { text: fmtTime(h.at_ms) }), el('td', { text: h.from || '' }), el('td', { text: h.to }),
        el('td', { text: h.reason || '' }))));
      $('drain-button').disabled = d.draining;
      $('undrain-button').disabled = !d.draining;
    } catch (e) {
      $('detail-message').textContent = e.message;
    }
  }

  async function drain(undo) {
    const id = selectedNode;
    if (!id) return;
    const action = undo ? 'undrain' : 'drain';
    const r = await fetch('/api/v1/nodes/' + encodeURIComponent(id) + '/' + action, { method: 'POST', headers: headers(true) });
    if (r.status === 401) {
      $('detail-message').textContent = action + ' refused: enter the admin token';
    } else if (!r.ok) {
      $('detail-message').textContent = action + ' failed: HTTP ' + r.status;
    } else {
      const s = await r.json();
      $('detail-message').textContent = 'node ' + id + ' ' + (s.draining ? 'drains: no new jobs, running ones finish'
        : 'takes jobs again');
    }
    await loadDetail(id);
  }

  $('drain-button').addEventListener('click', () => drain(false));
  $('undrain-button').addEventListener('click', () => drain(true));
  $('detail-close').addEventListener('click', () => { selectedNode = null; $('node-detail').hidden = true; });

  // ---------------------------------------------------------------- the loop

  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    try {
      const [cluster, nodes, pools, sessions, metrics] = await Promise.all([getJson('/api/v1/cluster'),
        getJson('/api/v1/nodes'), getJson('/api/v1/pools'), getJson('/api/v1/sessions'), getJson('/api/v1/metrics')]);
      renderCards(cluster, sessions, metrics);
      renderRates(metrics);
      renderStatus(metrics);
      renderLatency(metrics);
      renderInstances(cluster, metrics);
      renderNodes(nodes);
      renderPools(pools);
      renderSessions(sessions);
      $('error').hidden = true;
      $('refresh-state').textContent = 'updated ' + new Date().toLocaleTimeString() + ' (snapshot ' +
        fmtTime(metrics.stats && metrics.stats.snapshot_updated_at_ms) + ')';
      document.body.dataset.refreshed = String(Date.now());
      if (selectedNode) await loadDetail(selectedNode);
    } catch (e) {
      $('error').hidden = false;
      $('error').textContent = e.message;
    } finally {
      refreshing = false;
    }
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
