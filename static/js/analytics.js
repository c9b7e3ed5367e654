// Self-hosted visit counting, loaded only when the visitor accepted "analytics".
// One first-party cookie tells a returning visitor from a new one; one beacon
// to this site's own server counts the page. Nothing goes anywhere else.
(function () {
  "use strict";
  var script = document.currentScript;
  var name = "site_visitor";
  var known = document.cookie.split("; ").some(function (pair) {
    return pair.indexOf(name + "=") === 0;
  });
  if (!known) {
    var id = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
    document.cookie = name + "=" + id + "; Max-Age=" + 365 * 24 * 3600 + "; Path=/; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }
  var body = new URLSearchParams({ path: location.pathname, new: known ? "" : "1" });
  if (navigator.sendBeacon) {
    navigator.sendBeacon(script.dataset.endpoint, body);
  } else {
    fetch(script.dataset.endpoint, { method: "POST", body: body, credentials: "same-origin", keepalive: true });
  }
})();
