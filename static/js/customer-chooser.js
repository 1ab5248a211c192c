// Search-as-you-type customer chooser for the distribution entry form. Choosing a customer sets
// the hidden `customer` field, fills the consignee fields (keeping the default country when the
// customer has none) and defaults the rep to the customer's primary rep; typing a new name clears
// the choice.
(function () {
  "use strict";
  var box = document.querySelector(".customer-chooser");
  if (!box) return;
  var input = box.querySelector("input[type=search]");
  var list = box.querySelector("ul");
  var hidden = document.querySelector("input[name=customer]");
  var fields = ["facility_name", "address1", "address2", "city", "state", "postal_code", "country"];
  var timer = null, results = [], active = -1;

  function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
  var rep = document.querySelector("select[name=rep]");
  // The rep follows the chosen customer's primary rep, unless the person picked a rep themselves.
  if (rep) rep.addEventListener("change", function () { rep.dataset.auto = ""; });
  function choose(c) {
    hidden.value = c.id;
    input.value = c.facility_name;
    fields.forEach(function (name) {
      var el = document.querySelector("[name=" + name + "]");
      // A customer without a country keeps the form's default country.
      if (el && (c[name] || name !== "country")) el.value = c[name] || "";
    });
    var option = rep && c.primary_rep ? rep.querySelector("option[value='" + c.primary_rep + "']") : null;
    if (option && (!rep.value || rep.dataset.auto === "1")) { rep.value = String(c.primary_rep); rep.dataset.auto = "1"; }
    close();
  }
  function render() {
    list.innerHTML = "";
    if (!results.length) {
      var li = document.createElement("li"); li.textContent = "No customer matches: the facility you type below becomes a new customer.";
      li.className = "muted"; list.appendChild(li);
    }
    results.forEach(function (c, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option"); li.id = "customer-option-" + c.id;
      li.textContent = c.facility_name + (c.city ? " — " + c.city + (c.state ? ", " + c.state : "") : "");
      if (i === active) { li.setAttribute("aria-selected", "true"); input.setAttribute("aria-activedescendant", li.id); }
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(c); });
      list.appendChild(li);
    });
    list.hidden = false; input.setAttribute("aria-expanded", "true");
  }
  input.addEventListener("input", function () {
    if (hidden) hidden.value = "";
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(function () {
      fetch(box.dataset.searchUrl + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { results = data.results || []; active = -1; render(); })
        .catch(function () { results = []; close(); });
    }, 200);
  });
  input.addEventListener("keydown", function (ev) {
    // The search box only chooses: Enter never submits the whole entry form from here (the only result,
    // or the one highlighted, is chosen; otherwise nothing happens).
    if (ev.key === "Enter") {
      ev.preventDefault();
      if (list.hidden) return;
      if (active >= 0) choose(results[active]);
      else if (results.length === 1) choose(results[0]);
      return;
    }
    if (list.hidden) return;
    if (ev.key === "ArrowDown") { active = Math.min(active + 1, results.length - 1); render(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { active = Math.max(active - 1, 0); render(); ev.preventDefault(); }
    else if (ev.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
