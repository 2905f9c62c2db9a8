// "Select all" box in the table header (progressive: the form works without it).
document.querySelectorAll("[data-select-all]").forEach(function (box) {
  box.addEventListener("change", function () {
    document.querySelectorAll('input[name="customers"]').forEach(function (b) {
      b.checked = box.checked;
    });
  });
});
