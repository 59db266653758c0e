"""Shared helpers of the store's robustness tests: hypothesis strategies, deterministic
sessions, and small scripts run as subprocesses (lock holders)."""
