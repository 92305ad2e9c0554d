// The demo's phone without reloads: the reply form posts in the background, and new messages and delivery
// statuses arrive as server-sent events. Without JavaScript the form posts and the page reloads; nothing here
// is needed to send. Message text is always set as text (textContent), never as HTML.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  var form = document.getElementById("send");
  if (!thread || !form || !window.fetch || !window.EventSource) { return; }
  var box = document.getElementById("text");
  var button = form.querySelector("button[type=submit]");
  var error = document.getElementById("form-error");
  var last = parseInt(thread.dataset.last || "0", 10);

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  function bubble(message) {
    var item = document.createElement("li");
    item.className = "msg " + (message.mine ? "mine" : "theirs");
    item.dataset.id = String(message.id);
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (message.mine ? thread.dataset.you : thread.dataset.ot) + ":";
    var text = document.createElement("p");
    text.className = "text";
    text.textContent = message.text;
    var meta = document.createElement("p");
    meta.className = "meta";
    var time = document.createElement("time");
    time.dateTime = message.iso;
    time.textContent = message.at;
    var status = document.createElement("span");
    status.className = "status";
    status.dataset.status = message.status;
    status.textContent = message.status_text;
    meta.append(time, " · ", status);
    item.append(who, text, meta);
    return item;
  }

  function add(message) {
    if (message.id <= last) { return; }
    last = message.id;
    var empty = document.getElementById("empty");
    if (empty) { empty.remove(); }
    var item = bubble(message);
    thread.appendChild(item);
    item.scrollIntoView({block: "nearest"});
  }

  function restatus(message) {
    var item = thread.querySelector('li[data-id="' + String(parseInt(message.id, 10)) + '"]');
    var status = item && item.querySelector(".status");
    if (status && status.dataset.status !== message.status) {
      status.dataset.status = message.status;
      status.textContent = message.status_text;
    }
  }

  var events = new EventSource(thread.dataset.events + "?after=" + last);
  events.addEventListener("message", function (event) { add(JSON.parse(event.data)); });
  events.addEventListener("status", function (event) { restatus(JSON.parse(event.data)); });

  function freshId() {
    var id = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + String(Math.random());
    return id.replace(/[^a-zA-Z0-9]/g, "");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!box.value.trim()) { box.focus(); return; }
    showError("");
    button.disabled = true;
    fetch(form.action, {method: "POST", body: new FormData(form), headers: {"X-Requested-With": "fetch"},
                        credentials: "same-origin"})
      .then(function (response) {
        if (response.ok) {
          box.value = "";
          // A fresh id for the next message: a double submit of one message is stored once.
          form.querySelector("input[name=client_id]").value = freshId();
          return null;
        }
        if (response.status === 403) { showError(form.dataset.expired); return null; }
        return response.text().then(function (text) { showError(text || form.dataset.failed); });
      })
      .catch(function () { showError(form.dataset.failed); })
      .finally(function () { button.disabled = false; box.focus(); });
  });

  // Ctrl+Enter (or Cmd+Enter) in the text box sends, as on many phones' keyboards; Enter alone is a new line.
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : button.click();
    }
  });
})();
