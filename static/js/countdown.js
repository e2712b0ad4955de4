// Phase countdowns: every [data-countdown] element counts down to data-ends-at (ISO time),
// or shows data-paused-seconds when paused. The server's clock is the truth: data-server-now
// corrects a phone whose clock is off.
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function render(el) {
    var left;
    if (el.dataset.pausedSeconds) {
      left = parseInt(el.dataset.pausedSeconds, 10);
    } else if (el.dataset.endsAt) {
      var skew = el.dataset.serverNow ? (Date.parse(el.dataset.serverNow) - (el._loadedAt || Date.now())) : 0;
      left = Math.max(0, Math.round((Date.parse(el.dataset.endsAt) - Date.now() - skew) / 1000));
    } else {
      return;
    }
    var text = Math.floor(left / 60) + ":" + pad(left % 60);
    var out = el.querySelector("[data-countdown-value]") || el;
    if (out.textContent !== text) out.textContent = text;
  }
  function tick() {
    var els = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      if (!els[i]._loadedAt) els[i]._loadedAt = Date.now();
      render(els[i]);
    }
  }
  tick();
  setInterval(tick, 1000);
})();
