// The paper sheet form: Enter saves the sheet from any field (a SWOT box too); Shift+Enter
// in a SWOT box starts a new line, one note per line.
document.addEventListener("keydown", (event) => {
  const form = event.target.closest && event.target.closest("form.paper-sheet");
  if (!form || event.key !== "Enter" || event.isComposing) return;
  if (event.target.tagName === "TEXTAREA" && event.shiftKey) return;
  if (event.target.tagName === "BUTTON" || event.target.tagName === "A") return;
  event.preventDefault();
  form.requestSubmit();
});

// The sheet starts at its first field, or at the first field the last save refused (the
// autofocus attribute alone would not find a refused field).
const sheet = document.querySelector("form.paper-sheet");
if (sheet) {
  const start = sheet.querySelector("[aria-invalid=true]") || sheet.querySelector("[autofocus]");
  if (start) start.focus();
}
