/* The filter sheet of search and browse pages: open beside the results on a desktop, a bottom sheet on a phone.
   Without this script the sheet is a plain <details> element that opens and closes on its own. */
(function () {
  "use strict";
  var sheet = document.querySelector("[data-filter-sheet]");
  if (!sheet) { return; }
  var desktop = window.matchMedia("(min-width: 1000px)");
  var summary = sheet.querySelector("summary");
  var close = sheet.querySelector("[data-sheet-close]");

  function fit() {
    if (desktop.matches) { sheet.open = true; }
  }

  function shut() {
    sheet.open = false;
    summary.focus();
  }

  if (close) {
    close.hidden = false;
    close.addEventListener("click", shut);
  }
  sheet.addEventListener("toggle", function () {
    if (sheet.open && !desktop.matches) {
      var first = sheet.querySelector(".filters select, .filters input");
      if (first) { first.focus(); }
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && sheet.open && !desktop.matches) { shut(); }
  });
  sheet.addEventListener("click", function (event) {
    if (event.target === sheet && sheet.open && !desktop.matches) { shut(); }
  });
  if (desktop.addEventListener) { desktop.addEventListener("change", fit); }
  fit();
}());
