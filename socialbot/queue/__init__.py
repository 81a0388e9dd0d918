"""Scheduled posts: per-network text rules, campaign files, and their sync into deliveries."""
