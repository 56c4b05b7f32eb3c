// Idle timeout warning: two minutes before the server ends an idle staff session,
// offer "Stay signed in" (a POST that resets the server's idle clock).
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box) { return; }
  var idleMs = Number(box.dataset.idleSeconds) * 1000;
  var warnMs = Math.max(idleMs - 120000, idleMs / 2);
  var warnTimer, endTimer;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    box.hidden = true;
    warnTimer = setTimeout(function () {
      box.hidden = false;
      document.getElementById("idle-stay").focus();
    }, warnMs);
    endTimer = setTimeout(function () {
      window.location.assign(box.dataset.loginUrl);
    }, idleMs + 1000);
  }

  document.getElementById("idle-stay").addEventListener("click", function () {
    fetch(box.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrf }
    }).then(function (response) {
      if (response.ok) { schedule(); } else { window.location.assign(box.dataset.loginUrl); }
    });
  });
  schedule();
}());

// Keyboard shortcuts on a referral (progressive enhancement: every control works
// without them). A key named by an element's data-shortcut follows a link, or
// moves focus to a form's first field (its button when it has none), so nothing
// is submitted by a single key press. Keys typed into a field are left alone.
(function () {
  "use strict";
  var targets = document.querySelectorAll("[data-shortcut]");
  if (!targets.length) { return; }
  var hint = document.querySelector(".shortcut-hint");
  if (hint) { hint.hidden = false; }
  var byKey = {};
  Array.prototype.forEach.call(targets, function (element) {
    byKey[element.dataset.shortcut] = element;
  });

  function typing(element) {
    var name = element && element.tagName;
    return name === "INPUT" || name === "TEXTAREA" || name === "SELECT" ||
      (element && element.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var element = byKey[event.key.toLowerCase()];
    if (!element) { return; }
    event.preventDefault();
    if (element.tagName === "A") {
      element.click();
      return;
    }
    var form = element.form;
    var first = form && form.querySelector("select, input:not([type=hidden]), textarea");
    (first || element).focus();
  });
}());
