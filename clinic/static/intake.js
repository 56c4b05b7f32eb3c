/* Client intake: quick exit (button, or Esc twice), focus on the error summary, and
   opening a resume link (/intake/resume#CODE).
   Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";

  var exit = document.getElementById("quick-exit");
  var ESCAPE_WINDOW_MS = 1500;
  var lastEscape = 0;
  // Other tabs of this site leave too when one of them does.
  var tabs = typeof window.BroadcastChannel === "function"
    ? new window.BroadcastChannel("intake-quick-exit") : null;

  function leave(event, toldByAnotherTab) {
    if (!exit) { return; }
    if (event) { event.preventDefault(); }
    document.documentElement.className += " leaving";
    document.body.hidden = true;
    if (tabs && !toldByAnotherTab) { tabs.postMessage("leave"); }
    // exit.href is /intake/exit: it ends the form's session on the server, asks the
    // browser to drop this site's data and redirects to the neutral site.
    // replace(): this page is taken out of the tab's back history.
    window.location.replace(exit.href);
  }

  if (tabs) {
    tabs.addEventListener("message", function () { leave(null, true); });
  }

  // A page restored from the back/forward cache would show what it showed before,
  // even after quick exit: hide it and load it afresh from the server instead.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.body.hidden = true;
    window.location.replace(window.location.href);
  });

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
    var keys = document.querySelectorAll("[data-quick-exit-keys]");
    for (var i = 0; i < keys.length; i += 1) { keys[i].hidden = false; }
  }

  // A resume link carries the code after "#", which browsers never send to a server,
  // so it stays out of server and proxy logs. Put it in the form, take it out of the
  // address bar and of this tab's history entry, and post the form. Without this
  // script the client types the code (the email gives it too).
  var RESUME_CODE = /^[0-9A-Za-z][0-9A-Za-z-]{19,39}$/;
  var resumeForm = document.querySelector("form[data-resume-form]");

  function resumeFromLink() {
    var fromLink = window.location.hash.slice(1);
    if (!resumeForm || !RESUME_CODE.test(fromLink)) { return false; }
    var codeField = resumeForm.querySelector('input[name="code"]');
    if (window.history && typeof window.history.replaceState === "function") {
      window.history.replaceState(
        window.history.state, "", window.location.pathname + window.location.search
      );
    }
    if (!codeField) { return false; }
    codeField.value = fromLink;
    HTMLFormElement.prototype.submit.call(resumeForm);
    return true;
  }

  if (resumeForm) {
    // The link opened while this page is already showing changes only the "#" part.
    window.addEventListener("hashchange", resumeFromLink);
    if (resumeFromLink()) { return; }
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
}());
