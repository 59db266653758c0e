"""Modal dialogs. Each returns a typed result through `dismiss`; only screens talk to the store."""
