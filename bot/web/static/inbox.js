// The inbox's live alerts: the server says when the open alerts changed (server-sent events), and the alert
// list is fetched again with htmx. Without JavaScript the page works; it shows the alerts as of its loading.
(function () {
  "use strict";
  var live = document.getElementById("alerts-live");
  if (!live || !window.EventSource || !window.htmx) { return; }
  var events = new EventSource(live.dataset.events);
  events.addEventListener("alerts", function () {
    window.htmx.ajax("GET", live.dataset.fragment, {target: "#alerts", swap: "outerHTML"});
  });
})();
