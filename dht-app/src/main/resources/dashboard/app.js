// dht dashboard: plain JavaScript, no libraries. Polls the node's JSON API and draws what it finds.
// A bearer token, when the server needs one, comes from the page address: http://host:port/#token=SECRET
// (kept in this tab's sessionStorage, sent as 'Authorization: Bearer ...', never put in a URL sent to the server).
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const state = {
    node: 0,
    samples: [],          // {t, stats} for message rates
    lookupId: null,       // the lookup shown
    lookupPinned: false,  // the user picked one: do not jump to the newest
    k: 8,
  };

  const tokenMatch = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (tokenMatch) {
    sessionStorage.setItem("dht-token", decodeURIComponent(tokenMatch[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  const nodeMatch = /[?&]node=(\d+)/.exec(location.search);
  if (nodeMatch) state.node = Number(nodeMatch[1]);

  function $(id) { return document.getElementById(id); }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    const token = sessionStorage.getItem("dht-token");
    if (token) opts.headers["Authorization"] = "Bearer " + token;
    const sep = path.includes("?") ? "&" : "?";
    const url = path.startsWith("/api/lookups") && !path.endsWith("lookups") ? path : path + sep + "node=" + state.node;
    const res = await fetch(url, opts);
    const body = await res.json().catch(() => ({ error: "not JSON (HTTP " + res.status + ")" }));
    if (!res.ok) throw new Error(body.error || "HTTP " + res.status);
    return body;
  }

  function setStatus(ok, text) {
    const s = $("status");
    s.textContent = text;
    s.className = "status " + (ok ? "ok" : "error");
  }

  function text(id, value) { $(id).textContent = value; }

  function el(tag, cls, content) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  }

  function svg(tag, attrs, parent) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function duration(seconds) {
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
    const m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return (d ? d + "d " : "") + (d || h ? h + "h " : "") + (d || h || m ? m + "m " : "") + s + "s";
  }

  function short(hex) { return hex.slice(0, 8) + "…" + hex.slice(-4); }

  // ---------------------------------------------------------------- node and node picker

  async function refreshNode() {
    const n = await api("/api/node");
    text("node-id", n.id);
    text("node-address", n.addresses.udp + (n.addresses.external ? " (external " + n.addresses.external + ")" : ""));
    text("node-uptime", duration(n.uptimeSeconds));
    text("node-contacts", n.routingTable.contacts);
    text("node-depth", n.routingTable.depth);
    text("node-peers", n.storedPeers + " (" + n.infoHashes + " info-hashes)");
    text("node-items", n.storedItems);
    document.title = "dht " + n.id.slice(0, 8);
    if (n.nodes > 1 && $("node-picker").hidden) {
      const list = await api("/api/nodes");
      const select = $("node-select");
      for (const x of list.nodes) {
        const o = el("option", null, x.index + ": " + x.address);
        o.value = x.index;
        select.appendChild(o);
      }
      select.value = state.node;
      select.addEventListener("change", () => {
        state.node = Number(select.value);
        state.samples = [];
        refreshAll();
      });
      $("node-picker").hidden = false;
    }
  }

  // ---------------------------------------------------------------- routing table

  async function refreshRouting() {
    const t = await api("/api/routing-table");
    state.k = t.k;
    const root = $("routing-table");
    root.replaceChildren();
    t.buckets.forEach((b) => {
      const row = el("div", "bucket");
      row.dataset.index = b.index;
      row.dataset.size = b.size;
      row.appendChild(el("span", "label", "bucket " + b.index + (b.index === t.buckets.length - 1 ? "+" : "")));
      const cells = el("span", "cells");
      for (const c of b.contacts) {
        const cell = el("span", "cell contact");
        cell.title = c.id + "  " + c.address + "  distance 2^" + c.log2Distance.toFixed(1);
        cells.appendChild(cell);
      }
      for (let i = b.contacts.length; i < t.k; i++) cells.appendChild(el("span", "cell empty"));
      row.appendChild(el("span", "count", b.size));
      row.appendChild(cells);
      root.appendChild(row);
    });
    text("routing-summary", t.size + " contacts in " + t.depth + " buckets, k = " + t.k +
      (t.ipv6.size ? "; IPv6: " + t.ipv6.size + " in " + t.ipv6.depth : ""));
    root.dataset.contacts = t.size;
  }

  // ---------------------------------------------------------------- message rates

  const RATE_TYPES = [
    ["datagramsIn", "datagrams in"], ["datagramsOut", "datagrams out"], ["pingsIn", "ping"],
    ["findNodesIn", "find_node"], ["getPeersIn", "get_peers"], ["announcesIn", "announce_peer"],
    ["itemGetsIn", "get (BEP 44)"], ["itemPutsIn", "put (BEP 44)"], ["responsesIn", "responses"],
    ["pingsOut", "ping sent"], ["findNodesOut", "find_node sent"], ["getPeersOut", "get_peers sent"],
    ["responsesOut", "responses sent"],
    ["errorsIn", "errors received"], ["errorsSent", "errors sent"], ["timeouts", "timeouts"],
    ["queriesThrottled", "throttled"],
  ];

  function rate(a, b, key) {
    const dt = (b.t - a.t) / 1000;
    return dt > 0 ? Math.max(0, (b.stats[key] - a.stats[key]) / dt) : 0;
  }

  async function refreshRates() {
    const s = await api("/api/stats");
    state.samples.push({ t: s.atMillis, stats: s.stats });
    if (state.samples.length > 61) state.samples.shift();
    const n = state.samples.length;
    const tbody = $("rates-table").querySelector("tbody");
    tbody.replaceChildren();
    for (const [key, label] of RATE_TYPES) {
      const tr = el("tr");
      tr.appendChild(el("td", null, label));
      tr.appendChild(el("td", "num", n > 1 ? rate(state.samples[n - 2], state.samples[n - 1], key).toFixed(1) + "/s" : "…"));
      tr.appendChild(el("td", "num", String(s.stats[key])));
      tbody.appendChild(tr);
    }
    drawRates();
  }

  function drawRates() {
    const canvas = $("rates-chart");
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = 28;
    ctx.clearRect(0, 0, w, h);
    const series = { in: [], out: [] };
    for (let i = 1; i < state.samples.length; i++) {
      series.in.push(rate(state.samples[i - 1], state.samples[i], "datagramsIn"));
      series.out.push(rate(state.samples[i - 1], state.samples[i], "datagramsOut"));
    }
    const max = Math.max(1, ...series.in, ...series.out);
    ctx.strokeStyle = "#e3e6eb";
    ctx.fillStyle = "#6b7280";
    ctx.font = "11px system-ui, sans-serif";
    for (let g = 0; g <= 4; g++) {
      const y = h - pad - (h - 2 * pad) * g / 4;
      ctx.beginPath(); ctx.moveTo(pad, y); ctx.lineTo(w - 8, y); ctx.stroke();
      ctx.fillText((max * g / 4).toFixed(max < 8 ? 1 : 0), 2, y + 4);
    }
    ctx.fillText("last " + Math.max(0, state.samples.length - 1) + " s", w - 70, h - 8);
    const colors = { in: "#2563eb", out: "#ea580c" };
    for (const key of ["in", "out"]) {
      const points = series[key];
      ctx.strokeStyle = colors[key];
      ctx.lineWidth = key === "in" ? 4 : 2;
      ctx.setLineDash(key === "in" ? [] : [6, 4]);
      ctx.beginPath();
      points.forEach((v, i) => {
        const x = pad + (w - pad - 8) * (i + 60 - points.length) / 59;
        const y = h - pad - (h - 2 * pad) * v / max;
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }

  // ---------------------------------------------------------------- stored items

  async function refreshItems() {
    const s = await api("/api/stored-items");
    const tbody = $("items-table").querySelector("tbody");
    tbody.replaceChildren();
    for (const it of s.items) {
      const tr = el("tr");
      const td0 = el("td", "mono", it.target.slice(0, 16) + "…");
      td0.title = it.target;
      tr.appendChild(td0);
      tr.appendChild(el("td", null, it.mutable ? "mutable" : "immutable"));
      tr.appendChild(el("td", "num", String(it.bytes)));
      tr.appendChild(el("td", "num", it.seq === null ? "" : String(it.seq)));
      const td = el("td");
      if (it.replicas === null) {
        td.textContent = "not checked yet";
      } else {
        const bar = el("span", "bar" + (it.replicas === 0 ? " zero" : it.replicas < s.k ? " low" : ""));
        bar.style.width = Math.max(2, 60 * it.replicas / s.k) + "px";
        td.appendChild(bar);
        td.appendChild(document.createTextNode(it.replicas + " / " + s.k));
      }
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    if (!s.items.length) {
      const tr = el("tr");
      const td = el("td", "hint", "no items held for others yet");
      td.colSpan = 5;
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    text("items-summary", s.held + " held, " + s.belowTarget + " below k = " + s.k + ", average " +
      s.averageReplicas.toFixed(1) + " copies" + (s.truncated ? " (first " + s.items.length + " listed)" : ""));
  }

  // ---------------------------------------------------------------- lookups

  async function refreshLookups() {
    const list = (await api("/api/lookups")).lookups;
    const select = $("lookup-select");
    const keep = select.value;
    select.replaceChildren();
    if (!list.length) {
      select.appendChild(el("option", null, "no lookups yet"));
      return;
    }
    for (const l of list) {
      const o = el("option", null, "#" + l.id + " " + l.kind + " " + short(l.target) + " · " + l.rounds +
        " rounds · " + l.durationMillis + " ms");
      o.value = l.id;
      select.appendChild(o);
    }
    const wanted = state.lookupPinned && keep ? Number(keep) : list[0].id;
    select.value = wanted;
    if (wanted !== state.lookupId) await showLookup(wanted);
  }

  async function showLookup(id) {
    const l = await api("/api/lookups/" + id);
    state.lookupId = l.id;
    drawLookup(l);
  }

  function drawLookup(l) {
    const root = $("lookup-svg");
    root.replaceChildren();
    const W = 900, H = 340, left = 70, right = 24, top = 24, bottom = 48;
    const steps = l.steps.filter((s) => s.contacts.length);
    const all = steps.flatMap((s) => s.contacts.map((c) => c.log2Distance));
    if (!all.length) {
      svg("text", { x: W / 2 - 120, y: H / 2 }, root).textContent = "no contacts: the node knows nobody yet";
      root.dataset.lookupId = l.id;
      root.dataset.points = 0;
      return;
    }
    // log2 of the XOR distance; the target itself (distance 0) sits on its own line at the bottom
    const positive = all.filter((d) => d > 0);
    const exact = positive.length < all.length;
    const hi = Math.min(160, Math.ceil(Math.max(...all, 1) + 0.5));
    let lo = positive.length ? Math.max(0, Math.floor(Math.min(...positive) - 1)) : hi - 1;
    if (hi - lo < 4) lo = Math.max(0, hi - 4);
    const plotBottom = H - bottom - (exact ? 26 : 0);
    const rounds = Math.max(1, l.rounds, ...steps.map((s) => s.round));
    const x = (round) => left + (W - left - right) * round / rounds;
    const y = (d) => d <= 0 ? H - bottom - 8 : top + (plotBottom - top) * (hi - d) / Math.max(1, hi - lo);
    // rounds the core did not record
    if (!l.perRoundRecorded && rounds > 1) {
      svg("rect", { x: x(0) + 14, y: top, width: x(rounds) - x(0) - 28, height: H - top - bottom, class: "gap" }, root);
      const t = svg("text", { x: (x(0) + x(rounds)) / 2 - 110, y: top + 16 }, root);
      t.textContent = (rounds === 2 ? "round 1" : "rounds 1.." + (rounds - 1)) + ": not recorded by the core";
    }
    // axes and grid
    const tick = Math.max(1, Math.ceil((hi - lo) / 5));
    for (let d = lo; d <= hi; d += tick) {
      svg("line", { x1: left, x2: W - right, y1: y(d), y2: y(d), class: "grid" }, root);
      svg("text", { x: 8, y: y(d) + 4 }, root).textContent = "2^" + d;
    }
    if (exact) {
      svg("line", { x1: left, x2: W - right, y1: y(0), y2: y(0), class: "grid" }, root);
      svg("text", { x: 8, y: y(0) + 4 }, root).textContent = "target";
    }
    for (let r = 0; r <= rounds; r++) {
      svg("text", { x: x(r) - 4, y: H - bottom + 16 }, root).textContent = String(r);
    }
    svg("line", { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: "axis" }, root);
    svg("line", { x1: left, x2: left, y1: top, y2: H - bottom, class: "axis" }, root);
    svg("text", { x: (W - left) / 2, y: H - 10 }, root).textContent = "round";
    const ylab = svg("text", { x: 14, y: top - 8 }, root);
    ylab.textContent = "XOR distance to the target (lower is closer)";
    // the closest distance known so far, round by round, among the nodes that answered: the lookup converging
    const answered = (c) => !c.outcome || c.outcome === "replied";
    let bestSoFar = Infinity;
    const best = steps.filter((s) => s.contacts.some(answered)).map((s) => {
      bestSoFar = Math.min(bestSoFar, ...s.contacts.filter(answered).map((c) => c.log2Distance));
      return [x(s.round), y(bestSoFar)];
    });
    svg("polyline", { points: best.map((p) => p.join(",")).join(" "), class: "best" }, root);
    const closest = new Set((l.closest || []).map((c) => c.id));
    // where each queried node is drawn, then a thin line from the node that told us of a contact to the contact
    const at = new Map();
    const place = (s, c, j) => [x(s.round) + ((j % 7) - 3) * 4, y(c.log2Distance)];
    steps.forEach((s) => s.contacts.forEach((c, j) => { if (c.outcome) at.set(c.id, place(s, c, j)); }));
    let edges = 0;
    steps.forEach((s) => s.contacts.forEach((c, j) => {
      const from = c.learnedFrom && at.get(c.learnedFrom.id);
      if (!from) return;
      const [cx, cy] = place(s, c, j);
      const line = svg("line", { x1: from[0], y1: from[1], x2: cx, y2: cy, class: "learned" }, root);
      svg("title", {}, line).textContent = c.learnedFrom.id + " told us of " + c.id;
      edges++;
    }));
    let points = 0;
    steps.forEach((s) => {
      s.contacts.forEach((c, j) => {
        const cls = s.round === 0 && !c.outcome ? "start"
          : !c.outcome || c.outcome === "replied" ? "answered" : c.outcome.replace("_", "-");
        const [cx, cy] = place(s, c, j);
        if (c.outcome && closest.has(c.id)) svg("circle", { cx: cx, cy: cy, r: 8, class: "result-ring" }, root);
        const dot = svg("circle", { cx: cx, cy: cy, r: 5, class: "contact-point " + cls }, root);
        svg("title", {}, dot).textContent = c.id + " " + c.address + " distance 2^" + c.log2Distance +
          (c.outcome ? " · " + c.outcome + (c.rttMillis !== null && c.rttMillis !== undefined ? " in " + c.rttMillis + " ms" : "") : "") +
          (c.learnedFrom ? " · learned from " + c.learnedFrom.id : c.outcome ? " · from our routing table" : "");
        points++;
      });
    });
    const legend = svg("text", { x: left + 40, y: top + 14 }, root);
    legend.textContent = l.perRoundRecorded
      ? "purple: start set · green: replied (ringed: in the result) · red: timed out · orange: failed · thick: closest so far · thin: learned from"
      : "purple: start set · green: the result";
    root.dataset.lookupId = l.id;
    root.dataset.points = points;
    root.dataset.edges = edges;
    text("lookup-summary", "#" + l.id + " " + l.kind + " of " + l.target + " by node " + l.node + ": " + l.rounds +
      " rounds, " + l.messagesSent + " queries, " + l.responses + " replies, " + l.timeouts + " timeouts, " +
      l.durationMillis + " ms");
    text("lookup-note", l.perRoundRecorded ? "Each round: the nodes asked (learned from the previous round's replies; hover a dot to see who told us of it), at their XOR distance to the target." : "Note: " + l.note + ".");
  }

  function wireLookupForm() {
    $("lookup-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const button = $("lookup-run");
      button.disabled = true;
      try {
        const target = $("lookup-target").value.trim();
        const l = await api("/api/lookups", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(target ? { target: target } : {}),
        });
        state.lookupPinned = false;
        drawLookup(l);
        state.lookupId = l.id;
        await refreshLookups();
        setStatus(true, "lookup #" + l.id + " done");
      } catch (e) {
        setStatus(false, e.message);
      } finally {
        button.disabled = false;
      }
    });
    $("lookup-select").addEventListener("change", (ev) => {
      state.lookupPinned = true;
      showLookup(Number(ev.target.value)).catch((e) => setStatus(false, e.message));
    });
  }

  // ---------------------------------------------------------------- polling

  function every(ms, fn) {
    const run = () => fn().then(() => setStatus(true, "live"), (e) => setStatus(false, e.message))
      .finally(() => setTimeout(run, ms));
    run();
  }

  function refreshAll() {
    return Promise.all([refreshNode(), refreshRouting(), refreshItems(), refreshLookups()])
      .catch((e) => setStatus(false, e.message));
  }

  document.addEventListener("DOMContentLoaded", () => {
    wireLookupForm();
    every(2000, refreshNode);
    every(1000, refreshRates);
    every(3000, refreshRouting);
    every(5000, refreshItems);
    every(3000, refreshLookups);
  });
})();
