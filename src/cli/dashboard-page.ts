/**
 * The web view's one page: HTML, CSS and a small script, no framework and nothing fetched from
 * elsewhere (it works without network access). It draws the view `rmd dashboard` pushes on
 * /api/stream: the ring, the hosts, the FIG. 2 table and the timeline. It only reads.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>replica-manager</title>
<style>
  :root {
    --bg: #f4f5f7; --card: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e2e5eb;
    --p: #1f8a4c; --p-bg: #e3f4ea; --b: #2463b8; --b-bg: #e4edfa; --i: #6b7385; --i-bg: #eef0f3;
    --bad: #c23030; --bad-bg: #fbe6e6; --warn: #a86400; --warn-bg: #fff1d6;
  }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
  header { display: flex; align-items: center; gap: 16px; padding: 12px 20px; background: #1d2330; color: #fff; flex-wrap: wrap; }
  header h1 { font-size: 17px; margin: 0; font-weight: 600; letter-spacing: .2px; }
  header .facts { display: flex; gap: 18px; flex-wrap: wrap; color: #c9cedb; }
  header .facts b { color: #fff; font-weight: 600; }
  .pill { padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; }
  .pill.live { background: #2f9e5a; color: #fff; } .pill.stale { background: #d08a1c; color: #fff; } .pill.down { background: var(--bad); color: #fff; }
  header .updated { margin-left: auto; color: #9aa3b5; font-size: 12px; }
  main { display: grid; grid-template-columns: minmax(400px, 1fr) 2fr; gap: 16px; padding: 16px 20px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
  #table { overflow-x: auto; }
  .card h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); margin: 0 0 10px; font-weight: 600; }
  .left { display: flex; flex-direction: column; gap: 16px; }
  .wide { grid-column: 1 / -1; }
  table { border-collapse: collapse; width: 100%; }
  th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; border-bottom: 1px solid var(--line); padding: 4px 8px; }
  td { padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  td.path { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; max-width: 200px; }
  tr.first td { border-top: 2px solid var(--line); }
  tr.short td:first-child { box-shadow: inset 4px 0 0 var(--warn); }
  tr.short { background: var(--warn-bg); }
  .badge { display: inline-block; min-width: 22px; text-align: center; padding: 0 6px; border-radius: 4px; font-weight: 700; font-size: 12px; }
  .st-P { background: var(--p-bg); color: var(--p); } .st-B { background: var(--b-bg); color: var(--b); } .st-I { background: var(--i-bg); color: var(--i); }
  .tag { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; margin-left: 6px; vertical-align: 1px; }
  .tag.short { background: var(--warn); color: #fff; } .tag.down { background: var(--bad); color: #fff; } .tag.primary { background: var(--p); color: #fff; }
  .flash { animation: flash 1.6s ease-out; }
  @keyframes flash { from { background: #ffe98a; } to { background: transparent; } }
  .ring { display: flex; align-items: center; gap: 4px; }
  .member { border: 1px solid var(--line); border-radius: 8px; padding: 6px 8px; flex: 1 1 0; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .member.live { border-color: #9fd6b4; background: #f3fbf6; } .member.dead { border-color: #efb1b1; background: var(--bad-bg); }
  .member .name { font-weight: 700; } .member .sub { color: var(--muted); font-size: 12px; }
  .arrow { color: var(--muted); font-size: 16px; }
  .row-down td { background: var(--bad-bg); color: var(--bad); }
  #hosts td { padding: 4px 6px; } #hosts .since { font-size: 12px; }
  .muted { color: var(--muted); }
  .empty { color: var(--muted); padding: 8px 0; }
  ol.timeline { list-style: none; margin: 0; padding: 0; max-height: 430px; overflow: auto; }
  ol.timeline li { display: grid; grid-template-columns: 110px 54px 1fr auto; gap: 8px; padding: 6px 4px; border-bottom: 1px solid var(--line); }
  ol.timeline li.failover { background: #fff8f0; }
  ol.timeline .time { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
  ol.timeline .seq { color: var(--muted); font-size: 12px; }
  ol.timeline .what b { font-weight: 600; }
  ol.timeline .details { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: #3b4457; white-space: pre-wrap; }
  ol.timeline .dur { font-size: 12px; font-weight: 600; color: var(--muted); align-self: start; white-space: nowrap; }
  ol.timeline .dur.fo { color: #fff; background: #c46a12; padding: 1px 8px; border-radius: 999px; }
  .mods span { display: inline-block; background: var(--i-bg); border-radius: 4px; padding: 0 5px; font-size: 11px; margin-left: 4px; color: #3b4457; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>replica-manager</h1>
  <span id="conn" class="pill stale">connecting</span>
  <div class="facts" id="facts"></div>
  <span class="updated" id="updated"></span>
</header>
<main>
  <div class="left">
    <section class="card"><h2>SuperWatchDog ring</h2><div id="ring"></div></section>
    <section class="card"><h2>Hosts</h2><div id="hosts"></div></section>
  </div>
  <section class="card"><h2>Replica table</h2><div id="table"></div></section>
  <section class="card wide"><h2>Events</h2><ol class="timeline" id="timeline"></ol></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v; else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false)
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return el;
}
let view = null;
let offset = 0;            // the dashboard's clock minus ours, so that ages are right on any machine
let previous = new Map();  // replica -> status, to flash what changed
let seenSeq = 0;
function age(ms) {
  if (!ms) return "never";
  const s = (Date.now() + offset - ms) / 1000;
  if (s < 1) return (Math.max(0, s) * 1000).toFixed(0) + " ms ago";
  if (s < 120) return s.toFixed(1) + " s ago";
  if (s < 7200) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}
function clock(ms) {
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}
const policy = (m) => m.policy === "on-over-threshold" ? "OnOverThreshold(" + (m.threshold || 0) + ")" : "OnEachFailure";

function renderHeader(v) {
  const facts = $("facts");
  facts.replaceChildren();
  if (v.manager) facts.append(h("span", {}, "ReplicaManager on ", h("b", {}, v.manager.host), " · epoch ", h("b", { id: "epoch" }, v.manager.epoch)));
  else facts.append(h("span", {}, h("b", {}, "no ReplicaManager answers")));
  if (v.lease) {
    const left = (v.lease.leaseUntilMs - v.at) / 1000;
    facts.append(h("span", {}, "lease held by ", h("b", {}, v.lease.holder || "nobody"), " · ", left > 0 ? left.toFixed(1) + " s left" : "ran out"));
  } else facts.append(h("span", {}, h("b", {}, "Checkpoint Server not answering")));
  const mods = v.table ? v.table.modules : [];
  const short = mods.filter((m) => m.underReplicated).length;
  facts.append(h("span", {}, h("b", {}, mods.length), " modules", short ? h("span", { class: "tag short" }, short + " short") : ""));
}

function renderRing(v) {
  const primaryView = v.ring.find((r) => r.primary && r.primary === r.host);
  const seen = new Map();
  for (const m of (primaryView && primaryView.members) || []) seen.set(m.name, m);
  const box = h("div", { class: "ring" });
  v.ring.forEach((r, i) => {
    const fromPrimary = seen.get(r.host);
    const live = r.error ? false : fromPrimary ? fromPrimary.live : true;
    const isPrimary = primaryView && primaryView.host === r.host;
    const sub = r.error ? "not answering" : isPrimary ? "epoch " + r.epoch : fromPrimary && fromPrimary.lastBeatMs ? "beat " + age(fromPrimary.lastBeatMs) : "backup";
    box.append(h("div", { class: "member " + (live ? "live" : "dead"), "data-member": r.host },
      h("div", { class: "name" }, r.host, isPrimary ? h("span", { class: "tag primary" }, "primary") : ""),
      h("div", { class: "sub" }, sub)));
    box.append(h("span", { class: "arrow" }, i < v.ring.length - 1 ? "→" : "↺"));
  });
  $("ring").replaceChildren(box);
}

function renderHosts(v) {
  const copies = new Map();
  for (const m of (v.table && v.table.modules) || []) for (const r of m.replicas) {
    if (r.status === "I") continue;
    const c = copies.get(r.host) || { P: 0, B: 0 };
    c[r.status]++;
    copies.set(r.host, c);
  }
  if (!v.hosts) { $("hosts").replaceChildren(h("div", { class: "empty" }, "no primary SuperWatchDog answers")); return; }
  const rows = v.hosts.map((x) => {
    const c = copies.get(x.name) || { P: 0, B: 0 };
    return h("tr", { class: x.up ? "" : "row-down", "data-host": x.name },
      h("td", {}, h("b", {}, x.name)),
      h("td", {}, x.up ? "up " : "down ", h("span", { class: "muted since" }, age(x.sinceMs).replace(" ago", ""))),
      h("td", {}, x.lastBeatMs ? "beat " + age(x.lastBeatMs) : "no beat"),
      h("td", {}, c.P ? h("span", { class: "badge st-P" }, c.P + " P") : "", " ", c.B ? h("span", { class: "badge st-B" }, c.B + " B") : ""));
  });
  $("hosts").replaceChildren(h("table", {}, h("thead", {}, h("tr", {}, ["Host", "State, for", "Last beat", "Copies"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)));
}

function renderTable(v) {
  if (!v.table) { $("table").replaceChildren(h("div", { class: "empty" }, v.managerError || "no table")); return; }
  if (v.table.modules.length === 0) { $("table").replaceChildren(h("div", { class: "empty" }, "no module registered")); return; }
  const down = new Set(v.table.hosts.filter((x) => !x.up).map((x) => x.name));
  const now = new Map();
  const rows = [];
  for (const m of v.table.modules) m.replicas.forEach((r, i) => {
    now.set(r.id, r.status);
    const changed = previous.size > 0 && previous.get(r.id) !== r.status;
    const first = i === 0;
    rows.push(h("tr", { class: [first ? "first" : "", m.underReplicated ? "short" : ""].join(" ").trim(), "data-replica": r.id, "data-status": r.status, "data-module": m.name },
      h("td", {}, first ? h("b", {}, m.name) : "", first && m.underReplicated ? h("span", { class: "tag short", title: "fewer copies run than its degree: no live idle copy is left" }, "short") : ""),
      h("td", {}, first ? m.style : ""),
      h("td", {}, first ? m.degree : ""),
      h("td", {}, first ? policy(m) : ""),
      h("td", {}, r.id),
      h("td", {}, r.host, down.has(r.host) ? h("span", { class: "tag down" }, "down") : ""),
      h("td", { class: "path", title: r.path }, r.path),
      h("td", { class: changed ? "flash" : "" }, h("span", { class: "badge st-" + r.status }, r.status)),
      h("td", {}, r.failures > 0 ? r.failures : "")));
  });
  previous = now;
  const head = ["Module", "Style", "Degree", "Switching", "Replica", "Host", "Path", "Status", "Failures"];
  $("table").replaceChildren(h("table", { id: "replicas" }, h("thead", {}, h("tr", {}, head.map((t) => h("th", {}, t)))), h("tbody", {}, rows)));
}

function renderTimeline(v) {
  const items = v.timeline.map((e) => {
    const fresh = seenSeq > 0 && e.seq > seenSeq;
    let dur = "";
    if (e.carriedOutMs !== undefined)
      dur = h("span", { class: "dur" + (e.failover ? " fo" : "") }, (e.failover ? "fail-over " : "done in ") + e.carriedOutMs + " ms" + (e.failedActions ? ", " + e.failedActions + " failed" : ""));
    return h("li", { class: [e.failover ? "failover" : "", fresh ? "flash" : ""].join(" ").trim(), "data-seq": e.seq },
      h("span", { class: "time", title: new Date(e.at).toISOString() }, clock(e.at)),
      h("span", { class: "seq" }, "#" + e.seq),
      h("div", { class: "what" }, h("b", {}, e.headline), h("span", { class: "mods" }, e.modules.map((m) => h("span", {}, m))),
        e.details.length ? h("div", { class: "details" }, e.details.join("\\n")) : ""),
      dur);
  });
  if (v.timeline.length) seenSeq = Math.max(seenSeq, v.timeline[0].seq);
  $("timeline").replaceChildren(...(items.length ? items : [h("li", { class: "empty" }, "nothing recorded yet")]));
}

function render(v) {
  view = v;
  offset = v.at - Date.now();
  renderHeader(v); renderRing(v); renderHosts(v); renderTable(v); renderTimeline(v);
  $("updated").textContent = "updated " + clock(v.at);
  const pill = $("conn");
  pill.textContent = v.manager ? "live" : "no manager";
  pill.className = "pill " + (v.manager ? "live" : "down");
}

function connect() {
  const es = new EventSource("/api/stream");
  es.onmessage = (m) => { try { render(JSON.parse(m.data)); } catch (err) { console.error(err); } };
  es.onerror = () => { const p = $("conn"); p.textContent = "reconnecting"; p.className = "pill stale"; };
}
// Ages go on between changes.
setInterval(() => { if (view) { renderRing(view); renderHosts(view); } }, 1000);
connect();
</script>
</body>
</html>
`;
