// OCOP Market: the "Print" button on label pages (no inline script; CSP 'self'). Without JS, Ctrl+P still works.
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
}());
