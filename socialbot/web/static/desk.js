// The desk's one script: a live preview on the compose page. The page works without it (the
// Preview button sends the form back); the preview panel is rendered by the server from the same
// code that validates and sends, so this only asks for it as the officer types.
(function () {
  "use strict";
  var form = document.querySelector("form[data-compose]");
  var slot = document.getElementById("preview-slot");
  if (!form || !slot || !window.fetch) return;
  var timer = null;
  var asked = 0;

  function fields() {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "action") data.append(name, value);
    });
    return data;
  }

  function refresh() {
    var mine = ++asked;
    fetch("/desk/compose/preview", {
      method: "POST",
      body: fields(),
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    })
      .then(function (answer) { return answer.text(); })
      .then(function (html) {
        // Only the latest answer counts; the HTML is the server's own escaped template.
        if (mine === asked) slot.innerHTML = html;
      })
      .catch(function () { /* the Preview button still works */ });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  form.setAttribute("data-live-preview", "on");
  refresh();
})();
