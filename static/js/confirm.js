// Forms with data-confirm="question" ask before they submit (in place of inline
// onsubmit handlers, which the Content-Security-Policy forbids).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
