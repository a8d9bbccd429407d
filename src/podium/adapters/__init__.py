"""Implementations of the ports: one technology per module."""
