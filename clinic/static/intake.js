/* Client intake: quick exit (button, or Esc twice) and focus on the error summary.
   Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";

  var exit = document.getElementById("quick-exit");
  var ESCAPE_WINDOW_MS = 1500;
  var lastEscape = 0;

  function leave(event) {
    if (!exit) { return; }
    if (event) { event.preventDefault(); }
    document.documentElement.className += " leaving";
    document.body.hidden = true;
    // replace(): this page is taken out of the tab's back history.
    window.location.replace(exit.href);
  }

  if (exit) {
    exit.addEventListener("click", leave);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" && event.key !== "Esc") { return; }
      var now = Date.now();
      if (now - lastEscape <= ESCAPE_WINDOW_MS) {
        leave(event);
      } else {
        lastEscape = now;
      }
    });
    var keys = document.getElementById("quick-exit-keys");
    if (keys) { keys.hidden = false; }
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
}());
