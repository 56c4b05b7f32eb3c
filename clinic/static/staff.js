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
