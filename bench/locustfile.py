"""The readers, buyers, Stripe and finance of bench/load.py, as Locust users.

bench/load.py starts the shop and runs this file with `locust --headless`; LOAD_CONFIG (JSON)
says where localstripe is, the webhook and warehouse secrets, the finance user's API token, the
publications on sale and the mix. Each request is named "kind: what"; every response time and
failure is written to LOAD_CONFIG["results"] when Locust quits, for load.py to summarise.

Shares are of requests to the shop: about 90% browsing (pages and API), 9% basket and
checkout (a whole purchase through the HTML pages: basket, checkout form, payment with a card
made at localstripe as Stripe.js would, status page), 1% webhooks and reports (a Stripe retry of
a payment event, the warehouse's dispatch report, a finance CSV).
"""

import hashlib
import hmac
import json
import os
import random
import re
import time
from collections import defaultdict
from datetime import date
from http.cookiejar import DefaultCookiePolicy

from locust import HttpUser, between, events, task

CONFIG = json.loads(os.environ["LOAD_CONFIG"])
CHECKOUT_ONLY = CONFIG.get("mix") == "checkout"
DECLINED_SHARE = 0.03  # buyers whose card is declined: their orders expire and give the copies back
CARDS = {"visa": "4242424242424242", "declined": "4000000000000341"}

timings: dict[str, list[float]] = defaultdict(list)
failures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
paid: list[dict] = []  # orders this run paid: number, status token, when
started = time.time()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    timings[name].append(response_time)
    if exception:
        failures[name][str(exception)[:160]] += 1


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    with open(CONFIG["results"], "w") as out:
        json.dump({"seconds": time.time() - started, "timings": timings, "failures": failures}, out)


# The shop's cookies are Secure. In production a TLS proxy stands where this plain-HTTP client
# talks to gunicorn directly, so send them back over HTTP as a browser would over HTTPS (requests
# copies cookies into a fresh jar per request, so the default policy itself is what must agree).
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


def _attribute(html: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else ""


class Reader(HttpUser):
    wait_time = between(CONFIG.get("think_min", 0.05), CONFIG.get("think_max", 0.25))

    # --- browsing: one request each ---------------------------------------------------------
    @task(0 if CHECKOUT_ONLY else 900)
    def browse(self):
        publication = random.choice(CONFIG["publications"])
        kind = random.random()
        if kind < 0.25:
            self.client.get(f"/?page={random.randint(1, 2)}", name="browse: catalogue page")
        elif kind < 0.55:
            self.client.get(f"/publications/{publication['slug']}/", name="browse: publication page")
        elif kind < 0.70:
            self.client.get(f"/api/publications/?page={random.randint(1, 2)}", name="browse: API list")
        elif kind < 0.90:
            self.client.get(f"/api/publications/{publication['isbn']}/", name="browse: API detail")
        else:
            self.client.get(f"/api/publications/?search={publication['isbn_display']}", name="browse: API search by ISBN")

    # --- a purchase through the pages: eight requests to the shop, one to Stripe ----------------
    @task(11)
    def buy(self):
        self.client.cookies.clear()  # a new reader
        publication = random.choice(CONFIG["publications"])
        page = self.client.get(f"/publications/{publication['slug']}/", name="checkout: publication page")
        csrf = self.client.cookies.get("csrftoken", "")
        if page.status_code != 200 or not csrf:
            return
        with self.client.post(
            "/basket/add/", data={"csrfmiddlewaretoken": csrf, "isbn": publication["isbn"], "quantity": random.randint(1, 3)},
            name="checkout: add to basket", allow_redirects=False, catch_response=True,
        ) as added:  # fmt: skip
            if added.status_code != 302:
                added.failure(f"add to basket answered {added.status_code}")
                return
        self.client.get("/basket/", name="checkout: basket")
        self.client.get("/checkout/", name="checkout: checkout form")
        form = {
            "csrfmiddlewaretoken": csrf, "email": f"reader{random.randrange(10**6)}@example.org", "name": "Load Reader",
            "line1": "1 High St", "line2": "", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB",
            "delivery_method": "uk-standard",
        }  # fmt: skip
        with self.client.post(
            "/checkout/", data=form, name="checkout: place order", allow_redirects=False, catch_response=True
        ) as placed:
            if placed.status_code != 302:
                problem = re.search(r'role="alert"[^>]*>(.*?)</', placed.text, re.S)
                placed.failure(f"checkout answered {placed.status_code}: {problem.group(1).strip() if problem else ''}")
                return
        payment_page = self.client.get("/checkout/payment/", name="checkout: payment page")
        pay_url, token = _attribute(payment_page.text, "data-pay-url"), _attribute(payment_page.text, "data-token")
        status_url = _attribute(payment_page.text, "data-status-url")
        if not pay_url:
            return
        card = "declined" if random.random() < DECLINED_SHARE else "visa"
        # What the payment page does with localstripe's Stripe.js: a card token, paid with its card id.
        card_token = self.client.post(
            f"{CONFIG['stripe']}/v1/tokens", name="stripe: card token (Stripe.js)",
            data={"key": CONFIG["publishable_key"], "card[number]": CARDS[card], "card[exp_month]": 12,
                  "card[exp_year]": 2034, "card[cvc]": "123"},
        )  # fmt: skip
        if card_token.status_code != 200:
            return
        with self.client.post(
            pay_url, json={"token": token, "payment_method": card_token.json()["card"]["id"]},
            headers={"X-CSRFToken": _attribute(payment_page.text, "data-csrf-token")},
            name="checkout: pay", catch_response=True,
        ) as payment:  # fmt: skip
            outcome = payment.json().get("status") if payment.status_code == 200 else None
            if outcome == "succeeded":
                number = pay_url.strip("/").split("/")[-2]
                paid.append({"number": number, "token": token, "at": time.time()})
            elif not (card == "declined" and outcome == "requires_payment_method"):
                payment.failure(f"pay answered {payment.status_code} {payment.text[:120]}")
        self.client.get(status_url, name="checkout: status page")

    # --- Stripe, the warehouse and finance --------------------------------------------------
    @task(0 if CHECKOUT_ONLY else 6)
    def webhooks_and_reports(self):
        kind = random.random()
        if kind < 0.4 and paid:
            self._stripe_retry(random.choice(paid))
        elif kind < 0.8 and paid:
            self._dispatch(random.choice(paid))
        else:
            today = date.today().isoformat()
            self.client.get(
                f"/api/reports/orders/?from={today}&to={today}&format=csv",
                headers={"Authorization": f"Token {CONFIG['finance_token']}"}, name="ops: finance report (CSV)",
            )  # fmt: skip

    def _stripe_retry(self, order: dict):
        """Stripe delivers an event again (it retries whatever it is not sure arrived)."""
        detail = self.client.get(f"/api/orders/{order['number']}/?token={order['token']}", name="ops: order detail (API)")
        if detail.status_code != 200:
            return
        data = detail.json()
        body = json.dumps({
            "id": f"evt_retry_{data['number']}_{random.randrange(10**9)}", "object": "event", "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {"object": {
                "id": data["payment"]["payment_intent"], "object": "payment_intent", "status": "succeeded",
                "amount": round(float(data["total"]) * 100), "currency": "gbp", "client_secret": "",
                "metadata": {"order_number": data["number"]}, "latest_charge": "",
            }},
        }).encode()  # fmt: skip
        timestamp = int(time.time())
        signature = hmac.new(CONFIG["webhook_secret"].encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        self.client.post(
            "/api/payments/stripe/webhook/", data=body, name="ops: Stripe webhook (retry)",
            headers={"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={signature}"},
        )  # fmt: skip

    def _dispatch(self, order: dict):
        """The warehouse reports the parcel sent, once the order reached it."""
        detail = self.client.get(f"/api/orders/{order['number']}/?token={order['token']}", name="ops: order detail (API)")
        if detail.status_code != 200 or detail.json()["status"] != "fulfilment_requested":
            return
        body = json.dumps({"order_number": order["number"], "carrier": "Royal Mail", "tracking_number": f"RM{order['number'][3:]}GB"})
        signature = "sha256=" + hmac.new(CONFIG["warehouse_secret"].encode(), body.encode(), hashlib.sha256).hexdigest()
        self.client.post(
            "/api/fulfilment/dispatch/", data=body, name="ops: warehouse dispatch report",
            headers={"Content-Type": "application/json", "X-Signature": signature},
        )  # fmt: skip
