// The cookie banner without a page reload. Without JavaScript its forms post
// and redirect back; with it, the answer is posted in the background, the banner
// goes away and, if analytics was accepted, its script is loaded.
(function () {
  "use strict";
  var banner = document.querySelector("[data-consent-banner]");
  if (!banner || !window.fetch) return;
  banner.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.plain) return; // the fallback: let the browser post it
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (choices) {
      var saved = document.createElement("p");
      saved.className = "cookie-saved";
      saved.setAttribute("role", "status");
      saved.textContent = banner.dataset.saved;
      banner.replaceWith(saved);
      if (choices.analytics) {
        var script = document.createElement("script");
        script.src = banner.dataset.analyticsSrc;
        script.dataset.endpoint = banner.dataset.analyticsEndpoint;
        document.head.appendChild(script);
      }
    }).catch(function () {
      form.dataset.plain = "1"; // fall back to the plain form, with the button pressed
      form.requestSubmit(event.submitter || undefined);
    });
  });
})();
