// wsnb ApiWidget front end (anywidget ESM, no build step).
// Python owns the model; this file only renders traits and sends {action} messages back.

const SECTIONS = [
  ["routes", "Routes"],
  ["diagram", "Diagram"],
  ["lint", "Lint"],
  ["cloudformation", "CloudFormation"],
  ["local", "Local"],
];
const SOURCE_TITLE = {
  route: "set on the route",
  defaults: "from defaults",
  merged: "route and defaults merged",
  attached: "from attach_permissions / bind",
  builtin: "wsnb default",
};
const MAX_CLIENT_LOG = 200;

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function render({ model, el }) {
  const cleanups = [];
  const on = (names, fn) => {
    for (const name of names.split(" ")) {
      model.on(`change:${name}`, fn);
      cleanups.push(() => model.off(`change:${name}`, fn));
    }
  };
  const send = (action) => model.send({ action });

  const root = h("div", { class: "wsnb-widget", "data-render": "live" });
  el.append(root);

  // ------------------------------------------------------------ header + tabs
  const title = h("div", { class: "wsnb-w-title" });
  const settings = h("ul", { class: "wsnb-w-settings" });
  const banner = h("div", { class: "wsnb-w-error wsnb-w-model-error", role: "alert", hidden: true });
  const tabbar = h("div", { class: "wsnb-w-tabs", role: "tablist" });
  const panels = {};
  const tabs = {};
  for (const [id, label] of SECTIONS) {
    tabs[id] = h(
      "button",
      {
        class: "wsnb-w-tab",
        role: "tab",
        type: "button",
        "data-tab": id,
        onclick: () => {
          model.set("tab", id);
          model.save_changes();
        },
      },
      h("span", { class: "wsnb-w-tab-label", text: label }),
      h("span", { class: "wsnb-w-badge", hidden: true }),
    );
    tabbar.append(tabs[id]);
    panels[id] = h("div", { class: "wsnb-w-panel", role: "tabpanel", "data-section": id });
  }
  root.append(title, settings, banner, tabbar, ...Object.values(panels));

  function showTab() {
    const current = model.get("tab");
    for (const [id] of SECTIONS) {
      const active = id === current;
      tabs[id].classList.toggle("wsnb-w-active", active);
      tabs[id].setAttribute("aria-selected", active ? "true" : "false");
      panels[id].hidden = !active;
    }
  }

  function badge(id, text, level) {
    const b = tabs[id].querySelector(".wsnb-w-badge");
    b.hidden = !text;
    b.textContent = text || "";
    b.dataset.level = level || "";
  }

  function renderHeader() {
    const routes = model.get("routes");
    root.dataset.apiId = model.get("api_id");
    root.dataset.digest = model.get("digest");
    title.replaceChildren(
      h("span", { text: "WebSocketApi " }),
      h("code", { text: model.get("api_id") }),
      h("span", { class: "wsnb-w-muted", text: ` · ${plural(routes.length, "route")}` }),
    );
    const overview = model.get("overview") || {};
    settings.replaceChildren(
      ...Object.entries(overview)
        .filter(([k]) => k !== "id")
        .map(([k, v]) => h("li", {}, `${k}: `, h("b", { text: v }))),
    );
    const error = model.get("error");
    banner.hidden = !error;
    banner.textContent = error || "";
    badge("routes", String(routes.length), "");
  }

  // ------------------------------------------------------------ routes
  const filter = h("input", {
    class: "wsnb-w-filter",
    type: "search",
    placeholder: "Filter routes, targets, integrations, props…",
    "aria-label": "Filter routes",
  });
  const filterCount = h("span", { class: "wsnb-w-muted wsnb-w-filter-count" });
  const routesError = h("div", { class: "wsnb-w-error", hidden: true });
  const routesTable = h("table", { class: "wsnb-w-routes" });
  const legend = h(
    "div",
    { class: "wsnb-w-legend" },
    ...["route", "defaults", "merged", "attached", "builtin"].map((s) =>
      h("span", { class: `wsnb-w-src-${s}`, text: SOURCE_TITLE[s] }),
    ),
  );
  panels.routes.append(
    h("div", { class: "wsnb-w-toolbar" }, filter, filterCount),
    routesError,
    h("div", { class: "wsnb-w-scroll" }, routesTable),
    legend,
  );
  filter.addEventListener("input", applyFilter);

  function select(key) {
    model.set("selected_route", key);
    model.save_changes();
  }

  // a prop's display text, wrapping only between its items ("Table A, Table B"), never inside one
  function items(text) {
    const parts = text.split(", ");
    return parts.flatMap((part, i) => [h("span", { class: "wsnb-w-item", text: part }), i < parts.length - 1 ? ", " : null]);
  }

  function propCell(row, name) {
    const text = row.props[name];
    if (!text) return h("td", { class: "wsnb-w-muted", text: "" });
    const source = row.provenance[name] || "route";
    return h("td", { class: `wsnb-w-prop wsnb-w-src-${source}`, title: SOURCE_TITLE[source] || source, "data-prop": name }, items(text));
  }

  // the cell of one of the columns Python chose (route_columns: those of the static HTML table)
  function columnCell(row, col) {
    if (col.name === "integration") return h("td", { "data-col": "integration", text: row.integration });
    // one short phrase of why api.serve() cannot run it (as the static table), all of it in the title
    if (col.name === "local") return h("td", { "data-col": "local", class: row.local ? "wsnb-w-not-local" : null, title: row.local || null, text: row.local.split(" (")[0] });
    if (col.name === "reply") return h("td", { "data-col": "reply", text: row.return_response ? "↩ body" : "" });
    if (col.name === "auth") return h("td", { "data-col": "auth", text: row.authorization === "NONE" ? "" : row.authorization });
    if (col.name === "other") {
      return h(
        "td",
        { class: "wsnb-w-other", "data-col": "other" },
        ...(col.props || [])
          .filter((n) => row.props[n])
          .map((n) => {
            const source = row.provenance[n] || "route";
            return h("span", { class: `wsnb-w-chip wsnb-w-src-${source}`, title: SOURCE_TITLE[source] || source, "data-prop": n }, `${n}=${row.props[n]}`);
          }),
      );
    }
    return propCell(row, col.name);
  }

  // the second column: a function's handler, or what a route without one goes to (a URL, an AWS
  // service, API Gateway itself for a mock); headed "target" once some route has no function
  function targetHeading(rows) {
    return rows.every((r) => r.handler) ? "handler" : "target";
  }

  function targetCell(row) {
    const text = row.target;
    return h("td", { "data-col": "target" }, row.handler || row.integration !== "MOCK" ? h("code", { text }) : text);
  }

  function renderRoutes() {
    const rows = model.get("routes");
    const columns = model.get("route_columns") || [];
    const err = model.get("routes_error");
    routesError.hidden = !err;
    routesError.textContent = err || "";
    const head = h(
      "tr",
      {},
      h("th", { text: "route" }),
      h("th", { "data-col": "target", text: targetHeading(rows) }),
      ...columns.map((col) => h("th", { "data-col": col.name, text: col.label })),
    );
    const body = rows.map((row) => {
      const tr = h(
        "tr",
        { "data-route": row.key, class: "wsnb-w-route-row", onclick: () => select(row.key) },
        h("td", {}, h("code", { text: row.key })),
        targetCell(row),
        ...columns.map((col) => columnCell(row, col)),
      );
      tr.dataset.search = [row.key, row.target, row.integration, row.local, row.authorization, ...Object.entries(row.props).map(([k, v]) => `${k} ${v}`)]
        .join(" ")
        .toLowerCase();
      return tr;
    });
    const empty = rows.length ? null : h("tr", {}, h("td", { colspan: columns.length + 2, class: "wsnb-w-muted", text: "No routes yet: api.route(\"$default\", \"src/default.main\")" }));
    routesTable.replaceChildren(h("thead", {}, head), h("tbody", {}, ...body, empty));
    applyFilter();
    markSelected();
  }

  function applyFilter() {
    const q = filter.value.trim().toLowerCase();
    const rows = routesTable.querySelectorAll("tr.wsnb-w-route-row");
    let shown = 0;
    for (const tr of rows) {
      const match = !q || tr.dataset.search.includes(q);
      tr.hidden = !match;
      if (match) shown++;
    }
    filterCount.textContent = q ? `${shown} of ${plural(rows.length, "route")}` : "";
  }

  // ------------------------------------------------------------ diagram
  const svgError = h("div", { class: "wsnb-w-error", hidden: true });
  const svgBox = h("div", { class: "wsnb-w-diagram" });
  const chips = h("div", { class: "wsnb-w-route-chips" });
  const detail = h("div", { class: "wsnb-w-detail" });
  panels.diagram.append(
    svgError,
    h("div", { class: "wsnb-w-scroll" }, svgBox),
    h("div", { class: "wsnb-w-muted wsnb-w-hint", text: "Click a route (in the diagram or below) to see its integration and its function's merged props." }),
    chips,
    detail,
  );

  function renderDiagram() {
    const err = model.get("svg_error");
    svgError.hidden = !err;
    svgError.textContent = err || "";
    // the SVG is produced by wsnb's own renderer, which escapes every user string
    svgBox.innerHTML = model.get("svg") || "";
    for (const g of svgBox.querySelectorAll("[data-route]")) {
      g.classList.add("wsnb-w-clickable");
      g.addEventListener("click", () => select(g.getAttribute("data-route")));
    }
    chips.replaceChildren(
      ...model.get("routes").map((r) =>
        h("button", { type: "button", class: "wsnb-w-chip-button", "data-route": r.key, onclick: () => select(r.key) }, r.key),
      ),
    );
    markSelected();
  }

  function markSelected() {
    const key = model.get("selected_route");
    for (const node of root.querySelectorAll("[data-route]")) {
      node.classList.toggle("wsnb-w-selected", node.getAttribute("data-route") === key);
    }
    const row = model.get("routes").find((r) => r.key === key);
    if (!row) {
      detail.replaceChildren();
      detail.hidden = true;
      return;
    }
    detail.hidden = false;
    detail.dataset.route = key;
    const props = Object.entries(row.props).map(([name, text]) => {
      const source = row.provenance[name] || "route";
      return h(
        "tr",
        {},
        h("th", { text: name }),
        h("td", { class: `wsnb-w-src-${source}`, text }),
        h("td", { class: "wsnb-w-muted", text: SOURCE_TITLE[source] || source }),
      );
    });
    // the integration (and, when api.serve() cannot run it, why), then the function's props
    const about = [h("tr", {}, h("th", { text: "integration" }), h("td", { "data-col": "integration", text: row.integration }), h("td", { class: "wsnb-w-muted", text: row.handler ? "" : "no function: API Gateway calls the target itself" }))];
    if (!row.handler) about.push(h("tr", {}, h("th", { text: "target" }), h("td", {}, h("code", { text: row.target })), h("td", {})));
    if (row.local) about.push(h("tr", {}, h("th", { text: "not run locally" }), h("td", { class: "wsnb-w-not-local", "data-col": "local", text: row.local }), h("td", { class: "wsnb-w-muted", text: "api.serve()" })));
    const handler = row.handler ? [h("tr", {}, h("th", { text: "handler" }), h("td", {}, h("code", { text: row.handler })), h("td", { class: "wsnb-w-muted", text: row.handler_kind }))] : [];
    detail.replaceChildren(
      h("div", { class: "wsnb-w-detail-title" }, row.handler ? "Function of route " : "Route ", h("code", { text: key }), " · ", h("code", { text: row.target })),
      h("table", { class: "wsnb-w-props" }, h("tbody", {}, ...about, ...handler, ...props)),
    );
  }

  // ------------------------------------------------------------ lint
  const lintError = h("div", { class: "wsnb-w-error", hidden: true });
  const lintSummary = h("div", { class: "wsnb-w-muted wsnb-w-lint-summary" });
  const lintList = h("ul", { class: "wsnb-w-findings" });
  panels.lint.append(lintError, lintSummary, lintList);

  function renderLint() {
    const items = model.get("findings");
    const err = model.get("lint_error");
    lintError.hidden = !err;
    lintError.textContent = err || "";
    const count = (lvl) => items.filter((f) => f.level === lvl).length;
    const errors = count("error");
    const warnings = count("warning");
    lintSummary.textContent = items.length
      ? `${plural(errors, "error")} · ${plural(warnings, "warning")} · ${count("info")} info`
      : "No findings: nothing here would fail or surprise at deploy.";
    lintList.replaceChildren(
      ...items.map((f) =>
        h(
          "li",
          { class: "wsnb-w-finding", "data-level": f.level, "data-code": f.code },
          h("span", { class: `wsnb-w-level wsnb-w-level-${f.level}`, text: f.level }),
          h("code", { class: "wsnb-w-code", text: f.code }),
          h("span", { class: "wsnb-w-message", text: f.message }),
          f.fix ? h("div", { class: "wsnb-w-fix" }, "fix: ", h("code", { text: f.fix })) : null,
        ),
      ),
    );
    badge("lint", errors || warnings ? String(errors || warnings) : "", errors ? "error" : warnings ? "warning" : "");
  }

  // ------------------------------------------------------------ CloudFormation
  const synthButton = h("button", { type: "button", class: "wsnb-w-button wsnb-w-synth", onclick: () => send("synth") }, "Synthesize");
  const progress = h("span", { class: "wsnb-w-progress", role: "status", hidden: true }, h("span", { class: "wsnb-w-spinner" }), h("span", { class: "wsnb-w-progress-text" }));
  const synthError = h("div", { class: "wsnb-w-error wsnb-w-synth-error", role: "alert", hidden: true });
  const staleTemplate = h("div", { class: "wsnb-w-note wsnb-w-stale", hidden: true, text: "The API changed since this template was synthesized: press Synthesize again." });
  const counts = h("table", { class: "wsnb-w-counts" });
  const copyButton = h("button", { type: "button", class: "wsnb-w-button wsnb-w-copy" }, "Copy");
  const download = h("a", { class: "wsnb-w-button wsnb-w-download", text: "Download" });
  const copyStatus = h("span", { class: "wsnb-w-muted wsnb-w-copy-status" });
  const template = h("pre", { class: "wsnb-w-template", tabindex: "0" });
  const synthTarget = h("div", { class: "wsnb-w-synth-target" });
  const synthWarnings = h("ul", { class: "wsnb-w-synth-warnings" });
  const templateBox = h("div", { class: "wsnb-w-template-box", hidden: true }, synthTarget, synthWarnings, h("div", { class: "wsnb-w-toolbar" }, copyButton, download, copyStatus), counts, template);
  panels.cloudformation.append(
    h("div", { class: "wsnb-w-toolbar" }, synthButton, progress),
    h("div", { class: "wsnb-w-muted wsnb-w-hint", text: "Runs api.synth() (aws-cdk-lib) in the background; the kernel stays usable meanwhile." }),
    synthError,
    staleTemplate,
    templateBox,
  );
  let ticker = null;
  let synthStart = Date.now();
  cleanups.push(() => ticker && clearInterval(ticker));

  function selectTemplate() {
    const range = document.createRange();
    range.selectNodeContents(template);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  copyButton.addEventListener("click", () => {
    const text = model.get("template_json");
    const fallback = () => {
      selectTemplate();
      copyStatus.textContent = "Selected: press Ctrl+C (Cmd+C) to copy.";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => (copyStatus.textContent = "Copied to the clipboard."), fallback);
    } else {
      fallback();
    }
  });

  function renderSynth() {
    const status = model.get("synth_status");
    root.dataset.synthStatus = status;
    const running = status === "running";
    synthButton.disabled = running;
    synthButton.textContent = model.get("template_json") ? "Synthesize again" : "Synthesize";
    progress.hidden = !running;
    const tick = () => {
      // time since this view saw the run start (the kernel's clock may differ from ours)
      const secs = Math.max(0, Math.round((Date.now() - synthStart) / 1000));
      progress.querySelector(".wsnb-w-progress-text").textContent = `Synthesizing with aws-cdk-lib… ${secs} s`;
    };
    if (running && !ticker) {
      synthStart = Date.now();
      tick();
      ticker = setInterval(tick, 500);
    } else if (!running && ticker) {
      clearInterval(ticker);
      ticker = null;
    }
    const err = model.get("synth_error");
    synthError.hidden = !(status === "error" && err);
    synthError.textContent = err || "";
    const text = model.get("template_json");
    templateBox.hidden = !text;
    template.textContent = text;
    download.href = model.get("template_data_uri") || "#";
    download.setAttribute("download", model.get("template_filename") || "template.json");
    const rc = model.get("resource_counts");
    const total = rc.reduce((n, [, c]) => n + c, 0);
    counts.replaceChildren(
      h("thead", {}, h("tr", {}, h("th", { text: "resource type" }), h("th", { text: "count" }))),
      h("tbody", {}, ...rc.map(([t, c]) => h("tr", { "data-type": t }, h("td", {}, h("code", { text: t })), h("td", { text: c })))),
      h("tfoot", {}, h("tr", {}, h("th", { text: "total" }), h("th", { class: "wsnb-w-total", text: total }))),
    );
    // which stack this template is for, and what synth said about it (at lint's levels)
    const target = model.get("synth_target") || {};
    const where = [["app", target.app], ["stage", target.stage], ["region", target.region], ["account", target.account]]
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    synthTarget.replaceChildren(
      ...(target.stack ? [h("span", {}, "Stack "), h("code", { text: target.stack }), h("span", { class: "wsnb-w-muted", text: ` (${where})` })] : []),
    );
    const warned = model.get("synth_warnings") || [];
    synthWarnings.hidden = !warned.length;
    synthWarnings.replaceChildren(
      ...warned.map((w) =>
        h(
          "li",
          { class: "wsnb-w-synth-warning", "data-level": w.level },
          h("span", { class: `wsnb-w-level wsnb-w-level-${w.level}`, text: w.level }),
          w.code ? h("span", { class: "wsnb-w-code", text: ` [${w.code}]` }) : null,
          h("span", { text: ` ${w.text}` }),
        ),
      ),
    );
    staleTemplate.hidden = !text || model.get("template_digest") === model.get("digest");
    badge("cloudformation", text ? String(total) : "", "");
  }

  // ------------------------------------------------------------ local
  const startButton = h("button", { type: "button", class: "wsnb-w-button wsnb-w-start", onclick: () => send("serve") }, "Start emulator");
  const stopButton = h("button", { type: "button", class: "wsnb-w-button wsnb-w-stop", onclick: () => send("stop") }, "Stop");
  const serverState = h("span", { class: "wsnb-w-server-state" });
  const serverError = h("div", { class: "wsnb-w-error wsnb-w-server-error", role: "alert", hidden: true });
  const connTable = h("table", { class: "wsnb-w-connections" });
  const eventsList = h("ol", { class: "wsnb-w-events" });
  const trafficTable = h("table", { class: "wsnb-w-traffic", style: "border-collapse:collapse;font-family:var(--jp-code-font-family,monospace);font-size:12px" });
  const trafficSummary = h("table", { class: "wsnb-w-traffic-summary", style: "border-collapse:collapse;margin-top:6px;font-size:12px" });
  const clientInput = h("input", { class: "wsnb-w-client-input", type: "text", "aria-label": "Message to send" });
  const connectButton = h("button", { type: "button", class: "wsnb-w-button wsnb-w-client-connect" }, "Connect");
  const sendButton = h("button", { type: "button", class: "wsnb-w-button wsnb-w-client-send" }, "Send");
  const clientLog = h("ol", { class: "wsnb-w-client-log" });
  panels.local.append(
    h("div", { class: "wsnb-w-toolbar" }, startButton, stopButton, serverState),
    serverError,
    h("div", { class: "wsnb-w-muted wsnb-w-hint", text: "The emulator runs in the kernel and reads the API at every event: routes added later are served without a restart." }),
    h(
      "div",
      { class: "wsnb-w-columns" },
      h("div", { class: "wsnb-w-column" }, h("div", { class: "wsnb-w-subtitle", text: "Test client (from this browser)" }), h("div", { class: "wsnb-w-toolbar" }, clientInput, sendButton, connectButton), clientLog),
      h("div", { class: "wsnb-w-column" }, h("div", { class: "wsnb-w-subtitle", text: "Connections" }), connTable, h("div", { class: "wsnb-w-subtitle", text: "Events" }), eventsList),
    ),
    h("div", { class: "wsnb-w-subtitle", text: "Traffic (client → API Gateway → function → @connections → clients)" }),
    trafficTable,
    trafficSummary,
  );

  let socket = null;
  let pending = [];
  // JSON messages are shown with a space after each "," and ":" so long ones wrap between
  // values, never inside a word
  function spaced(value) {
    if (Array.isArray(value)) return "[" + value.map(spaced).join(", ") + "]";
    if (value && typeof value === "object") {
      return "{" + Object.entries(value).map(([k, v]) => JSON.stringify(k) + ": " + spaced(v)).join(", ") + "}";
    }
    return JSON.stringify(value);
  }
  function readable(text) {
    try {
      const value = JSON.parse(text);
      if (value && typeof value === "object") return spaced(value);
    } catch (e) {
      // not JSON: shown as sent
    }
    return text;
  }
  function log(kind, text) {
    const shown = kind === "sent" || kind === "recv" ? readable(text) : text;
    clientLog.append(h("li", { class: `wsnb-w-log-${kind}` }, h("span", { class: "wsnb-w-arrow", text: { sent: "↑", recv: "↓", info: "·", error: "!" }[kind] }), shown));
    while (clientLog.children.length > MAX_CLIENT_LOG) clientLog.firstChild.remove();
    clientLog.scrollTop = clientLog.scrollHeight;
  }
  function clientState() {
    const open = socket && socket.readyState === WebSocket.OPEN;
    connectButton.textContent = socket ? "Disconnect" : "Connect";
    root.dataset.client = open ? "open" : socket ? "connecting" : "closed";
  }
  function connect() {
    const url = model.get("server_url");
    if (!url || model.get("server_status") !== "running") {
      log("error", "Start the emulator first.");
      return null;
    }
    const ws = new WebSocket(url);
    socket = ws;
    log("info", `connecting to ${url}`);
    ws.onopen = () => {
      log("info", "connected");
      for (const m of pending) sendNow(m);
      pending = [];
      clientState();
    };
    ws.onmessage = (e) => log("recv", typeof e.data === "string" ? e.data : "(binary message)");
    ws.onerror = () => log("error", "connection error");
    ws.onclose = (e) => {
      if (socket === ws) socket = null;
      log("info", `closed (${e.code}${e.reason ? " " + e.reason : ""})`);
      clientState();
    };
    clientState();
    return ws;
  }
  function disconnect() {
    if (socket) socket.close(1000);
  }
  function sendNow(text) {
    socket.send(text);
    log("sent", text);
  }
  function sendMessage() {
    const text = clientInput.value;
    if (!socket && !connect()) return;
    if (socket.readyState === WebSocket.OPEN) sendNow(text);
    else pending.push(text);
  }
  connectButton.addEventListener("click", () => (socket ? disconnect() : connect()));
  sendButton.addEventListener("click", sendMessage);
  clientInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") sendMessage();
  });
  cleanups.push(() => socket && socket.close(1000));

  function defaultMessage() {
    const custom = model.get("routes").map((r) => r.key).find((k) => !k.startsWith("$"));
    return custom ? JSON.stringify({ action: custom, data: "hello" }) : JSON.stringify({ data: "hello" });
  }
  clientInput.value = defaultMessage();

  function renderLocal() {
    const status = model.get("server_status");
    root.dataset.serverStatus = status;
    startButton.disabled = status === "running" || status === "starting";
    stopButton.disabled = status !== "running" && status !== "starting";
    const url = model.get("server_url");
    serverState.replaceChildren(
      h("span", { class: `wsnb-w-dot wsnb-w-dot-${status}` }),
      status === "running" ? h("span", {}, "running at ", h("code", { class: "wsnb-w-url", text: url })) : status,
    );
    const err = model.get("server_error");
    serverError.hidden = !(status === "error" && err);
    serverError.textContent = err || "";
    if (status !== "running" && socket) disconnect();
    sendButton.disabled = connectButton.disabled = status !== "running";
    const conns = model.get("connections");
    const connRows = conns.map((c) =>
      h(
        "tr",
        { "data-connection": c.id },
        h("td", {}, h("code", { text: c.id })),
        h("td", { class: "wsnb-w-muted", text: c.sourceIp || c.source_ip || "" }),
        h("td", { class: "wsnb-w-muted", text: c.messagesIn === undefined ? "" : `in ${c.messagesIn} · out ${c.messagesOut}` }),
      ),
    );
    if (!conns.length) connRows.push(h("tr", {}, h("td", { class: "wsnb-w-muted", text: "no open connections" })));
    connTable.replaceChildren(h("tbody", {}, ...connRows));
    badge("local", status === "running" ? String(conns.length) : "", status === "running" ? "ok" : "");
  }
  function renderEvents() {
    const events = model.get("events");
    eventsList.replaceChildren(
      ...events.map((e) =>
        h(
          "li",
          { class: "wsnb-w-event", "data-level": e.level, "data-kind": e.kind },
          e.time ? h("span", { class: "wsnb-w-muted", text: e.time }) : null,
          h("span", { class: "wsnb-w-event-kind", text: e.kind }),
          e.route ? h("code", { text: e.route }) : null,
          e.connection ? h("span", { class: "wsnb-w-muted", text: e.connection }) : null,
          e.status ? h("span", { class: "wsnb-w-event-status", text: e.status }) : null,
          h("span", { class: "wsnb-w-event-text", text: readable(e.text) }),
        ),
      ),
    );
    eventsList.scrollTop = eventsList.scrollHeight;
  }

  function renderTraffic() {
    // server.traffic(): one row per arrow, the sender's and receiver's lanes marked.
    const t = model.get("traffic") || {};
    const names = t.participants || [];
    const steps = t.steps || [];
    const cell = "padding:1px 6px;white-space:nowrap";
    const head = h("tr", {}, h("th", { style: cell, text: "#" }), ...names.map((n) => h("th", { style: cell, text: n })));
    const rows = steps.map((s, i) => {
      const a = names.indexOf(s.source);
      const b = names.indexOf(s.target);
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      const line = `${s.reply ? "dashed" : "solid"} 1px var(--jp-border-color1,#999)`;
      const text = a > b ? `◀ ${s.text}` : `${s.text} ▶`;
      const cells = [h("td", { style: `${cell};color:#888`, text: String((t.first || 1) + i) })];
      for (let c = 0; c < lo; c++) cells.push(h("td", {}));
      cells.push(h("td", { colspan: String(hi - lo + 1), "data-failed": s.failed ? "true" : null, style: `${cell};text-align:center;border-bottom:${line}${s.failed ? ";color:var(--jp-error-color1,#c62828)" : ""}`, text }));
      for (let c = hi + 1; c < names.length; c++) cells.push(h("td", {}));
      return h("tr", { class: "wsnb-w-traffic-step" }, ...cells);
    });
    trafficTable.replaceChildren(h("tbody", {}, ...(steps.length ? [head, ...rows] : [h("tr", {}, h("td", { class: "wsnb-w-muted", text: "no traffic yet" }))])));
    const ms = (v) => (v === null || v === undefined ? "–" : `${v.toFixed(1)} ms`);
    const summary = t.summary || [];
    trafficSummary.replaceChildren(
      h(
        "tbody",
        {},
        ...(summary.length ? [h("tr", {}, ...["route", "count", "errors", "p50", "p95"].map((n) => h("th", { style: cell, text: n })))] : []),
        ...summary.map((r) => h("tr", { class: "wsnb-w-traffic-route" }, ...[r.route, r.count, r.errors, ms(r.p50_ms), ms(r.p95_ms)].map((v) => h("td", { style: cell, text: String(v) })))),
      ),
    );
  }

  // ------------------------------------------------------------ wiring
  renderHeader();
  renderRoutes();
  renderDiagram();
  renderLint();
  renderSynth();
  renderLocal();
  renderEvents();
  renderTraffic();
  showTab();
  on("tab", showTab);
  on("api_id digest overview routes error", renderHeader);
  on("routes route_columns routes_error", renderRoutes);
  on("svg svg_error routes", renderDiagram);
  on("selected_route", markSelected);
  on("findings lint_error", renderLint);
  on("synth_status synth_error template_json template_digest template_data_uri resource_counts synth_target synth_warnings digest", renderSynth);
  on("server_status server_url server_error connections", renderLocal);
  on("events", renderEvents);
  on("traffic", renderTraffic);
  return () => {
    for (const fn of cleanups) fn();
  };
}

export default { render };
