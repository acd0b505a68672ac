"""The catalogue: publications, topics, reader comments, price history and the stock ledger."""
