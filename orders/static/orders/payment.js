// The card field and payment: the one part of the shop that needs JavaScript.
// The card is turned into a payment method by Stripe.js; the shop confirms it server-side and,
// when the bank asks for 3-D Secure, Stripe.js shows the reader that step.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("pay-button");

  async function paymentMethodId() {
    var result = await stripe.createPaymentMethod({ type: "card", card: card });
    if (result && result.error) { throw new Error(result.error.message); }
    if (result && result.paymentMethod) { return result.paymentMethod.id; }
    // localstripe's Stripe.js (development) has no createPaymentMethod: a card token serves.
    var token = await stripe.createToken(card);
    if (token.error) { throw new Error(token.error.message || "Please check your card details."); }
    return token.token.card.id;
  }

  async function pay(paymentMethod) {
    var response = await fetch(form.dataset.payUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrfToken },
      body: JSON.stringify({ token: form.dataset.token, payment_method: paymentMethod }),
    });
    var answer = await response.json();
    if (!response.ok) { throw new Error(answer.detail || "Payment is not possible just now; please try again."); }
    return answer;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    try {
      var answer = await pay(await paymentMethodId());
      if (answer.status === "requires_action") {
        var result = await stripe.confirmCardPayment(answer.client_secret);
        if (result.error) { throw new Error(result.error.message || "Your bank did not confirm the payment."); }
      } else if (answer.status !== "succeeded") {
        throw new Error(answer.error || "Your card was not accepted. Please try another card.");
      }
      window.location.assign(form.dataset.statusUrl);
    } catch (error) {
      errors.textContent = error.message;
      button.disabled = false;
    }
  });
})();
