  // report.html's replay part (inserted into report_template.js by report_html.cc):
  // what `pxelab replay` adds to a report - the verdict on the answers, the decisive
  // difference first, every answer that differs where it must not, the checks failing
  // on one side only. Both sides' checks, ladders and findings are then drawn by the
  // template as two segments. Schema: conformance/replay/replay_report.h.

  // One side of a replay as a segment of the page: its frame numbers are those of the
  // file pxelab replay wrote for it (field.pcap: the capture as read; replay.pcap).
  function replaySide(rep, name) {
    rep.segment = name;
    rep.pcap = rep.pcap || name + ".pcap";
    return rep;
  }
  var MAX_DIFF_ROWS = 500;
  function decisiveText(d) {
    return "DECISIVE " + d.field + ": field " + d.field_value + " / replay " + d.new_value;
  }
  function drawReplaySummary() {
    var head = document.getElementById("summary"), forbidden = REPLAY.requests_with_forbidden_differences;
    var v = forbidden > 0 ? "fail" : "pass", requests = 0;
    REPLAY.clients.forEach(function (c) { requests += c.requests.length; });
    document.getElementById("title").textContent = "pxelab replay " + REPLAY.capture + " against " + REPLAY.server;
    document.title = document.getElementById("title").textContent;
    add(head, add(el("p"), el("span", { "class": "verdict " + v, id: "verdict", "data-verdict": v }, v.toUpperCase()),
        document.createTextNode(" judged on the answers: " + forbidden + " of " + requests +
                                " requests answered differently where they must not (" + REPLAY.timing + " timing)")));
    head.appendChild(el("p", { "class": "muted" }, REPLAY.clients.length + " clients · " +
        REPLAY.simulated_seconds.toFixed(2) + " s simulated · tool " + REPLAY.tool +
        " · field frames are packet numbers of field.pcap, replay frames of replay.pcap"));
    if (REPLAY.read_error) head.appendChild(el("p", { "class": "note" }, "The capture is cut or corrupt " + REPLAY.read_error));
    var d = REPLAY.decisive;
    if (d) {
      head.appendChild(add(el("div", { "class": "finding", id: "decisive", "data-field": d.field,
                                       "data-frame": d.request_field_frame }),
          el("strong", {}, decisiveText(d)), el("br"),
          el("span", { "class": "muted" }, "client " + d.client + " · " + d.request + " · field frame " +
                                           d.request_field_frame + " · " + d.why)));
    } else {
      head.appendChild(el("p", { "class": "pass", id: "decisive" }, "No forbidden difference: every answer matches where it must."));
    }
    var replaySideReport = reports[1];
    head.appendChild(add(el("div", { "class": "cards" }),
        checksCard([R], "checks-card-field", "Checks on the field capture"),
        checksCard([replaySideReport], "checks-card-replay", "Checks on the replay"),
        serversCard(), replayClientsCard()));
    head.appendChild(el("p", { "class": "note", id: "judged-note", "data-kind": "replay" },
        "What is judged: the new server's answers against the field server's - an answer at all, its type, " +
        "addressing and the options that decide a boot must match; addresses, lease times and TFTP ids may differ. " +
        "What is reported: the check catalogue on both sides (field and replay), which does not change the verdict."));
  }
  // The replayed clients, each with the identities it took in the field (fingerprinted
  // from its DISCOVERs): the sides' reports carry no per-client facts.
  function replayClientsCard() {
    var rows = REPLAY.clients.map(function (c) {
      return [c.mac, c.identities.map(function (i) { return i.fingerprint; }).join(" then ") || "no DISCOVER",
              c.requests.length, c.arp_frames];
    });
    return add(el("div", { "class": "card", id: "replay-clients-card" }), el("strong", {}, "Replayed clients"),
               table(["MAC", "fingerprints (identities in order)", "requests", "ARP frames"], rows));
  }
  // In place of the ladders, which a replay's report.json does not carry.
  function drawReplayClients() {
    var s = document.getElementById("clients-section");
    s.appendChild(el("h2", {}, "Clients"));
    s.appendChild(el("p", { "class": "muted", id: "replay-no-ladders" },
        "A replay's report.json has no per-client ladders; pxelab check --out DIR field.pcap (or replay.pcap, in this " +
        "directory) draws them, with the same frame numbers."));
  }
  // The answers that differ where they must not, the decisive one first.
  function drawReplayDiff() {
    var s = document.getElementById("replay-section"), rows = [], d = REPLAY.decisive;
    s.appendChild(el("h2", {}, "Answers that differ where they must not"));
    REPLAY.clients.forEach(function (c) {
      c.requests.forEach(function (q) {
        q.answers.forEach(function (a) {
          a.differences.forEach(function (x) {
            if (x.rule !== "must match") return;
            var first = d && c.mac === d.client && q.request === d.request && q.field_frame === d.request_field_frame &&
                        x.field === d.field;
            rows.push({ first: first, cells: [c.mac, q.request, q.field_frame, q.replay_frame === null ? "-" : q.replay_frame,
                                              a.answer + " (" + (a.field_frame || "-") + " / " + (a.replay_frame || "-") + ")",
                                              x.field, x.field_value, x.new_value, x.why] });
          });
        });
      });
    });
    rows.sort(function (a, b) { return (b.first ? 1 : 0) - (a.first ? 1 : 0); });  // stable: capture order otherwise
    var more = Math.max(0, rows.length - MAX_DIFF_ROWS);  // a storm's diff: the first rows, the rest counted
    rows = rows.slice(0, MAX_DIFF_ROWS);
    if (rows.length) {
      var t = table(["client", "request", "field frame", "replay frame", "answer (field / replay frame)", "difference",
                     "field", "replay", "why"], rows.map(function (r) { return r.cells; }));
      t.id = "replay-diffs";
      Array.prototype.forEach.call(t.querySelectorAll("tr"), function (tr, i) {
        if (i === 0) return;
        tr.setAttribute("data-field", rows[i - 1].cells[5]);
        if (rows[i - 1].first) tr.setAttribute("data-decisive", "1");
      });
      s.appendChild(t);
      if (more) s.appendChild(el("p", { "class": "muted", id: "replay-diffs-more" }, more + " more differences in report.json"));
    } else {
      s.appendChild(el("p", { "class": "pass" }, "None."));
    }
    [["field", REPLAY.checks_failing_only_in_field], ["replay", REPLAY.checks_failing_only_in_replay]].forEach(function (p) {
      s.appendChild(el("p", { id: "failing-only-" + p[0], "data-checks": p[1].join(",") },
                       "Checks failing only on the " + p[0] + " side: " + (p[1].length ? p[1].join(", ") : "none")));
    });
  }
