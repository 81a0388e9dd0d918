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

  // An image is stored as soon as it is chosen, so the preview checks it against each network's
  // limits; the form then carries the stored name (kept_N), as after a Preview without script.
  function upload(input) {
    var slot = input.getAttribute("data-slot");
    var kept = form.querySelector('input[data-kept="' + slot + '"]');
    if (!input.files || !input.files.length || !kept) return;
    var data = new FormData();
    data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    data.append("image", input.files[0]);
    fetch("/desk/compose/upload", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (answer) {
        if (answer.name) {
          kept.value = answer.name;
          input.value = "";
          input.setAttribute("data-uploaded", answer.name);
        }
        input.setCustomValidity(answer.error || "");
        if (answer.error) input.reportValidity();
        refresh();
      })
      .catch(function () { /* sent with the form instead */ });
  }

  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "file") upload(event.target);
  });
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  form.setAttribute("data-live-preview", "on");
  refresh();
})();
