// The live pages' socket (htmx's ws extension): show when the connection is lost, and
// reconnect with backoff also after a close the extension does not retry by itself (a
// server restart's 1000/1001). 4xxx closes are refusals (wrong key, not allowed): no retry.
(function () {
  var retries = 0;
  document.addEventListener("htmx:wsOpen", function () {
    retries = 0;
    document.querySelectorAll("[data-live-status]").forEach(function (el) { el.hidden = true; });
  });
  document.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail.event.code;
    if (code >= 4000) return;
    document.querySelectorAll("[data-live-status]").forEach(function (el) { el.hidden = false; });
    if ([1006, 1011, 1012, 1013].indexOf(code) >= 0) return;  // the extension retries these
    var wrapper = evt.detail.socketWrapper;
    var delay = Math.min(30000, 1000 * Math.pow(2, retries++)) * (0.5 + Math.random() / 2);
    setTimeout(function () { if (document.body.contains(evt.target)) wrapper.reconnect(); }, delay);
  });
})();
