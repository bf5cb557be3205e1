// report.html's script: draws the summary, the ladders, the storm timeline and the
// findings from the embedded report.json (conformance/REPORT.md). Plain ES2017, no
// libraries, nothing fetched. Elements carry data-* attributes that the browser test
// (ci/e2e/test_report_html.py) reads.
(function () {
  var DOC = JSON.parse(document.getElementById("pxelab-report").textContent);
  // pxelab replay's report.json (schema pxelab-replay/1) holds the diff and each side's
  // report: the page draws the diff first (report_replay.js), then both sides as two
  // segments, "field" (frames of field.pcap) and "replay" (frames of replay.pcap).
  var REPLAY = DOC.schema === "pxelab-replay/1" ? DOC : null;
  var R = REPLAY ? replaySide(REPLAY.field, "field") : DOC;
  var SVG = "http://www.w3.org/2000/svg";
  // Ladder times are shown from the first frame (a capture's clock is since 1970).
  function t0Of(rep) { return rep.run.kind === "capture" ? rep.run.first_frame_time_s || 0 : 0; }
  var FIRST_CLIENTS = 40;  // ladders drawn at once; the search box finds the rest

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function add(parent) { for (var i = 1; i < arguments.length; i++) parent.appendChild(arguments[i]); return parent; }
  function secs(s) {
    if (s === null || s === undefined) return "-";
    if (Math.abs(s) >= 1) return s.toFixed(3) + " s";
    return (s * 1000).toFixed(1) + " ms";
  }
  function bytes(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MiB";
    if (n >= 1024) return (n / 1024).toFixed(1) + " KiB";
    return n + " B";
  }
  function rate(bps) { return bytes(Math.round(bps)) + "/s"; }
  function table(head, rows) {
    var t = el("table"), tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", {}, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) {
        if (c instanceof Node) row.appendChild(add(el("td"), c));
        else row.appendChild(el("td", typeof c === "number" ? { "class": "num" } : {}, String(c)));
      });
      t.appendChild(row);
    });
    return t;
  }

  // ---- every segment's report, and the findings by frame (1-based) ----
  var reports = REPLAY ? [R, replaySide(REPLAY.replay, "replay")] : [R].concat(R.segments || []);
  var checkById = {};
  reports.forEach(function (rep) { (rep.checks || []).forEach(function (c) { checkById[c.id] = c; }); });

  function findingsByFrame(rep) {
    var m = {};
    (rep.findings || []).forEach(function (f, i) {
      f._id = "finding-" + (rep.segment || "") + "-" + i;
      f.frames.forEach(function (n) { (m[n] = m[n] || []).push(f); });
    });
    return m;
  }

  // ---- summary ----
  function verdictOf(rep) {
    if (R.result) return R.result;  // a scenario: its expectations decide
    return rep.summary.must_failures > 0 ? "fail" : "pass";
  }
  function drawSummary() {
    if (REPLAY) return drawReplaySummary();
    var run = R.run, head = document.getElementById("summary"), v = verdictOf(R);
    document.getElementById("title").textContent =
        "pxelab " + (run.kind === "scenario" ? "run " + run.scenario : "check " + run.source);
    document.title = document.getElementById("title").textContent;
    var line = el("p");
    add(line, el("span", { "class": "verdict " + v, id: "verdict", "data-verdict": v }, v.toUpperCase()),
        document.createTextNode(" " + (run.kind === "scenario"
            ? "judged on the scenario's expectations (" + (R.expectations || []).filter(function (e) { return e.met; }).length +
              " of " + (R.expectations || []).length + " met); seed " + run.seed
            : "judged on the MUST-level checks: " + R.summary.must_failures + " failing")));
    head.appendChild(line);
    var info = el("p", { "class": "muted" }, run.frames + " frames · " + (R.clients || []).length + " clients · " +
        (run.kind === "scenario" && R.scenario_run ? R.scenario_run.simulated_seconds.toFixed(1) + " s simulated · " : "") +
        "tool " + run.tool + (R.pcap ? " · frame numbers are packet numbers of " + R.pcap : ""));
    head.appendChild(info);
    if (run.read_error) head.appendChild(el("p", { "class": "note" }, "The capture is cut or corrupt " + run.read_error));
    var cards = el("div", { "class": "cards" });
    cards.appendChild(checksCard());
    cards.appendChild(serversCard());
    cards.appendChild(fingerprintsCard());
    head.appendChild(cards);
    head.appendChild(el("p", { "class": "note", id: "judged-note", "data-kind": run.kind },
        run.kind === "scenario"
            ? "What is judged: the scenario's expectations (the server under test, the clients' outcomes). " +
              "What is reported: every check's verdict, including those about the clients (role client) - a failing client " +
              "check describes the firmware's behaviour and does not fail the run unless an expectation asks for it."
            : "What is judged: every MUST-level check, about the servers' replies and the clients' requests alike (any " +
              "failing one fails the verdict and makes pxelab check exit 1). The role column of the failing checks says " +
              "whose behaviour each one is about."));
  }
  function checksCard(list, id, title) {
    var levels = ["MUST", "SHOULD", "INTEROP"], rows = [];
    levels.forEach(function (lv) {
      var c = { pass: 0, fail: 0, na: 0 };
      (list || reports).forEach(function (rep) {
        (rep.checks || []).forEach(function (k) {
          if (k.level !== lv) return;
          c[k.verdict === "pass" ? "pass" : k.verdict === "fail" ? "fail" : "na"]++;
        });
      });
      rows.push([lv, c.pass, c.fail, c.na]);
    });
    var card = add(el("div", { "class": "card", id: id || "checks-card" }), el("strong", {}, title || "Checks"),
                   table(["level", "pass", "fail", "n.a."], rows));
    return card;
  }
  function serversCard() {
    var rows = [];
    reports.forEach(function (rep) {
      (rep.servers || []).forEach(function (s) {
        rows.push([s.ip, s.mac, s.roles.join(", "), (rep.segment && reports.length > 1 ? rep.segment : "")]);
      });
    });
    return add(el("div", { "class": "card", id: "servers-card" }), el("strong", {}, "Servers, proxies, relays"),
               rows.length ? table(["address", "MAC", "roles", "segment"], rows) : el("p", { "class": "muted" }, "none seen"));
  }
  function fingerprintsCard(list) {
    var n = {};
    (list || reports).forEach(function (rep) {
      (rep.clients || []).forEach(function (c) {
        (identitiesOf(c)).forEach(function (id) { if (id.fingerprint) n[id.fingerprint.id] = (n[id.fingerprint.id] || 0) + 1; });
      });
    });
    var rows = Object.keys(n).sort().map(function (k) { return [k, n[k]]; });
    return add(el("div", { "class": "card", id: "fingerprints-card" }), el("strong", {}, "Fingerprints"),
               rows.length ? table(["nearest firmware", "clients"], rows) : el("p", { "class": "muted" }, "no DISCOVER seen"));
  }
  function identitiesOf(c) {
    if (c.wire && c.wire.identities && c.wire.identities.length) return c.wire.identities;
    return c.wire && c.wire.fingerprint ? [{ fingerprint: c.wire.fingerprint }] : [];
  }

  // ---- expectations and checks ----
  function drawExpectations() {
    if (!R.expectations) return;
    var s = document.getElementById("expectations-section");
    s.appendChild(el("h2", {}, "Expectations (what decides the run)"));
    s.appendChild(table(["", "expectation", "detail"], R.expectations.map(function (e) {
      return [e.met ? "met" : "NOT MET", e.what, e.detail];
    })));
    Array.prototype.forEach.call(s.querySelectorAll("tr"), function (tr, i) {
      if (i > 0) tr.firstChild.className = R.expectations[i - 1].met ? "pass" : "fail";
    });
  }
  function drawChecks() {
    var s = document.getElementById("checks-section");
    s.appendChild(el("h2", {}, "Failing checks"));
    var rows = [];
    reports.forEach(function (rep) {
      (rep.checks || []).forEach(function (c) {
        if (c.verdict === "fail") rows.push((REPLAY ? [rep.segment] : []).concat([c.id, c.level, c.role, c.findings, c.citation, c.title]));
      });
    });
    s.appendChild(rows.length ? table((REPLAY ? ["side"] : []).concat(["check", "level", "role", "findings", "citation", "title"]), rows)
                              : el("p", { "class": "pass" }, "No check failed."));
  }

  // ---- findings ----
  function findingText(f) {
    return f.check + " (" + f.level + "): " + f.message;
  }
  function drawFindings() {
    var s = document.getElementById("findings-section");
    s.appendChild(el("h2", {}, "Findings"));
    var n = 0;
    reports.forEach(function (rep) {
      (rep.findings || []).forEach(function (f) {
        n++;
        var c = checkById[f.check] || {};
        var d = el("div", { "class": "finding " + f.level, id: f._id, "data-check": f.check, "data-frames": f.frames.join(",") });
        add(d, el("strong", {}, f.check + " [" + f.level + (c.role ? ", " + c.role : "") + "]"),
            document.createTextNode(" " + f.message), el("br"),
            el("span", { "class": "muted" }, (c.citation ? c.citation + " · " : "") +
               (f.client ? f.client + " · " : "") + (f.transaction ? f.transaction + " · " : "") +
               (f.sender ? "sent by " + f.sender.ip + " (" + f.sender.mac + ") · " : "") +
               (f.frames.length ? "frames " + f.frames.join(", ") : "no frame") +
               (rep.pcap ? " of " + rep.pcap : "")));
        s.appendChild(d);
      });
    });
    if (!n) s.appendChild(el("p", { "class": "pass" }, "No findings."));
  }
  function showFindings(list) {
    var body = document.getElementById("finding-body");
    body.textContent = "";
    list.forEach(function (f) {
      var c = checkById[f.check] || {};
      add(body, el("p", { "class": "panel-finding", "data-check": f.check, "data-citation": c.citation || "",
                          "data-frames": f.frames.join(",") }, ""));
      var p = body.lastChild;
      add(p, el("strong", {}, f.check + " [" + f.level + "]"), document.createTextNode(" " + f.message), el("br"),
          el("span", { "class": "muted" }, (c.citation || "") + " · frames " + f.frames.join(", ")), el("br"),
          el("a", { href: "#" + f._id }, "in the list of findings"));
    });
    document.getElementById("finding-panel").className = "open";
  }

  // ---- ladders ----
  function groupOf(c) {
    if (c.outcome) return c.outcome.personality;
    var ids = identitiesOf(c);
    return ids.length ? ids[0].fingerprint.id : "unknown";
  }
  function nameOf(c) { return c.outcome ? c.outcome.name + " (" + c.mac + ")" : c.mac; }

  function ladderColumns(steps) {
    var cols = ["client"], broadcast = false;
    steps.forEach(function (s) {
      if (s.peer === "") broadcast = true;
      else if (cols.indexOf(s.peer) < 0) cols.push(s.peer);
    });
    if (broadcast) cols.push("broadcast");
    return cols;
  }
  function stepFindings(s, byFrame) {
    var out = [], last = s.last_frame || s.frame;
    for (var n = s.frame; n <= last; n++) (byFrame[n] || []).forEach(function (f) { if (out.indexOf(f) < 0) out.push(f); });
    return out;
  }
  // Rows of a ladder: each step, and before the first DISCOVER of a later identity of
  // the machine (a chainloaded loader) a row that says so.
  function ladderRows(c) {
    var starts = {}, rows = [];
    identitiesOf(c).forEach(function (id, i) { if (i > 0 && id.first_frame) starts[id.first_frame] = id; });
    c.ladder.steps.forEach(function (s) {
      if (starts[s.frame]) rows.push({ identity: starts[s.frame] });
      rows.push({ step: s });
    });
    return rows;
  }
  function drawLadder(c, byFrame, t0) {
    var steps = c.ladder.steps, rows = ladderRows(c), cols = ladderColumns(steps), colW = 240, left = 100, rowH = 24, top = 44;
    var width = left + colW * (cols.length - 1) + 420, height = top + rowH * rows.length + 20;
    var root = svg("svg", { "class": "ladder", width: width, height: height, viewBox: "0 0 " + width + " " + height,
                            "data-client": c.mac, "data-steps": steps.length });
    var x = function (name) { return left + colW * cols.indexOf(name); };
    cols.forEach(function (name) {
      var label = name === "client" ? c.mac : name;
      add(root, svg("text", { x: x(name), y: 16, "text-anchor": "middle", "class": "col-head" }, name === "client" ? "client" : label),
          svg("text", { x: x(name), y: 30, "text-anchor": "middle", "class": "muted" }, name === "client" ? c.mac : roleOf(name)),
          svg("line", { x1: x(name), y1: 36, x2: x(name), y2: height - 8, "class": "life" }));
    });
    rows.forEach(function (row, i) {
      var y = top + rowH * i + 12;
      if (row.identity) {
        var id = row.identity;
        add(root, svg("g", { "class": "chainload", "data-identity": id.fingerprint.id, "data-frame": id.first_frame },
            svg("line", { x1: 4, y1: y, x2: width - 4, y2: y, "class": "axis", "stroke-dasharray": "2 2" })),
            svg("text", { x: left, y: y - 3, "class": "col-head" }, "chainloaded: now " + id.fingerprint.id +
                " (after " + id.chainloaded_from + "), from frame " + id.first_frame));
        return;
      }
      var s = row.step, found = stepFindings(s, byFrame);
      var peer = s.peer === "" ? "broadcast" : s.peer;
      var x1 = s.from_client ? x("client") : x(peer), x2 = s.from_client ? x(peer) : x("client");
      var kind = s.kind === "4011" ? "pxe4011" : s.kind;
      var g = svg("g", { "class": (s.kind === "transfer" ? "fold" : "step " + kind) + (s.peer === "" ? " broadcast" : "") +
                                   (found.length ? " has-finding" : ""),
                         "data-frame": s.frame, "data-what": s.what, "data-kind": s.kind,
                         "data-findings": found.map(function (f) { return f.check; }).join(",") });
      add(g, svg("text", { x: 4, y: y + 4 }, "+" + (s.t - t0).toFixed(3)), svg("title", {}, s.src + " -> " + s.dst + "  frame " + s.frame +
          (s.last_frame ? "-" + s.last_frame : "") + (s.detail ? "\n" + s.detail : "")));
      if (s.kind === "transfer") drawFold(g, s, Math.min(x1, x2), Math.abs(x2 - x1), y);
      else drawArrow(g, s, x1, x2, y);
      if (found.length) {
        add(g, svg("text", { x: Math.max(x1, x2) + 8, y: y + 4, "class": "mark" },
                   "\u26a0 " + found.map(function (f) { return f.check; }).join(" ")));
        g.addEventListener("click", function () { showFindings(found); });
      }
      root.appendChild(g);
    });
    return root;
  }
  function short(text) { return text.length > 34 ? text.slice(0, 33) + "\u2026" : text; }
  function drawArrow(g, s, x1, x2, y) {
    var dir = x2 > x1 ? 1 : -1;
    add(g, svg("line", { x1: x1, y1: y, x2: x2 - dir * 2, y2: y }),
        svg("path", { d: "M" + x2 + " " + y + " l" + (-dir * 8) + " -4 l0 8 z", fill: "currentColor" }),
        svg("text", { x: (x1 + x2) / 2, y: y - 4, "text-anchor": "middle" },
            short(s.what) + (s.kind === "4011" ? " " + s.src.split(":")[1] + "\u2192" + s.dst.split(":")[1] : "") + "  #" + s.frame));
  }
  function drawFold(g, s, x0, w, y) {
    add(g, svg("rect", { x: x0, y: y - 9, width: Math.max(w, 40), height: 16, rx: 3 }),
        svg("text", { x: x0 + 6, y: y + 3 },
            s.file + ": " + bytes(s.bytes) + ", " + s.blocks + " blocks, " + rate(s.bytes_per_second) + ", " +
            s.retransmissions + " retr., " + s.end + "  #" + s.frame + "-" + s.last_frame));
  }
  var roles = {};
  function roleOf(ip) { return roles[ip] || ""; }

  function clientCard(c, byFrame, open, t0) {
    var d = el("details", { "class": "client", "data-mac": c.mac, "data-search": (nameOf(c) + " " + groupOf(c)).toLowerCase() });
    if (open) d.open = true;
    var sum = el("summary");
    var o = c.outcome, w = c.wire;
    add(sum, el("h3", {}, nameOf(c)), el("span", { "class": "badge" }, groupOf(c)));
    if (o) add(sum, el("span", { "class": "badge" + (o.status === "failed" ? " fail" : "") }, o.status + (o.code ? " " + o.code : "")));
    var n = c.ladder ? c.ladder.steps.filter(function (s) { return stepFindings(s, byFrame).length; }).length : 0;
    if (n) add(sum, el("span", { "class": "badge fail" }, n + " steps with findings"));
    if (c.wire && c.wire.nothing_to_boot) add(sum, el("span", { "class": "badge fail", "data-nothing-to-boot": "1" }, "nothing to boot"));
    if (identitiesOf(c).length > 1) add(sum, el("span", { "class": "badge" }, "chainloaded: " +
        identitiesOf(c).map(function (i) { return i.fingerprint.id; }).join(" \u2192 ")));
    d.appendChild(sum);
    var facts = [];
    if (o && o.text) facts.push("outcome: " + o.text);
    identitiesOf(c).forEach(function (id, i) {
      var fp = id.fingerprint;
      facts.push((i ? "then, chainloaded, as " : "fingerprint: ") + fp.id + " (distance " + fp.distance.toFixed(1) + ")" +
                 (id.first_frame ? " from frame " + id.first_frame : "") + (fp.matched ? "; matched " + fp.matched : ""));
    });
    if (w) {
      facts.push("address " + (w.address || "-") + " from " + (w.dhcp_server || "-") + (w.proxy_server ? ", proxy " + w.proxy_server : "") +
                 "; DORA " + secs(w.dora_s) + "; boot file " + (w.boot_file || "-"));
      (w.tftp || []).forEach(function (t) {
        facts.push("TFTP " + t.file + " from " + t.server + ": " + bytes(t.bytes) + " in " + secs(t.seconds) + ", " +
                   rate(t.bytes_per_second) + ", blksize " + t.blksize + ", " + t.retransmissions + " retransmissions, " + t.end);
      });
      if (w.port4011_request) facts.push("port 4011: request " + w.port4011_request + (w.port4011_reply ? ", reply " + w.port4011_reply : ", no reply"));
      (w.nothing_to_boot ? [w.nothing_to_boot] : []).forEach(function (t) { facts.push(t); });
    }
    facts.forEach(function (f) { d.appendChild(el("div", { "class": "mono" }, f)); });
    var draw = function () {
      if (d.getAttribute("data-drawn")) return;
      d.setAttribute("data-drawn", "1");
      if (c.ladder && c.ladder.steps.length) {
        d.appendChild(drawLadder(c, byFrame, t0));
        if (c.ladder.cut) d.appendChild(el("p", { "class": "muted" }, c.ladder.cut + " more steps in report.json's frames"));
      } else {
        d.appendChild(el("p", { "class": "muted" }, "nothing on the wire"));
      }
    };
    if (open) draw();
    d.addEventListener("toggle", function () { if (d.open) draw(); });
    return d;
  }

  function drawClients() {
    if (REPLAY) return drawReplayClients();
    var s = document.getElementById("clients-section");
    s.appendChild(el("h2", {}, "Clients"));
    var search = el("input", { type: "search", id: "client-search", placeholder: "search clients: MAC, name, personality" });
    s.appendChild(search);
    var shown = 0, all = [];
    reports.forEach(function (rep) {
      var byFrame = findingsByFrame(rep);
      (rep.servers || []).forEach(function (p) { roles[p.ip] = p.roles.join("+"); });
      var groups = {};
      (rep.clients || []).forEach(function (c) { (groups[groupOf(c)] = groups[groupOf(c)] || []).push(c); });
      Object.keys(groups).sort().forEach(function (g) {
        var box = el("div", { "class": "group", "data-group": g });
        box.appendChild(el("h3", {}, g + " (" + groups[g].length + ")" + (rep.segment && reports.length > 1 ? " on " + rep.segment : "")));
        groups[g].forEach(function (c) {
          var card = clientCard(c, byFrame, shown < FIRST_CLIENTS, t0Of(rep));
          if (shown >= FIRST_CLIENTS) card.hidden = true;
          shown++;
          all.push(card);
          box.appendChild(card);
        });
        s.appendChild(box);
      });
    });
    if (shown > FIRST_CLIENTS) s.appendChild(el("p", { "class": "muted", id: "clients-more" },
        (shown - FIRST_CLIENTS) + " more clients: use the search box"));
    var filter = function () {
      var q = search.value.trim().toLowerCase();
      all.forEach(function (card, i) {
        card.hidden = q ? card.getAttribute("data-search").indexOf(q) < 0 : i >= FIRST_CLIENTS;
        if (q && !card.hidden) card.open = true;  // draws its ladder (toggle event)
      });
    };
    search.addEventListener("input", filter);
    // report.html#q=TEXT opens with TEXT in the search box (links to one client).
    if (location.hash.indexOf("#q=") === 0) {
      search.value = decodeURIComponent(location.hash.slice(3));
      filter();
    }
  }

  // ---- storm timeline and boot-time histogram ----
  // Per client: when it started (power-on or first DISCOVER), when DHCP ended (ACK),
  // when TFTP ran, when it finished booting (outcome done, or the last TFTP transfer's
  // end on a capture).
  function bootTimes() {
    var out = [];
    reports.forEach(function (rep) {
      (rep.clients || []).forEach(function (c) {
        var o = c.outcome, w = c.wire || {}, tl = o ? o.timeline : {};
        var start = tl.power_on_s !== undefined && tl.power_on_s !== null ? tl.power_on_s : w.first_discover_s;
        var ack = tl.ack_s !== undefined && tl.ack_s !== null ? tl.ack_s : w.ack_s;
        var done = o && (o.status === "booted" || o.status === "local-boot") ? tl.done_s : null;
        if (!o && c.ladder) {  // a capture: the end of the last complete transfer
          c.ladder.steps.forEach(function (s) { if (s.kind === "transfer" && s.end === "complete") done = s.t_end; });
        }
        out.push({ start: start, ack: ack, tftp_start: tl.tftp_start_s, tftp_end: tl.tftp_end_s, done: done });
      });
    });
    return out;
  }
  function drawStorm() {
    if (REPLAY) return;  // the two sides run on different clocks: no common timeline
    var times = bootTimes().filter(function (t) { return t.start !== null && t.start !== undefined; });
    if (times.length < 2) return;
    var s = document.getElementById("storm-section");
    s.appendChild(el("h2", {}, "Storm timeline"));
    var t0 = Math.min.apply(null, times.map(function (t) { return t.start; }));
    var ends = times.map(function (t) { return t.done || t.ack || t.start; });
    var t1 = Math.max.apply(null, ends.concat(R.traffic ? [R.traffic.start_s + R.traffic.bin_s * R.traffic.server_bytes.length] : []));
    if (!(t1 > t0)) t1 = t0 + 1;
    var W = 900, H = 220, L = 50, B = 30, T = 10, plotW = W - L - 60, plotH = H - B - T;
    var X = function (t) { return L + plotW * (t - t0) / (t1 - t0); };
    var root = svg("svg", { id: "storm", width: W, height: H, viewBox: "0 0 " + W + " " + H });
    phases(root, times, t0, t1, X, T, plotH);
    var booted = times.map(function (t) { return t.done; }).filter(function (d) { return d !== null && d !== undefined; }).sort(function (a, b) { return a - b; });
    var d = "M" + X(t0) + " " + (T + plotH);
    booted.forEach(function (b, i) { d += " L" + X(b) + " " + (T + plotH - plotH * (i + 1) / times.length); });
    add(root, svg("path", { "class": "cum", d: d, id: "storm-booted", "data-booted": booted.length, "data-clients": times.length }));
    if (R.traffic) drawThroughput(root, X, T, plotH);
    add(root, svg("line", { x1: L, y1: T + plotH, x2: L + plotW, y2: T + plotH, "class": "axis" }),
        svg("line", { x1: L, y1: T, x2: L, y2: T + plotH, "class": "axis" }),
        svg("text", { x: L, y: H - 8 }, (t0 - t0).toFixed(1) + " s"),
        svg("text", { x: L + plotW, y: H - 8, "text-anchor": "end" }, "+" + (t1 - t0).toFixed(2) + " s"),
        svg("text", { x: L - 4, y: T + 10, "text-anchor": "end" }, times.length),
        svg("text", { x: L + 6, y: T + 12 }, "booted (cumulative, green); clients in DHCP (blue) and in TFTP (orange)" +
            (R.traffic ? "; servers' throughput (orange line, peak " + rate(R.traffic.peak_bytes_per_second) + ")" : "")));
    s.appendChild(root);
    drawHistogram(s, times);
  }
  // Clients in their DHCP phase (start to ACK) and TFTP phase (first to last transfer),
  // stacked, per time bin: the bands show where a storm spends its time.
  function phases(root, times, t0, t1, X, T, plotH) {
    var bins = 200, w = (t1 - t0) / bins, dhcp = new Array(bins).fill(0), tftp = new Array(bins).fill(0);
    var mark = function (arr, a, b) {
      if (a === null || a === undefined || b === null || b === undefined) return;
      for (var i = Math.max(0, Math.floor((a - t0) / w)); i < bins && t0 + i * w <= b; i++) arr[i]++;
    };
    times.forEach(function (t) { mark(dhcp, t.start, t.ack); mark(tftp, t.tftp_start, t.tftp_end); });
    var n = times.length, area = function (lower, upper, cls, id) {
      var d = "M" + X(t0) + " " + (T + plotH - plotH * lower[0] / n);
      for (var i = 0; i < bins; i++) d += " L" + X(t0 + (i + 1) * w) + " " + (T + plotH - plotH * upper[i] / n);
      for (var j = bins - 1; j >= 0; j--) d += " L" + X(t0 + j * w) + " " + (T + plotH - plotH * lower[j] / n);
      root.appendChild(svg("path", { "class": cls, d: d + " Z", id: id }));
    };
    var zero = new Array(bins).fill(0), both = dhcp.map(function (v, i) { return v + tftp[i]; });
    area(zero, dhcp, "band-dhcp", "storm-dhcp");
    area(dhcp, both, "band-tftp", "storm-tftp");
  }
  // The servers' octets per bin, and (a scenario's) the bound of the server's link as a
  // dashed line on the same scale: a storm that fills its link shows it touching.
  function drawThroughput(root, X, T, plotH) {
    var tr = R.traffic, bound = tr.link_bytes_per_second ? tr.link_bytes_per_second * tr.bin_s : 0;
    var peak = Math.max.apply(null, tr.server_bytes.concat([1, bound]));
    var d = "";
    tr.server_bytes.forEach(function (n, i) {
      d += (i ? " L" : "M") + X(tr.start_s + tr.bin_s * (i + 0.5)) + " " + (T + plotH - plotH * 0.9 * n / peak);
    });
    root.appendChild(svg("path", { "class": "thr", d: d, id: "storm-throughput" }));
    if (!bound) return;
    var y = T + plotH - plotH * 0.9 * bound / peak, x0 = X(tr.start_s), x1 = X(tr.start_s + tr.bin_s * tr.server_bytes.length);
    add(root, svg("line", { x1: x0, y1: y, x2: x1, y2: y, "class": "bound", id: "storm-link-bound",
                            "data-bytes-per-second": tr.link_bytes_per_second }),
        svg("text", { x: x1 - 4, y: y + 12, "text-anchor": "end", "class": "muted" },
            "server link bound " + rate(tr.link_bytes_per_second) + " (peak used " + rate(tr.peak_bytes_per_second) + ")"));
  }
  function drawHistogram(s, times) {
    var dur = times.filter(function (t) { return t.done !== null && t.done !== undefined; })
                   .map(function (t) { return t.done - t.start; });
    if (!dur.length) return;
    s.appendChild(el("h2", {}, "Boot times"));
    var lo = Math.min.apply(null, dur), hi = Math.max.apply(null, dur), bins = 20;
    var w = (hi - lo) / bins || 1, counts = new Array(bins).fill(0);
    dur.forEach(function (v) { counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++; });
    var W = 900, H = 180, L = 50, B = 30, plotW = W - L - 20, plotH = H - B - 10, peak = Math.max.apply(null, counts);
    var root = svg("svg", { id: "histogram", width: W, height: H, "data-clients": dur.length });
    counts.forEach(function (n, i) {
      var h = plotH * n / peak;
      add(root, svg("rect", { "class": "bar", x: L + plotW * i / bins + 1, y: 10 + plotH - h, width: plotW / bins - 2, height: h },
                    undefined));
      root.lastChild.appendChild(svg("title", {}, n + " clients booted in " + secs(lo + w * i) + " - " + secs(lo + w * (i + 1))));
    });
    dur.sort(function (a, b) { return a - b; });
    var p = function (q) { return dur[Math.min(dur.length - 1, Math.floor(q * dur.length))]; };
    add(root, svg("text", { x: L, y: H - 8 }, secs(lo)), svg("text", { x: L + plotW, y: H - 8, "text-anchor": "end" }, secs(hi)),
        svg("text", { x: L - 4, y: 20, "text-anchor": "end" }, peak),
        svg("text", { x: L + plotW / 2, y: H - 8, "text-anchor": "middle" },
            dur.length + " clients booted: p50 " + secs(p(0.5)) + ", p99 " + secs(p(0.99))));
    s.appendChild(root);
  }

  /*PXELAB_REPLAY_SCRIPT*/

  drawSummary();
  if (REPLAY) drawReplayDiff();
  drawExpectations();
  drawChecks();
  drawStorm();
  drawClients();
  drawFindings();
  document.getElementById("finding-close").addEventListener("click", function () {
    document.getElementById("finding-panel").className = "";
  });
  // report.html#frame=N clicks the finding marker on the ladder step of frame N (a link
  // to one finding; the browser test opens the panel this way, through the same click).
  if (location.hash.indexOf("#frame=") === 0) {
    var marked = document.querySelector('g.has-finding[data-frame="' + parseInt(location.hash.slice(7), 10) + '"]');
    if (marked) marked.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  }
  document.body.setAttribute("data-rendered", "ok");
})();
