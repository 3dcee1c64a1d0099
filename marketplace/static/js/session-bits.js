// OCOP Market: a page from the page cache is the same for every visitor; this fills in the visitor's own bits
// (the CSRF token of its forms, the basket count, the account link) from GET /session/bits. No inline script.
(function () {
  "use strict";
  // A visitor's "recently viewed" stays in this browser (at most RECENT_LIMIT = 10 ids, newest first), never in
  // their session: the product page stays the same for everyone (core/pagecache.py's fast path serves it).
  var product = document.querySelector("[data-product-id]");
  if (product) {
    try {
      var id = parseInt(product.getAttribute("data-product-id"), 10);
      var seen = JSON.parse(window.localStorage.getItem("recentlyViewed") || "[]");
      if (!Array.isArray(seen)) { seen = []; }
      seen = [id].concat(seen.filter(function (other) { return other !== id && Number.isInteger(other); }));
      window.localStorage.setItem("recentlyViewed", JSON.stringify(seen.slice(0, 10)));
    } catch (error) { /* no storage (private mode, full): nothing remembered */ }
  }
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta || meta.getAttribute("content")) { return; } // rendered for this visitor: nothing to fill in
  var bits = fetch("/session/bits", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .catch(function () { return null; });

  function fillTokens(token) {
    meta.setAttribute("content", token);
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
      if (!input.value) { input.value = token; }
    });
  }

  function showBasket(data) {
    var link = document.querySelector(".basket-link");
    if (!link || !data.cart_count || link.querySelector(".basket-count")) { return; }
    var count = document.createElement("span");
    count.className = "basket-count";
    count.setAttribute("aria-hidden", "true");
    count.textContent = String(data.cart_count);
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = data.cart_label;
    link.append(" ", count, label);
  }

  function showAccount(data) {
    var signedOut = document.querySelectorAll("[data-signed-out]");
    if (!data.signed_in || !signedOut.length) { return; }
    var account = document.createElement("a");
    account.href = data.account_url;
    account.textContent = data.name ? data.account_label + " (" + data.name + ")" : data.account_label;
    signedOut[0].replaceWith(account);
    signedOut.forEach(function (element, index) { if (index) { element.remove(); } });
  }

  bits.then(function (data) {
    if (!data) { return; }
    fillTokens(data.csrf_token);
    showBasket(data);
    showAccount(data);
  });

  // A form sent before the token arrived waits for it (without it, the server asks to confirm: see cart_confirm).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var input = form.querySelector('input[name="csrf_token"]');
    if (!input || input.value) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    bits.then(function (data) {
      if (data) { fillTokens(data.csrf_token); }
      if (!input.value) { input.value = "-"; } // no token to be had: the server's confirmation page takes over
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    });
  });
})();
