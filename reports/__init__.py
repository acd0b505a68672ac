"""Finance: the reports finance closes a month with, built from the orders (this app imports
orders; nothing in orders imports it)."""
