// The pipeline board's drag and drop. Without JavaScript each card's own form
// moves it; with it, a card dropped on a column (or on Won / Lost) is moved by a
// POST to the same URL, and the column headers take the counts and totals the
// server sends back. Lost asks for a reason first.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var errorBox = document.getElementById("board-error");
  var statusBox = document.getElementById("board-status");
  var modalEl = document.getElementById("lost-modal");
  var lostForm = document.getElementById("lost-form");
  var lostError = document.getElementById("lost-error");
  var modal = window.bootstrap && modalEl ? new window.bootstrap.Modal(modalEl) : null;
  var dragged = null;
  var pendingLost = null;

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function show(box, text) {
    box.textContent = text;
    box.classList.toggle("d-none", !text);
  }

  function columnOf(stage) {
    return board.querySelector('.board-column[data-drop-stage="' + stage + '"]');
  }

  function updateHeaders(columns) {
    Object.keys(columns).forEach(function (stage) {
      var column = columnOf(stage);
      if (!column) return;
      column.querySelector("[data-count]").textContent = columns[stage].count;
      column.querySelector("[data-amount]").textContent = columns[stage].amount;
    });
  }

  function placeCard(card, stage) {
    card.dataset.stage = stage;
    var select = card.querySelector('select[name="to_stage"]');
    if (select) select.value = stage;
    var from = card.closest(".board-cards");
    var column = columnOf(stage);
    if (column) {
      var list = column.querySelector(".board-cards");
      var empty = list.querySelector(".board-empty");
      if (empty) empty.remove();
      list.appendChild(card);
    } else {
      card.remove(); // won or lost: off the board
    }
    if (from && !from.querySelector("[data-card]")) {
      var p = document.createElement("p");
      p.className = "small text-body-secondary mb-0 board-empty";
      p.textContent = "Nothing here.";
      from.appendChild(p);
    }
  }

  // POST a move; resolve with the JSON answer, reject with the error to show.
  function move(card, stage, extra) {
    var data = new FormData();
    data.append("to_stage", stage);
    data.append("owner", board.dataset.owner || "");
    Object.keys(extra || {}).forEach(function (k) { data.append(k, extra[k]); });
    return fetch(card.dataset.moveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, error: "The server did not answer (" + response.status + ")." };
      });
    }, function () {
      return { ok: false, error: "The move did not reach the server; check the connection." };
    }).then(function (answer) {
      if (!answer.ok) throw new Error(answer.error || "The move failed.");
      return answer;
    });
  }

  function moveAndShow(card, stage, extra) {
    show(errorBox, "");
    return move(card, stage, extra).then(function (answer) {
      placeCard(card, answer.stage);
      updateHeaders(answer.columns);
      show(statusBox, answer.message);
      return answer;
    });
  }

  function askLost(card) {
    pendingLost = card;
    lostForm.reset();
    show(lostError, "");
    var title = card.querySelector("a");
    document.getElementById("lost-title").textContent = title ? title.textContent : "";
    if (modal) {
      modal.show();
    } else {
      card.querySelector("form").submit(); // the opportunity page asks instead
    }
  }

  function drop(card, stage) {
    if (!card || card.dataset.stage === stage) return;
    if (stage === "lost") {
      askLost(card);
      return;
    }
    moveAndShow(card, stage).catch(function (err) { show(errorBox, err.message); });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-card]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.moveUrl);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
  });

  document.querySelectorAll("[data-drop-stage]").forEach(function (zone) {
    zone.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      zone.classList.add("drag-over");
    });
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove("drag-over");
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("drag-over");
      drop(dragged, zone.dataset.dropStage);
    });
  });

  // A card's own form: Lost asks for the reason in the dialog, the rest post as is.
  board.addEventListener("submit", function (event) {
    var form = event.target;
    var card = form.closest("[data-card]");
    if (!card) return;
    var stage = form.querySelector('select[name="to_stage"]').value;
    if (stage === "lost" && modal) {
      event.preventDefault();
      askLost(card);
    }
  });

  if (lostForm) {
    lostForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pendingLost) return;
      var reason = lostForm.elements.lost_reason.value;
      var note = lostForm.elements.lost_note.value.trim();
      if (!reason && !note) {
        show(lostError, "Pick a reason or say why in a few words.");
        return;
      }
      var card = pendingLost;
      moveAndShow(card, "lost", { lost_reason: reason, lost_note: note })
        .then(function () {
          pendingLost = null;
          modal.hide();
        })
        .catch(function (err) { show(lostError, err.message); });
    });
  }
})();
