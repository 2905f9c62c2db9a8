// The opportunity form: fill the customer list from the server as the rep types.
(function () {
  "use strict";
  var form = document.getElementById("opportunity-form");
  if (!form) return;
  var customer = form.querySelector('[name="customer"]');
  var options = document.getElementById("customer-options");
  var url = form.dataset.lookupUrl;
  var timer = null;
  if (!customer || !options || !url) return;
  customer.addEventListener("input", function () {
    clearTimeout(timer);
    var q = customer.value.trim();
    if (q.length < 2 || /\(#\d+\)$/.test(q)) return;
    timer = setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          options.replaceChildren.apply(options, data.results.map(function (label) {
            var o = document.createElement("option"); o.value = label; return o;
          }));
        })
        .catch(function () { /* the rep can still type a unique name */ });
    }, 200);
  });
})();
