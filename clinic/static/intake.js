/* Client intake: quick exit (button, or Esc twice), focus on the error summary, and
   opening a resume link (/intake/resume#CODE).
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
