// The participant's page. htmx sends every change at once; this file only adds what htmx cannot:
// - a change the phone could not send (wifi down, server busy) is kept in localStorage, shown as
//   "not saved yet" and sent again until the server answers (dots are absolute counts and notes are
//   de-duplicated on the server, so a repeat is harmless);
// - nothing that updates the page wipes a note still being typed;
// - the page moves on by itself when the facilitator changes the phase.
// The server decides every rule; the page shows what it answered. Texts come from data attributes.
(function () {
  "use strict";
  var page = document.getElementById("participant");
  if (!page) return;
  var storeKey = page.dataset.store;
  var RETRY_MS = 4000;
  var timer = null;

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function store(queue) {
    try {
      if (Object.keys(queue).length) localStorage.setItem(storeKey, JSON.stringify(queue));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: the retry still runs while the page is open */ }
  }
  function formFor(key) { return document.querySelector('[data-save="' + key + '"]'); }
  // A note's forms swap their whole <li>; the other controls swap themselves.
  function rootOf(form) { return form.getAttribute("hx-target") === "this" ? form : form.closest("li") || form; }
  function receipt(form, cls, text) {
    var out = rootOf(form).querySelector("[data-receipt]");
    if (!out) return;
    out.textContent = "";
    if (!text) return;
    var span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    out.appendChild(span);
  }

  // The dot stepper shows the count it is sending at once, and the bar the dots left.
  function showDots(form, n) {
    form.dataset.dots = n;
    form.querySelector("[data-count]").textContent = n;
    each(form.querySelectorAll(".pip"), function (pip, i) { pip.classList.toggle("on", i < n); });
    form.querySelector('[data-step="-1"]').value = n - 1;
    form.querySelector('[data-step="1"]').value = n + 1;
    var spent = 0;
    each(document.querySelectorAll("form.dots"), function (f) { spent += parseInt(f.dataset.dots, 10) || 0; });
    var left = document.querySelector("[data-dots-left]");
    var budget = parseInt(document.getElementById("progress").dataset.budget, 10);
    if (left) left.textContent = Math.max(0, budget - spent);
  }

  // --- Typing is never wiped ---------------------------------------------------------------------
  function unsaved(field) {
    return field.value !== (field.dataset.sent !== undefined ? field.dataset.sent : field.defaultValue);
  }
  // Remember the text typed in `root` that the server has not seen, to put back after a swap.
  function keepTyping(root) {
    var kept = [];
    each(root.querySelectorAll("textarea[id]"), function (field) {
      if (unsaved(field)) kept.push([field.id, field.value]);
    });
    return function () {
      kept.forEach(function (k) {
        var field = document.getElementById(k[0]);
        if (field) field.value = k[1];
      });
    };
  }
  var putBack = null;
  document.body.addEventListener("htmx:beforeSwap", function (e) { putBack = keepTyping(e.detail.target); });
  document.body.addEventListener("htmx:afterSwap", function () { if (putBack) putBack(); putBack = null; });

  // --- Saving, and keeping what could not be sent -------------------------------------------------
  document.body.addEventListener("htmx:configRequest", function (e) {
    var form = e.detail.elt;
    if (!form.dataset || !form.dataset.save) return;
    each(form.querySelectorAll("textarea"), function (field) { field.dataset.sent = field.value; });
    var values = {};
    e.detail.formData.forEach(function (value, name) { values[name] = value; });
    form._sending = { url: e.detail.path, values: values };
    if (form.classList.contains("dots")) showDots(form, Math.max(0, parseInt(values.dots, 10) || 0));
    receipt(form, "", page.dataset.msgSaving);
  });
  function keep(e) {
    var form = e.detail.elt;
    if (!form.dataset || !form.dataset.save || !form._sending) return;
    var queue = load();
    queue[form.dataset.save] = form._sending;
    store(queue);
    receipt(form, "pending", page.dataset.msgPending);
    later();
  }
  document.body.addEventListener("htmx:sendError", keep);
  document.body.addEventListener("htmx:timeout", keep);
  document.body.addEventListener("htmx:responseError", function (e) {
    if (e.detail.xhr.status >= 500) keep(e);
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (!e.detail.successful || !form.dataset || !form.dataset.save) return;
    var queue = load();
    delete queue[form.dataset.save];
    store(queue);
  });

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function later() { if (!timer) timer = setTimeout(sendKept, RETRY_MS); }
  function sendKept() {
    timer = null;
    var queue = load();
    Object.keys(queue).forEach(function (key) { resend(key, queue[key]); });
  }
  function resend(key, item) {
    var body = new URLSearchParams();
    Object.keys(item.values).forEach(function (name) { body.append(name, item.values[name]); });
    fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.status >= 500) throw new Error("server busy");
      var queue = load();
      if (JSON.stringify(queue[key]) === JSON.stringify(item)) { delete queue[key]; store(queue); }
      var go = response.headers.get("HX-Redirect");
      if (go) { window.location.assign(go); return null; }
      return response.text().then(function (html) {
        var form = formFor(key);
        if (!form) return;
        if (!response.ok) { receipt(form, "error", page.dataset.msgFailed); return; }
        var root = rootOf(form), back = keepTyping(root);
        htmx.swap(root, html, { swapStyle: "outerHTML" }, { afterSwapCallback: back });
      });
    }).catch(function () {
      var form = formFor(key);
      if (form) receipt(form, "pending", page.dataset.msgPending);
      later();
    });
  }
  window.addEventListener("online", sendKept);

  // After a reload: show the kept changes as "not saved yet" and send them again.
  function restore() {
    var queue = load();
    Object.keys(queue).forEach(function (key) {
      var form = formFor(key), values = queue[key].values;
      if (!form) return;
      if (form.classList.contains("dots")) showDots(form, parseInt(values.dots, 10) || 0);
      each(form.elements, function (field) {
        if (!(field.name in values)) return;
        if (field.type === "radio") field.checked = field.value === values[field.name];
        else if (field.tagName === "TEXTAREA") { field.value = values[field.name]; field.dataset.sent = field.value; }
      });
      var details = form.closest("details");
      if (details) details.open = true;
      receipt(form, "pending", page.dataset.msgPending);
    });
    if (Object.keys(queue).length) sendKept();
  }

  // --- The phase: move on when the facilitator does, unless something is still being written -----
  function typing() {
    var busy = false;
    each(document.querySelectorAll("textarea, input[type=text]"), function (field) {
      if (field.value.trim() && unsaved(field)) busy = true;
    });
    return busy || Object.keys(load()).length > 0;
  }
  function followPhase() {
    var live = document.getElementById("waiting-live");
    if (!live || live.dataset.page === page.dataset.page) return;
    if (typing()) {
      var notice = document.getElementById("phase-changed");
      if (notice) notice.hidden = false;
      return;
    }
    window.location.assign(live.dataset.homeUrl);
  }
  document.body.addEventListener("htmx:afterSettle", followPhase);
  document.body.addEventListener("htmx:oobAfterSwap", followPhase);

  restore();
})();
