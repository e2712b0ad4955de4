// The report's Print button: shown only when JavaScript can press it for the reader.
(function () {
  var button = document.getElementById("print-report");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
