// Rapport's workspace: the little the pages need beyond htmx. Everything works without it.
(function () {
  "use strict";
  function say(text) {
    var live = document.getElementById("live");
    if (live) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var done = function () { button.textContent = "Copied"; say("Draft copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () { source.select(); });
    } else {
      source.select();
      try { document.execCommand("copy"); done(); } catch (e) { say("Select the text and copy it"); }
    }
  });
  // A refusal answered to htmx (a closed task, an expired session) is said, not swallowed.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var alert = doc.querySelector("[role=alert]");
    window.alert(alert ? alert.textContent.trim() : "That did not work (" + xhr.status + ").");
  });
  // Results swapped in by a filter: say how many, for screen readers.
  document.addEventListener("htmx:afterSwap", function (event) {
    var count = event.detail.target.querySelector && event.detail.target.querySelector(".count");
    if (count) { say(count.textContent); }
  });
})();
