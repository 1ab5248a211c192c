"""Benchmarks (`make bench`): server time of the busy pages at 1M entries on PostgreSQL."""
