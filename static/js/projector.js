// The projector: one slide at a time. The server decides which (the console's choice, or the
// clicker's key sent over the socket), so every projector and the console's preview agree.
// Keys: arrows / Page Up / Page Down (what a presentation clicker sends) move between slides,
// F full screen, B (or .) blanks the screen and back, ? shows the keys, Esc closes.
// After every snapshot the visible slide is fitted: type steps down while it does not fit,
// and notes that do not fit on the wall are left out and counted in "+N more".
(function () {
  var root = document.querySelector("[data-projector]");
  var socket = null;
  var pending = null; // {key, at}: a slide asked for, until a snapshot shows it
  var preview = root && root.hasAttribute("data-preview");

  function deck() { return document.getElementById("projector-live"); }
  function slides() { var d = deck(); return d ? Array.prototype.slice.call(d.querySelectorAll("[data-slide-key]")) : []; }

  function show(key) {
    var all = slides();
    if (!all.some(function (s) { return s.dataset.slideKey === key; })) key = all.length ? all[0].dataset.slideKey : "";
    all.forEach(function (s) { s.hidden = s.dataset.slideKey !== key; });
    var d = deck();
    if (d) d.dataset.slide = key;
    fit();
  }

  function overflows(slide) {
    // Into its bottom padding counts too (scrollHeight), as does anything beyond its box.
    if (slide.scrollHeight > slide.clientHeight + 1 || slide.scrollWidth > slide.clientWidth + 1) return true;
    var box = slide.getBoundingClientRect();
    var els = slide.querySelectorAll("*");
    for (var i = 0; i < els.length; i++) {
      var r = els[i].getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.bottom > box.bottom + 1 || r.right > box.right + 1) return true;
    }
    return false;
  }

  function fitNotes(slide) {
    slide.querySelectorAll("[data-fit-notes]").forEach(function (list) {
      var notes = Array.prototype.slice.call(list.children);
      notes.forEach(function (n) { n.hidden = false; });
      var left = 0;
      for (var i = notes.length - 1; i >= 0 && list.scrollHeight > list.clientHeight + 1; i--) {
        notes[i].hidden = true;
        left++;
      }
      var more = list.parentNode.querySelector("[data-more]");
      if (!more) return;
      var total = left + parseInt(more.dataset.more || "0", 10);
      more.hidden = total === 0;
      if (left) more.textContent = (more.dataset.moreText || "+N").replace("N", String(total));
    });
  }

  function fit() {
    var slide = slides().filter(function (s) { return !s.hidden; })[0];
    if (!slide) return;
    delete slide.dataset.fit;
    fitNotes(slide);
    for (var level = 1; level <= 3 && overflows(slide); level++) {
      slide.dataset.fit = String(level);
      fitNotes(slide);
    }
  }

  function move(step) {
    var all = slides();
    var at = all.findIndex(function (s) { return !s.hidden; });
    var next = all[Math.max(0, Math.min(all.length - 1, at + step))];
    if (!next || next === all[at]) return;
    show(next.dataset.slideKey);
    pending = { key: next.dataset.slideKey, at: Date.now() };
    if (socket) socket.send(JSON.stringify({ slide: next.dataset.slideKey }));
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
  }

  function toggle(selector, on) {
    var el = document.querySelector(selector);
    if (el) el.hidden = on === undefined ? !el.hidden : !on;
  }

  document.addEventListener("htmx:wsOpen", function (evt) { socket = evt.detail.socketWrapper; });
  document.addEventListener("htmx:wsClose", function () { socket = null; });
  document.addEventListener("htmx:wsAfterMessage", function () {
    var d = deck();
    if (!d) return;
    // A slide this screen asked for wins over an older snapshot for a moment, then the server does.
    if (pending && (d.dataset.slide === pending.key || Date.now() - pending.at > 3000)) pending = null;
    show(pending ? pending.key : d.dataset.slide);
  });

  if (!preview) {
    document.addEventListener("keydown", function (evt) {
      if (evt.altKey || evt.ctrlKey || evt.metaKey) return;
      var key = evt.key;
      if (key === "ArrowRight" || key === "ArrowDown" || key === "PageDown" || key === " ") move(1);
      else if (key === "ArrowLeft" || key === "ArrowUp" || key === "PageUp") move(-1);
      else if (key === "f" || key === "F") toggleFullscreen();
      else if (key === "b" || key === "B" || key === ".") toggle("[data-blank]");
      else if (key === "?") toggle("[data-help]");
      else if (key === "Escape") { toggle("[data-help]", false); toggle("[data-blank]", false); return; }
      else return;
      evt.preventDefault();
    });
  }
  window.addEventListener("resize", fit);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fit);
  fit();
})();
