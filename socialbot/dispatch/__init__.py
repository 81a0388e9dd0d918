"""Dispatch: claim due deliveries, publish them part by part, retry, expire, and reconcile after a crash."""
