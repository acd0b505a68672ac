// The checkout's totals follow the delivery chosen, at once. The shop worked out every figure
// (each choice carries its own delivery, VAT and total): this only shows the chosen one's.
// Without JavaScript the totals follow after a submit, and the payment page repeats them.
(function () {
  "use strict";
  var choices = document.querySelectorAll("input[name=delivery_method]");
  function show(choice) {
    var parts = { method: choice.dataset.method, delivery: choice.dataset.delivery, vat: choice.dataset.vat, total: choice.dataset.total };
    Object.keys(parts).forEach(function (part) {
      document.querySelectorAll("[data-total-part=" + part + "]").forEach(function (element) { element.textContent = parts[part]; });
    });
  }
  function showChecked() {
    choices.forEach(function (choice) { if (choice.checked) { show(choice); } });
  }
  choices.forEach(function (choice) { choice.addEventListener("change", showChecked); });
  // A browser going Back may restore an earlier choice: the totals follow it too.
  window.addEventListener("pageshow", showChecked);
  showChecked();
})();
