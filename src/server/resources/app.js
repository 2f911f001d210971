// facteur serve: waits for the report of the test shown on the page, and copies
// records to the clipboard. Plain script, no framework, no build step.
"use strict";
(function () {
  var waiting = document.getElementById("waiting");
  if (waiting) {
    var token = waiting.getAttribute("data-token");
    var tries = 0;
    var poll = function () {
      tries += 1;
      fetch("/api/tests/" + encodeURIComponent(token), { cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (j.status === "done" || j.status === "failed") {
            window.location.replace("/r/" + encodeURIComponent(token));
          } else if (tries < 2000) {
            setTimeout(poll, tries < 240 ? 250 : 2000);
          }
        })
        .catch(function () { if (tries < 2000) setTimeout(poll, 2000); });
    };
    setTimeout(poll, 250);
  }
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (b) {
    b.addEventListener("click", function () {
      var target = document.getElementById(b.getAttribute("data-copy"));
      if (!target) return;
      var done = function () { b.textContent = b.getAttribute("data-done"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(target.textContent).then(done);
      } else {
        var range = document.createRange();
        range.selectNodeContents(target);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        if (document.execCommand("copy")) done();
      }
    });
  });
})();
