/* Checkout: the ward picker. Without JS the ward is typed with the province's list as suggestions (datalist);
   with it, the ward becomes a select of the chosen province's communes and wards, reloaded when it changes. */
(function () {
  "use strict";
  var box = document.querySelector(".address-fields[data-wards-url]");
  if (!box) { return; }
  var province = box.querySelector("select[name=province]");
  var typed = box.querySelector("input[name=ward]");
  if (!province || !typed) { return; }
  var select = document.createElement("select");
  select.id = typed.id;
  select.name = typed.name;
  select.required = true;
  ["aria-invalid", "aria-describedby"].forEach(function (name) {
    if (typed.hasAttribute(name)) { select.setAttribute(name, typed.getAttribute(name)); }
  });
  var placeholder = box.getAttribute("data-ward-placeholder") || "";

  function fill(rows, wanted) {
    select.textContent = "";
    var first = document.createElement("option");
    first.value = "";
    first.textContent = placeholder;
    select.appendChild(first);
    rows.forEach(function (row) {
      var option = document.createElement("option");
      option.value = row.code;
      option.textContent = row.name;
      if (wanted && (row.name === wanted || row.code === wanted)) { option.selected = true; }
      select.appendChild(option);
    });
    select.disabled = rows.length === 0;
  }

  function load(wanted) {
    if (!province.value) { fill([], ""); return; }
    var url = box.getAttribute("data-wards-url").replace("/00.json", "/" + province.value + ".json");
    fetch(url, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (rows) { fill(rows, wanted); })
      .catch(function () { fill([], ""); });
  }

  /* Shipping is priced by the carrier for the chosen ward: ask again when it changes, and show what is charged. */
  var review = document.querySelector(".checkout-review[data-quote-url]");
  var total = document.querySelector(".checkout-total");
  var quoted = document.querySelector("input[name=quoted]");

  function requote() {
    if (!review || !province.value) { return; }
    var query = "?province=" + encodeURIComponent(province.value) + "&ward=" + encodeURIComponent(select.value);
    fetch(review.getAttribute("data-quote-url") + query, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) { return; }
        answer.parts.forEach(function (part) {
          var row = review.querySelector("li[data-entity='" + part.entity_id + "']");
          if (!row) { return; }
          row.querySelector(".shipping-fee").textContent = part.free ? review.getAttribute("data-free") : part.fee_text;
          row.querySelector(".shipping-expected").textContent =
            part.expected ? "· " + review.getAttribute("data-arrives").replace("{}", part.expected) : "";
        });
        if (total) { total.textContent = total.getAttribute("data-label").replace("{}", answer.total_text); }
        if (quoted) { quoted.value = String(answer.shipping); }
      })
      .catch(function () { /* the order page prices it again when the order is placed */ });
  }

  var wanted = typed.value;
  typed.replaceWith(select);
  var list = document.getElementById("ward-list");
  if (list) { list.remove(); }
  load(wanted);
  province.addEventListener("change", function () { load(""); });
  select.addEventListener("change", requote);
}());
