// The participant's page (waiting, vote or closed). htmx sends every change at once; this file
// only adds what htmx cannot:
// - a change the phone could not send (wifi down, server busy) is kept in localStorage, shown as
//   "not saved yet" and sent again until the server answers (dots are absolute counts and notes are
//   de-duplicated on the server, so a repeat is harmless);
// - nothing that updates the page wipes a note still being typed, not even moving to another page;
// - the page follows the hall: its socket (hx-ext="ws") swaps #phone-live on every phase change,
//   and when that names another page the phone goes there by itself, carrying what was typed;
//   while the socket is down it polls every 20 s instead;
// - the dot steppers show what the server would refuse ("+" at 0 left or at the cap, "−" at 0).
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
    var row = document.querySelector("#sheet-" + form.id.replace("dots-", "") + " [data-sheet-dots]");
    if (row) row.textContent = n;
    steppers();
  }
  // "+" off when no dot is left or the statement is at its cap, "−" off at 0; the reason is read out.
  function steppers() {
    var progress = document.getElementById("progress");
    if (!progress) return;
    var forms = document.querySelectorAll("form.dots"), spent = 0;
    each(forms, function (f) { spent += parseInt(f.dataset.dots, 10) || 0; });
    var left = parseInt(progress.dataset.budget, 10) - spent, cap = parseInt(progress.dataset.cap, 10);
    each(forms, function (f) {
      var n = parseInt(f.dataset.dots, 10) || 0, atCap = cap > 0 && n >= cap;
      var plus = f.querySelector('[data-step="1"]'), minus = f.querySelector('[data-step="-1"]');
      plus.disabled = left <= 0 || atCap;
      minus.disabled = n <= 0;
      plus.querySelector('[data-reason="none-left"]').hidden = left > 0;
      plus.querySelector('[data-reason="cap"]').hidden = left <= 0 || !atCap;
      minus.querySelector('[data-reason="none-here"]').hidden = n > 0;
    });
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

  // How a kept change is listed if it can no longer be sent: the statement, the control, the value.
  function labelOf(form) {
    var text = form.querySelector("textarea");
    if (text) return describe(text);
    var section = form.closest("section.statement"), legend = form.querySelector("legend");
    var heading = section && section.querySelector("h2");
    return [heading ? heading.textContent.trim() : "", legend ? legend.textContent.trim() : ""].filter(Boolean).join(" · ");
  }
  function shownOf(form, values) {
    var checked = form.querySelector("input[type=radio]:checked");
    if (form.classList.contains("rating")) return checked && checked.labels.length ? checked.labels[0].textContent.trim() : "";
    return values.text || values.dots || "";
  }

  // --- Saving, and keeping what could not be sent -------------------------------------------------
  document.body.addEventListener("htmx:configRequest", function (e) {
    var form = e.detail.elt;
    if (!form.dataset || !form.dataset.save) return;
    each(form.querySelectorAll("textarea"), function (field) { field.dataset.sent = field.value; });
    var values = {};
    e.detail.formData.forEach(function (value, name) { values[name] = value; });
    form._sending = { url: e.detail.path, values: values, label: labelOf(form), shown: shownOf(form, values) };
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

  // --- Typed text carried to the next page ---------------------------------------------------------
  var typedKey = storeKey + ":typed";
  function loadTyped() {
    try { return JSON.parse(localStorage.getItem(typedKey) || "[]"); } catch (e) { return []; }
  }
  function storeTyped(list) {
    try {
      if (list.length) localStorage.setItem(typedKey, JSON.stringify(list));
      else localStorage.removeItem(typedKey);
    } catch (e) { /* private mode */ }
  }
  // What a note field is about, in the page's own words: "1. Name · Strength (S)".
  function describe(field) {
    var section = field.closest("section.statement"), parts = [];
    var heading = section && section.querySelector("h2");
    if (heading) parts.push(heading.textContent.trim());
    var form = field.form, kind = form && form.querySelector("input[name=kind]:checked");
    if (kind && kind.labels.length) parts.push(kind.labels[0].textContent.trim());
    return parts.join(" · ");
  }
  function carryTyped() {
    var list = loadTyped().filter(function (t) { return !document.getElementById(t.id); });
    each(document.querySelectorAll("textarea[id], input[type=text][id]"), function (field) {
      if (field.value.trim() && unsaved(field)) {
        list.push({ id: field.id, value: field.value, label: describe(field) });
      }
    });
    storeTyped(list);
  }
  // Put carried text back into its field; what has no field here is listed as not saved.
  function restoreTyped() {
    var left = [];
    loadTyped().forEach(function (t) {
      var field = document.getElementById(t.id);
      if (field && /^(TEXTAREA|INPUT)$/.test(field.tagName) && !field.readOnly) {
        field.value = t.value;
        var details = field.closest("details");
        if (details) details.open = true;
      } else if (t.label !== undefined && t.id.indexOf("signature") !== 0) {
        left.push(t);
      }
    });
    storeTyped(left);
    // A change kept offline whose control is not on this page (voting closed): not saved.
    var queue = load(), shown = left.slice();
    Object.keys(queue).forEach(function (key) {
      if (formFor(key)) return;
      var item = queue[key];
      if (item.values.text) {
        var kept = { id: key.replace(/^(note(?:-add)?-\d+)$/, "$1-text"), value: item.values.text, label: item.label || "" };
        left.push(kept); shown.push(kept);
      } else {
        shown.push({ label: item.label || "", value: item.shown || "" });
      }
      delete queue[key];
    });
    store(queue);
    storeTyped(left);
    showNotSaved(shown);
  }
  function showNotSaved(items) {
    var box = document.getElementById("not-saved");
    if (!box || !items.length) return;
    var list = box.querySelector("[data-not-saved-list]");
    items.forEach(function (t) {
      var li = document.createElement("li"), label = document.createElement("strong"), text = document.createElement("p");
      label.textContent = t.label;
      text.textContent = t.value;
      text.className = "note-text";
      li.appendChild(label);
      li.appendChild(text);
      list.appendChild(li);
    });
    box.hidden = false;
  }

  // --- This phone's own order of the statements ---------------------------------------------------
  // #phone-live is one render for every phone (statements in their own order); when the workshop
  // gives each phone its own order, the page names it and the pair-talk list is put in it. Each
  // item keeps its statement's own number (<li value>), so "statement 3" is the same on every phone.
  function ownOrder() {
    var live = document.getElementById("phone-live"), holder = live && live.parentNode;
    var order = holder && holder.dataset && holder.dataset.statementOrder;
    var list = order && live.querySelector(".pair-talk-statements");
    if (!list) return;
    var items = Array.prototype.slice.call(list.children), known = order.split(" ");
    known.forEach(function (pk) {
      var item = list.querySelector('li[data-statement="' + pk + '"]');
      if (item) list.appendChild(item);
    });
    // A statement added since this page was drawn goes last until the next reload places it.
    items.forEach(function (item) { if (known.indexOf(item.dataset.statement) < 0) list.appendChild(item); });
  }

  // --- The hall: follow the phase over the socket, poll only while it is down ----------------------
  var socketOpen = false, POLL_MS = 20000;
  document.body.addEventListener("htmx:wsOpen", function () { socketOpen = true; });
  document.body.addEventListener("htmx:wsClose", function () { socketOpen = false; });
  function poll() {
    var live = document.getElementById("phone-live");
    if (live && !socketOpen) htmx.ajax("GET", live.dataset.liveUrl, { target: "#phone-live", swap: "outerHTML" });
  }
  setInterval(poll, POLL_MS);
  window.addEventListener("online", poll);
  var leaving = false;
  function followPhase() {
    var live = document.getElementById("phone-live");
    if (leaving || !live || live.dataset.page === page.dataset.page) return;
    leaving = true;
    carryTyped();
    window.location.assign(live.dataset.homeUrl);
  }
  document.body.addEventListener("htmx:afterSettle", function () { steppers(); ownOrder(); followPhase(); });
  document.body.addEventListener("htmx:oobAfterSwap", function () { ownOrder(); followPhase(); });
  document.body.addEventListener("htmx:wsAfterMessage", function () { ownOrder(); followPhase(); });
  // Leaving by a link or a reload keeps what was typed too.
  window.addEventListener("pagehide", function () { if (!leaving) carryTyped(); });

  restoreTyped();  // first: it takes out the kept changes that have no control on this page
  restore();
  steppers();
})();
