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

// Ticket page: the assign and subscribe fields suggest people as one types, from `/people/suggest`. Without this
// script the fields take a user name as typed.
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  var fields = document.querySelectorAll("input[data-suggest][list]");
  if (!fields.length) {
    return;
  }
  var hint = document.getElementById("people-hint");
  if (hint) {
    hint.hidden = false;
  }
  var answers = {};
  var latest = 0;

  function fill(list, people) {
    var options = document.createDocumentFragment();
    people.forEach(function (person) {
      var option = document.createElement("option");
      option.value = person.username;
      option.textContent = person.name;
      options.appendChild(option);
    });
    list.replaceChildren(options);
  }

  function suggest(field) {
    var list = document.getElementById(field.getAttribute("list"));
    if (!list) {
      return;
    }
    var text = field.value.trim();
    if (answers.hasOwnProperty(text)) {
      fill(list, answers[text]);
      return;
    }
    var asked = ++latest;
    fetch(field.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (people) {
        answers[text] = people;
        // An answer that arrives after a later one was asked for is kept for later but not shown.
        if (asked === latest) {
          fill(list, people);
        }
      })
      .catch(function () {});
  }

  Array.prototype.forEach.call(fields, function (field) {
    var timer = null;
    field.addEventListener("focus", function () { suggest(field); });
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { suggest(field); }, 150);
    });
  });
})();
