"""Orders: delivery zones, orders and lines, payments, Stripe, refunds and finance reports (the checkout issue)."""
