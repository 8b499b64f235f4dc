// Ticket pages: markdown preview without leaving the page. Without this script the "Preview" button submits the
// form and the server shows the preview, so nothing depends on it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-preview-for]") : null;
    if (!button || !window.fetch) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-preview-for"));
    var output = document.getElementById(button.getAttribute("data-preview-out"));
    if (!source || !output) {
      return;
    }
    event.preventDefault();
    fetch("/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-csrf-token": button.getAttribute("data-csrf") || ""
      },
      body: "content=" + encodeURIComponent(source.value)
    })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        // The server's answer is sanitised HTML (ammonia), and the page's CSP forbids inline script anyway.
        output.innerHTML = html;
        output.hidden = false;
      });
  });
})();
