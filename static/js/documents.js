// The printable documents' Print button.
document.querySelector('[data-action="print"]').addEventListener("click", function () {
  window.print();
});
