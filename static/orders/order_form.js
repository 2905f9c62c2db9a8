// The order form: live totals, "Add line" and the customer look-up list.
// Progressive: the form works without this script, and the server recomputes every
// amount with the same rules (orders/pricing.py): each step rounded half-up to cents.
// Integer arithmetic (BigInt) in cents, never floating point.
(function () {
  "use strict";
  var form = document.getElementById("order-form");
  if (!form) return;
  var currency = form.dataset.currency || "";
  var products = {};
  JSON.parse(document.getElementById("product-data").textContent).forEach(function (p) {
    products[p.sku.toUpperCase()] = p;
  });

  // "12.5" with places=4 -> 125000n; null when not a non-negative decimal.
  function scaled(text, places) {
    text = String(text == null ? "" : text).trim();
    if (!/^\d*(\.\d*)?$/.test(text) || text === "" || text === ".") return null;
    var parts = text.split(".");
    var frac = (parts[1] || "").slice(0, places);
    while (frac.length < places) frac += "0";
    return BigInt(parts[0] || "0") * 10n ** BigInt(places) + BigInt(frac || "0");
  }
  function divHalfUp(a, b) { return (2n * a + b) / (2n * b); }
  function money(cents) {
    var sign = cents < 0n ? "−" : "";
    if (cents < 0n) cents = -cents;
    var whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var frac = (cents % 100n).toString().padStart(2, "0");
    return sign + whole + "." + frac + " " + currency;
  }
  function product(row) {
    var text = row.querySelector('[data-line="product"]').value;
    var sku = text.split(" · ")[0].trim().toUpperCase();
    return products[sku] || null;
  }
  function field(name) { return form.querySelector('[name="' + name + '"]'); }

  function recompute() {
    var orderDisc = scaled(field("discount_percent").value, 2) || 0n;
    var shipping = scaled(field("shipping_charge").value, 2) || 0n;
    var t = { subtotal: 0n, discount: 0n, tax: 0n };
    var net = 0n;
    form.querySelectorAll("[data-line-row]").forEach(function (row) {
      var out = row.querySelector("[data-line-net]");
      var p = product(row);
      var priceInput = row.querySelector('[data-line="unit_price"]');
      if (p) priceInput.placeholder = p.list_price;
      var qty = scaled(row.querySelector('[data-line="quantity"]').value, 0);
      var removed = row.querySelector('[data-line="delete"]').checked;
      if (!p || !qty || removed) { out.textContent = "—"; return; }
      var price = priceInput.value === "" ? scaled(p.list_price, 4) : scaled(priceInput.value, 4);
      var disc = scaled(row.querySelector('[data-line="discount_percent"]').value, 2) || 0n;
      if (price === null) { out.textContent = "—"; return; }
      var gross = divHalfUp(qty * price, 100n);
      var lineDisc = divHalfUp(gross * disc, 10000n);
      var orderPart = divHalfUp((gross - lineDisc) * orderDisc, 10000n);
      var lineNet = gross - lineDisc - orderPart;
      var tax = divHalfUp(lineNet * scaled(p.tax_rate, 2), 10000n);
      t.subtotal += gross; t.discount += lineDisc + orderPart; t.tax += tax; net += lineNet;
      out.textContent = money(lineNet);
    });
    form.querySelector('[data-total="subtotal"]').textContent = money(t.subtotal);
    form.querySelector('[data-total="discount"]').textContent = money(-t.discount);
    form.querySelector('[data-total="tax"]').textContent = money(t.tax);
    form.querySelector('[data-total="shipping"]').textContent = money(shipping);
    form.querySelector('[data-total="total"]').textContent = money(net + t.tax + shipping);
  }

  // Add line: clone the formset's empty form with the next index.
  var addButton = document.getElementById("add-line");
  var template = document.getElementById("empty-line");
  var total = field("lines-TOTAL_FORMS");
  addButton.hidden = false;
  addButton.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    form.querySelector("#order-lines tbody").insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var rows = form.querySelectorAll("[data-line-row]");
    rows[rows.length - 1].querySelector('[data-line="product"]').focus();
  });

  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);
  recompute();

  // Customer look-up: fill the datalist from the server as the rep types.
  var customer = field("customer");
  var options = document.getElementById("customer-options");
  var timer = null;
  if (customer) {
    customer.addEventListener("input", function () {
      clearTimeout(timer);
      var q = customer.value.trim();
      if (q.length < 2 || /\(#\d+\)$/.test(q)) return;
      timer = setTimeout(function () {
        fetch("/customers/lookup/?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            options.replaceChildren.apply(options, data.results.map(function (label) {
              var o = document.createElement("option"); o.value = label; return o;
            }));
          })
          .catch(function () { /* the rep can still type a unique name */ });
      }, 200);
    });
  }
})();
