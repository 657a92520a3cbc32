/// The operations dashboard's page (served at `/`): plain HTML, CSS and JavaScript, no external
/// assets. It asks for a token (kept in the browser's local storage, or given as `#token=` in the
/// URL), then uses the API: the city as an SVG map, live activations and incidents from
/// `/v1/stream`, open incidents with acknowledge/resolve, the fleet, and an event search.
enum DashboardPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>citywatch operations</title>
<link rel="stylesheet" href="/dashboard.css">
</head>
<body>
<header><h1>citywatch</h1><span id="city"></span><span id="link" class="badge">offline</span>
<form id="login"><input id="token" type="password" placeholder="API token" autocomplete="off"><button>Sign in</button></form></header>
<main>
<section id="map-panel"><h2>City</h2><svg id="map" viewBox="0 0 600 400" role="img" aria-label="districts"></svg></section>
<section><h2>Live activations</h2><ol id="activations"></ol></section>
<section><h2>Open incidents</h2><table id="incidents"><thead><tr><th>incident</th><th>severity</th><th>districts</th><th>events</th><th></th></tr></thead><tbody></tbody></table></section>
<section><h2>Fleet</h2><table id="fleet"><thead><tr><th>agent</th><th>last seen</th><th>events</th><th>evicted</th><th>cameras</th><th>backlog</th><th>skew</th><th>cert</th></tr></thead><tbody></tbody></table></section>
<section><h2>Events</h2><form id="search"><input name="district" placeholder="district"><input name="camera" placeholder="camera"><input name="kind" placeholder="kind">
<select name="min_severity"><option value="">any severity</option><option>low</option><option>medium</option><option>high</option><option>critical</option></select><button>Search</button></form>
<table id="events"><thead><tr><th>time</th><th>district</th><th>camera</th><th>kind</th><th>phase</th><th>severity</th></tr></thead><tbody></tbody></table></section>
</main>
<script src="/dashboard.js"></script>
</body>
</html>
"""#

    static let css = #"""
body { font: 14px system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { display: flex; gap: 1em; align-items: center; padding: .6em 1em; background: #1d2330; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; }
header form { margin-left: auto; }
.badge { padding: .1em .6em; border-radius: 1em; background: #888; font-size: .85em; }
.badge.live { background: #1f9d55; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1em; padding: 1em; }
section { background: #fff; border-radius: 6px; padding: .6em 1em; box-shadow: 0 1px 2px #0002; }
h2 { font-size: 1em; margin: .2em 0 .6em; }
table { width: 100%; border-collapse: collapse; font-size: .9em; }
tr.warn td { background: #fff4d6; }
th, td { text-align: left; padding: .2em .4em; border-bottom: 1px solid #eee; }
ol#activations { list-style: none; padding: 0; margin: 0; max-height: 320px; overflow: auto; }
ol#activations li { padding: .3em; border-left: 4px solid #888; margin-bottom: .3em; background: #fafafa; }
.sev-critical { border-color: #b91c1c !important; } .sev-high { border-color: #ea580c !important; }
.sev-medium { border-color: #ca8a04 !important; } .sev-low, .sev-info { border-color: #2563eb !important; }
svg text { font-size: 12px; } .district { fill: #e8eefc; stroke: #6b7a99; } .district.alert { fill: #fecaca; stroke: #b91c1c; }
.adjacent { stroke: #9aa5bd; stroke-dasharray: 4 3; } .camera { fill: #1d2330; }
"""#

    static let javascript = #"""
"use strict";
const state = { token: null, city: null, alerts: new Map() };
const $ = (s) => document.querySelector(s);
function el(tag, attrs = {}, text) { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text !== undefined) e.textContent = text; return e; }
function svg(tag, attrs = {}, text) { const e = document.createElementNS("http://www.w3.org/2000/svg", tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text !== undefined) e.textContent = text; return e; }
const time = (ms) => ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "";
async function api(path, method = "GET") {
  const r = await fetch(path, { method, headers: { Authorization: "Bearer " + state.token } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body.error && body.error.code) + ": " + (body.error && body.error.message));
  return body;
}
function drawMap() {
  const map = $("#map"); map.replaceChildren();
  const ds = state.city.districts, n = ds.length, pos = new Map();
  ds.forEach((d, i) => { const a = 2 * Math.PI * i / n - Math.PI / 2; pos.set(d.id, [300 + 200 * Math.cos(a), 200 + 140 * Math.sin(a)]); });
  for (const d of ds) for (const o of d.adjacent) if (d.id < o) { const [x1, y1] = pos.get(d.id), [x2, y2] = pos.get(o); map.append(svg("line", { x1, y1, x2, y2, class: "adjacent" })); }
  for (const d of ds) {
    const [x, y] = pos.get(d.id), g = svg("g", { "data-district": d.id });
    g.append(svg("circle", { cx: x, cy: y, r: 46, class: "district" + (state.alerts.has(d.id) ? " alert" : "") }));
    g.append(svg("text", { x, y: y - 52, "text-anchor": "middle" }, d.name));
    const cams = state.city.cameras.filter((c) => c.district === d.id);
    cams.forEach((c, i) => { const a = 2 * Math.PI * i / Math.max(cams.length, 1); const dot = svg("circle", { cx: x + 28 * Math.cos(a), cy: y + 28 * Math.sin(a), r: 5, class: "camera" }); dot.append(svg("title", {}, c.id)); g.append(dot); });
    map.append(g);
  }
}
function addActivation(a) {
  const li = el("li", { class: "sev-" + a.severity, "data-activation": a.scenario_id }, time(a.time_ms) + "  " + a.title + " - " + a.summary);
  $("#activations").prepend(li);
  while ($("#activations").children.length > 100) $("#activations").lastChild.remove();
  for (const d of a.districts) state.alerts.set(d, Date.now());
  drawMap();
}
async function loadIncidents() {
  const body = await api("/v1/incidents?status=open&limit=50"), tbody = $("#incidents tbody"); tbody.replaceChildren();
  for (const i of body.items) {
    const tr = el("tr", { "data-incident": i.id });
    for (const t of [i.id, i.severity, i.districts.join(", "), String(i.event_count)]) tr.append(el("td", {}, t));
    const td = el("td");
    for (const verb of ["acknowledge", "resolve"]) { const b = el("button", {}, verb); b.onclick = async () => { try { await api(`/v1/incidents/${encodeURIComponent(i.id)}/${verb}`, "POST"); loadIncidents(); } catch (e) { alert(e.message); } }; td.append(b); }
    tr.append(td); tbody.append(tr);
  }
}
async function loadFleet() {
  const body = await api("/v1/fleet"), tbody = $("#fleet tbody"); tbody.replaceChildren();
  for (const a of body.items) {
    const h = a.health, tr = el("tr");
    const cameras = h ? `${h.cameras_online}/${h.cameras} live` + (h.tampered_cameras.length ? `, tamper: ${h.tampered_cameras.join(" ")}` : "") : String(a.cameras.length);
    const backlog = h ? `${(h.spool_backlog_bytes / 1048576).toFixed(1)} MiB` + (h.oldest_event_age_ms != null ? `, oldest ${Math.round(h.oldest_event_age_ms / 1000)} s` : "") : "";
    const skew = h && h.clock_skew_ms != null ? `${h.clock_skew_ms} ms` : "";
    const cert = h && h.certificate_not_after_ms != null ? `${((h.certificate_not_after_ms - Date.now()) / 86400000).toFixed(1)} d` : "";
    for (const t of [a.agent_id, time(a.store && a.store.last_seen_ms), String(a.store ? a.store.events : 0), String(a.store ? a.store.evicted_events : 0), cameras, backlog, skew, cert]) tr.append(el("td", {}, t));
    if (h && (h.tampered_cameras.length || Math.abs(h.clock_skew_ms || 0) > 2000 || (h.certificate_not_after_ms || Infinity) - Date.now() < 14 * 86400000)) tr.className = "warn";
    tbody.append(tr);
  }
}
async function search(ev) {
  if (ev) ev.preventDefault();
  const q = new URLSearchParams(); for (const [k, v] of new FormData($("#search"))) if (v) q.set(k, v); q.set("limit", "50");
  const body = await api("/v1/events?" + q), tbody = $("#events tbody"); tbody.replaceChildren();
  for (const e of body.items) { const tr = el("tr"); for (const t of [time(e.event.capture_time_ms), e.district, e.event.camera_id, e.event.kind, e.event.phase, e.event.severity]) tr.append(el("td", {}, t)); tbody.append(tr); }
}
async function stream() {
  for (;;) {
    try {
      const r = await fetch("/v1/stream", { headers: { Authorization: "Bearer " + state.token } });
      if (!r.ok) throw new Error("stream " + r.status);
      $("#link").textContent = "live"; $("#link").className = "badge live";
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader(); let buffer = "";
      for (;;) {
        const { value, done } = await reader.read(); if (done) break; buffer += value;
        let cut; while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
          const type = (block.match(/^event: (.*)$/m) || [])[1], data = (block.match(/^data: (.*)$/m) || [])[1];
          if (type === "activation" && data) addActivation(JSON.parse(data));
          if (type === "incident") loadIncidents();
        }
      }
    } catch (e) { console.log(e.message); }
    $("#link").textContent = "offline"; $("#link").className = "badge";
    await new Promise((r) => setTimeout(r, 3000));
  }
}
async function start() {
  state.city = await api("/v1/city"); $("#city").textContent = state.city.city; drawMap();
  const recent = await api("/v1/activations?limit=20"); for (const a of recent.items.reverse()) addActivation(a);
  await Promise.all([loadIncidents(), loadFleet(), search()]);
  $("#search").onsubmit = search; setInterval(loadFleet, 10000); stream();
}
$("#login").onsubmit = (ev) => { ev.preventDefault(); state.token = $("#token").value; localStorage.setItem("citywatch-token", state.token); start().catch((e) => alert(e.message)); };
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
state.token = fromHash || localStorage.getItem("citywatch-token");
if (state.token) start().catch((e) => { $("#link").textContent = e.message; });
"""#
}
