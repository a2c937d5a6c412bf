// The query page: editor (CodeMirror when `make assets` has fetched it), named examples,
// results as a sortable table with links, downloads. Talks only to this server.
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const textarea = document.getElementById("query");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const prefixes = Object.entries(page.prefixes).map(([p, iri]) => `PREFIX ${p}: <${iri}>`).join("\n");
  textarea.value = `${prefixes}\n\nSELECT ?drug ?label WHERE {\n  ?drug a/rdfs:subClassOf* hcc:TherapeuticAgent ;\n        rdfs:label ?label .\n} ORDER BY ?label LIMIT 50\n`;

  let editor = null;
  if (window.CodeMirror) {
    const words = page.terms.map((t) => t.name);
    const hint = (cm) => {
      const cur = cm.getCursor();
      const line = cm.getLine(cur.line);
      let start = cur.ch;
      while (start > 0 && /[\w:]/.test(line.charAt(start - 1))) start--;
      const typed = line.slice(start, cur.ch).toLowerCase();
      const list = words.filter((w) => w.toLowerCase().includes(typed));
      return { list, from: CodeMirror.Pos(cur.line, start), to: CodeMirror.Pos(cur.line, cur.ch) };
    };
    editor = CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query",
      lineNumbers: true,
      extraKeys: { "Ctrl-Space": (cm) => cm.showHint({ hint, completeSingle: false }), "Ctrl-Enter": () => run() },
    });
  }
  const getQuery = () => (editor ? editor.getValue() : textarea.value);
  const setQuery = (text) => (editor ? editor.setValue(text) : (textarea.value = text));

  const select = document.getElementById("examples");
  for (const ex of page.examples) {
    const option = document.createElement("option");
    option.value = ex.name;
    option.textContent = ex.title || ex.name;
    select.appendChild(option);
  }
  select.addEventListener("change", () => {
    const ex = page.examples.find((e) => e.name === select.value);
    if (!ex) return;
    setQuery(ex.sparql);
    document.getElementById("example-description").textContent = ex.description || "";
  });

  // `format` for downloads; without it, Accept lets CONSTRUCT/DESCRIBE answer Turtle.
  async function post(format) {
    const params = { query: getQuery() };
    if (format) params.format = format;
    const accept = "application/sparql-results+json, text/turtle;q=0.9";
    const response = await fetch("/sparql", { method: "POST", body: new URLSearchParams(params), headers: { Accept: accept } });
    if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
    return response;
  }

  // The one rule for links (server/links.py has it for the pages): hcckg's own IRIs link
  // to this server, http: and https: IRIs to themselves, anything else (javascript:, data:,
  // ...) is shown as text.
  function safeHref(iri) {
    if (iri.startsWith(page.base)) return "/" + iri.slice(page.base.length);
    let url;
    try {
      url = new URL(iri);
    } catch (err) {
      return null;
    }
    return url.protocol === "http:" || url.protocol === "https:" ? iri : null;
  }

  function link(iri) {
    const target = safeHref(iri);
    const node = document.createElement(target === null ? "span" : "a");
    if (target !== null) node.href = target;
    node.textContent = iri;
    return node;
  }

  function cellOf(binding) {
    const td = document.createElement("td");
    if (!binding) return td;
    if (binding.type === "uri") td.appendChild(link(binding.value));
    else td.textContent = binding.value;
    td.dataset.sort = binding.value;
    return td;
  }

  function sortBy(table, index, th) {
    const ascending = !th.classList.contains("asc");
    table.querySelectorAll("th").forEach((h) => h.classList.remove("asc", "desc"));
    th.classList.add(ascending ? "asc" : "desc");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const key = (row) => row.cells[index].dataset.sort || "";
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      const nx = Number(x), ny = Number(y);
      const order = x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach((r) => body.appendChild(r));
  }

  function render(data) {
    results.textContent = "";
    if ("boolean" in data) {
      results.textContent = `Answer: ${data.boolean}`;
      return 1;
    }
    const vars = data.head.vars;
    const table = document.createElement("table");
    table.id = "results-table";
    const head = table.createTHead().insertRow();
    vars.forEach((v, i) => {
      const th = document.createElement("th");
      th.textContent = v;
      th.addEventListener("click", () => sortBy(table, i, th));
      head.appendChild(th);
    });
    const body = table.createTBody();
    for (const row of data.results.bindings) {
      const tr = body.insertRow();
      vars.forEach((v) => tr.appendChild(cellOf(row[v])));
    }
    results.appendChild(table);
    return data.results.bindings.length;
  }

  async function run() {
    status.className = "";
    status.textContent = "running…";
    const started = performance.now();
    try {
      const response = await post(null);
      const type = response.headers.get("Content-Type") || "";
      if (!type.includes("json")) {
        const pre = document.createElement("pre");
        pre.textContent = await response.text();
        results.replaceChildren(pre);
        status.textContent = "graph result";
        return;
      }
      const count = render(await response.json());
      status.textContent = `${count} result(s) in ${Math.round(performance.now() - started)} ms`;
    } catch (err) {
      status.className = "error";
      status.textContent = err.message;
    }
  }

  async function download(format) {
    try {
      const response = await post(format);
      const blob = await response.blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `hcckg-results.${format === "json" ? "srj" : format}`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (err) {
      status.className = "error";
      status.textContent = err.message;
    }
  }

  document.getElementById("run").addEventListener("click", run);
  document.querySelectorAll("button.download").forEach((b) => b.addEventListener("click", () => download(b.dataset.format)));
})();
