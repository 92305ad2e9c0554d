// The web chat without reloads: the form posts in the background and new messages arrive as server-sent
// events. Without JavaScript the form posts and the page reloads; nothing here is needed to send.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  var form = document.getElementById("send");
  if (!thread || !form || !window.fetch || !window.EventSource) { return; }
  var last = parseInt(thread.dataset.last || "0", 10);

  function add(message) {
    if (message.id <= last) { return; }
    last = message.id;
    var empty = document.getElementById("empty");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    item.className = "msg " + (message.mine ? "mine" : "theirs");
    item.dataset.id = String(message.id);
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = message.mine ? thread.dataset.you : thread.dataset.ot;
    var text = document.createElement("p");
    text.className = "text";
    text.textContent = message.text;  // text, never HTML
    var time = document.createElement("time");
    time.textContent = message.at;
    item.append(who, text, time);
    thread.appendChild(item);
    item.scrollIntoView({block: "end"});
  }

  var events = new EventSource("/chat/events?after=" + last);
  events.addEventListener("message", function (event) { add(JSON.parse(event.data)); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = form.querySelector("textarea");
    if (!box.value.trim()) { return; }
    var data = new FormData(form);
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {method: "POST", body: data, headers: {"X-Requested-With": "fetch"},
                        credentials: "same-origin"})
      .then(function (response) {
        if (response.ok) {
          box.value = "";
          // A fresh id for the next message: a double submit of one message is stored once.
          form.querySelector("input[name=client_id]").value =
            (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random())
              .replace(/[^a-zA-Z0-9]/g, "");
        }
      })
      .finally(function () { button.disabled = false; box.focus(); });
  });
})();
