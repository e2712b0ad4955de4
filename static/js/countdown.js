// Phase countdowns: every [data-countdown] element counts down to data-ends-at (ISO time),
// or shows data-paused-seconds when paused. The server's clock is the truth: data-server-now
// corrects a phone whose clock is off.
//
// The count never goes up while the end time stays the same: the server rendered whole seconds
// left, rounded down, when it made the page, so that is a ceiling for every later moment; and
// what was shown before is one too, also across the socket's swaps (which bring new elements).
(function () {
  // Below this, a difference between the clocks is mostly the time the page took to arrive
  // (render, network, the next tick), not a wrong phone clock: counting it made 9:59 -> 10:00.
  var SKEW_IGNORED_MS = 2000;
  var lowest = {}; // data-ends-at -> the lowest number of seconds shown for it

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function secondsLeft(el) {
    var endsAt = Date.parse(el.dataset.endsAt);
    var serverNow = el.dataset.serverNow ? Date.parse(el.dataset.serverNow) : NaN;
    var skew = 0;
    var ceiling = Infinity;
    if (!isNaN(serverNow)) {
      skew = serverNow - el._loadedAt;
      if (Math.abs(skew) < SKEW_IGNORED_MS) skew = 0;
      ceiling = Math.floor((endsAt - serverNow) / 1000);
    }
    var left = Math.floor((endsAt - Date.now() - skew) / 1000);
    var key = el.dataset.endsAt;
    if (key in lowest) ceiling = Math.min(ceiling, lowest[key]);
    left = Math.max(0, Math.min(left, ceiling));
    lowest[key] = left;
    return left;
  }

  function render(el) {
    var left;
    if (el.dataset.pausedSeconds) {
      left = parseInt(el.dataset.pausedSeconds, 10);
    } else if (el.dataset.endsAt) {
      left = secondsLeft(el);
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
  // A swapped-in countdown is drawn at once, not up to a second later.
  document.addEventListener("htmx:afterSettle", tick);
})();
