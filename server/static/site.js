// What every page shares: the one link rule (hcckg.href), the search box's autocomplete
// (any input[data-autocomplete]) and list filters (input[data-filter]). Talks only to this server.
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="hcckg-base"]');
  const base = meta ? meta.content : "";

  // The site's single link rule (server/links.py link_target is its twin): hcckg IRIs link to this
  // server, http(s) IRIs to themselves; anything else is no link (null: show it as text).
  function href(iri) {
    if (typeof iri !== "string") return null;
    if (base && iri.startsWith(base)) return "/" + iri.slice(base.length);
    let url;
    try {
      url = new URL(iri);
    } catch (err) {
      return null;
    }
    return url.protocol === "http:" || url.protocol === "https:" ? iri : null;
  }

  // A link element for an IRI, or a text node when the IRI may not be followed.
  function linkTo(iri, text, title) {
    const target = href(iri);
    if (!target) return document.createTextNode(text);
    const a = document.createElement("a");
    a.href = target;
    a.textContent = text;
    a.title = title || iri;
    return a;
  }

  window.hcckg = { href, linkTo, base };

  let serial = 0;
  function autocomplete(input) {
    const id = `suggestions-${++serial}`;
    const list = document.createElement("div");
    list.id = id;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    let options = [];
    let active = -1;
    let pending = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      options.forEach((o, i) => o.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
    }
    function show(data) {
      list.replaceChildren();
      options = [];
      for (const group of data.groups) {
        const box = document.createElement("div");
        box.setAttribute("role", "group");
        box.setAttribute("aria-label", group.name);
        const title = document.createElement("div");
        title.className = "group-name";
        title.setAttribute("aria-hidden", "true");
        title.textContent = group.name;
        box.appendChild(title);
        for (const item of group.items) {
          const option = document.createElement("a");
          option.setAttribute("role", "option");
          option.id = `${id}-${options.length}`;
          option.href = href(item.iri) || "#";
          option.dataset.kind = group.kind;
          option.textContent = item.label;
          if (item.detail || item.matched) {
            const small = document.createElement("small");
            small.textContent = " " + [item.detail, item.matched ? `matches “${item.matched}”` : ""].filter(Boolean).join(" · ");
            option.appendChild(small);
          }
          box.appendChild(option);
          options.push(option);
        }
        list.appendChild(box);
      }
      if (!options.length) return close();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }
    input.addEventListener("input", () => {
      const text = input.value.trim();
      if (pending) pending.abort();
      if (!text) return close();
      pending = new AbortController();
      fetch(`/api/search?limit=6&q=${encodeURIComponent(text)}`, { signal: pending.signal })
        .then((r) => (r.ok ? r.json() : { groups: [] }))
        .then((data) => { if (input.value.trim() === text) show(data); })
        .catch(() => {});
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % options.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + options.length) % options.length); }
      else if (event.key === "Escape") close();
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); window.location.href = options[active].href; }
    });
    input.addEventListener("blur", () => setTimeout(close, 200));
  }

  function filter(input) {
    const table = document.querySelector(input.dataset.filter);
    if (!table) return;
    input.addEventListener("input", () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      for (const row of table.tBodies[0].rows) {
        const text = row.textContent.toLowerCase();
        row.hidden = !words.every((w) => text.includes(w));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[data-autocomplete]").forEach(autocomplete);
    document.querySelectorAll("input[data-filter]").forEach(filter);
  });
})();
