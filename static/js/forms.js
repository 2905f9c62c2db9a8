// Submit buttons disable on submit, so a double click posts a form once (the
// server's one-time form tokens catch what gets through). The clicked button's
// name and value are kept in the post through a hidden copy, as a disabled button
// is left out of the form data. Coming back with the back button re-enables them.
(function () {
  "use strict";

  var SELECTOR = 'button[type="submit"], button:not([type]), input[type="submit"]';

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // A script that handles the form itself (fetch) prevented the default.
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.submitting) {
      event.preventDefault(); // Enter pressed again while the first post runs
      return;
    }
    form.dataset.submitting = "1";
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = submitter.name;
      copy.value = submitter.value;
      copy.dataset.submitterCopy = "1";
      form.appendChild(copy);
    }
    var buttons = Array.from(form.querySelectorAll(SELECTOR));
    if (submitter && buttons.indexOf(submitter) < 0) {
      buttons.push(submitter); // a button outside the form (form="...")
    }
    buttons.forEach(function (button) {
      if (!button.disabled) {
        button.disabled = true;
        button.dataset.submitDisabled = "1";
      }
    });
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
      form.querySelectorAll("[data-submitter-copy]").forEach(function (copy) {
        copy.remove();
      });
    });
    // Only the buttons disabled here: others may be disabled on purpose.
    document.querySelectorAll("[data-submit-disabled]").forEach(function (button) {
      button.disabled = false;
      delete button.dataset.submitDisabled;
    });
  });
})();
