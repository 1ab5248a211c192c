// "Scan label" on the distribution entry form. A barcode scanner types the label's code and sends Enter:
// Enter (or the "Fill from label" button) asks /admin/scan/ to read it and fills the UDI-DI, SKU, lot,
// expiry date and serial number, without submitting the form. A code that cannot be used says why and
// fills nothing. Without JavaScript, Enter posts the form and the server fills the same fields
// (distribution/views/entries.py, ScanFillMixin).
(function () {
  "use strict";
  var box = document.querySelector(".label-scan");
  if (!box) return;
  var form = box.closest("form");
  var input = box.querySelector("input[name=scan]");
  var button = box.querySelector("button[data-fill]");
  var status = box.querySelector("[role=status]");
  var fields = ["udi_di", "sku", "lot_number", "expiry_date", "serial_number"];
  var pending = null, refused = null;  // the code on its way; the last code read and refused

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "help";
    box.classList.toggle("has-error", !!isError);
    input.setAttribute("aria-invalid", isError ? "true" : "false");
  }

  function filled(data) {
    var parts = ["UDI-DI " + data.udi_di, "SKU " + data.sku];
    if (data.lot_number) parts.push("lot " + data.lot_number);
    if (data.expiry_date) parts.push("expiry " + data.expiry_date);
    if (data.serial_number) parts.push("serial " + data.serial_number);
    return "Filled from the label: " + parts.join(", ") + ". Check them, then save.";
  }

  function fill() {
    var code = input.value;
    if (!code.trim()) { say("Scan a label or type its code.", true); return; }
    if (pending === code) return;  // a second Enter while the first is on its way
    pending = code;
    say("Reading the label…", false);
    fetch(box.dataset.scanUrl + "?code=" + encodeURIComponent(code),
          { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return { error: "The label could not be read (the server answered " + r.status + ")." }; });
      })
      .then(function (data) {
        if (data.error) { refused = code; say(data.error, true); input.select(); return; }
        fields.forEach(function (name) {
          var el = form.elements[name];
          if (el) { el.value = data[name] || ""; el.dispatchEvent(new Event("change", { bubbles: true })); }
        });
        input.value = "";
        say(filled(data), false);
      })
      .catch(function () { say("The label could not be read: the server did not answer. Try again.", true); })
      .then(function () { pending = null; });
  }

  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { ev.preventDefault(); fill(); }
  });
  // Saving with a code already refused in the field saves the entry (the server would only read it again).
  form.addEventListener("submit", function () { if (input.value === refused) input.value = ""; });
  if (button) {
    button.hidden = false;
    button.addEventListener("click", fill);
  }
})();
