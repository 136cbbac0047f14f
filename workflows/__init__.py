"""Deterministic code only: the workflows and the pure planning and policy functions they use."""
