// Planning page: a session's inline editor answers 400 with the form and its errors, which
// replaces the row like a successful save would (htmx leaves 4xx responses out by default).
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (detail.xhr.status === 400 && source && source.closest("[data-swap-errors]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
