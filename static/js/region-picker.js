// The region box (transfers.forms.RegionField): suggestions as one types a code or a name.
// The box is an ARIA combobox: ↓/↑ move through the suggestions, Enter takes one, Esc closes
// the list. Without this script the box still takes a code or a name typed in full.
(function () {
  "use strict";
  var DELAY = 150;

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    var url = input.dataset.regionPicker;
    var purpose = input.dataset.purpose;
    var timer = null;
    var active = -1;
    var items = [];
    var lastQuery = null;
    var chosen = input.value;

    function close() {
      list.classList.add("d-none");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      items.forEach(function (item, i) {
        var on = i === index;
        item.classList.toggle("active", on);
        item.setAttribute("aria-selected", on ? "true" : "false");
        if (on) {
          input.setAttribute("aria-activedescendant", item.id);
          item.scrollIntoView({ block: "nearest" });
        }
      });
      active = index;
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      input.value = item.dataset.label;
      chosen = input.value;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function option(result, i) {
      var li = document.createElement("li");
      li.id = list.id + "_" + i;
      li.className = "list-group-item list-group-item-action py-1 px-2 small";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.label = result.label;
      var path = document.createElement("div");
      path.textContent = result.path;
      var note = document.createElement("div");
      note.className = "text-muted";
      var parts = [result.code, result.name, result.kind !== "行政区划" ? result.kind : result.level];
      if (result.aliases.length) parts.push("曾用名/别名：" + result.aliases.join("、"));
      if (!result.active) parts.push("已撤销");
      note.textContent = parts.join(" · ");
      li.appendChild(path);
      li.appendChild(note);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the box
        choose(i);
      });
      return li;
    }

    function show(data) {
      list.textContent = "";
      items = data.results.map(option);
      items.forEach(function (li) { list.appendChild(li); });
      if (!items.length || data.more) {
        var hint = document.createElement("li");
        hint.className = "list-group-item py-1 px-2 small text-muted";
        hint.setAttribute("aria-disabled", "true");
        hint.textContent = items.length ? "还有更多结果，请输入更完整的代码或名称。" : "没有匹配的地区或单位。";
        list.appendChild(hint);
      }
      list.classList.remove("d-none");
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function search() {
      var query = input.value.trim();
      if (!query || query === chosen || query === lastQuery) return;
      lastQuery = query;
      var params = new URLSearchParams({ q: query, purpose: purpose });
      fetch(url + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [], more: false }; })
        .then(function (data) { if (input.value.trim() === query) show(data); })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      lastQuery = null;
      if (!input.value.trim()) { close(); return; }
      timer = setTimeout(search, DELAY);
    });
    input.addEventListener("focus", function () {
      if (input.value === chosen) input.select();
    });
    input.addEventListener("keydown", function (event) {
      var open = input.getAttribute("aria-expanded") === "true";
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { lastQuery = null; chosen = null; search(); return; }
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); choose(active); }
        else if (open && items.length === 1) { event.preventDefault(); choose(0); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-region-picker]").forEach(setup);
})();
