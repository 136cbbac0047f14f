"""Rapport: keeps a company in touch with passive candidates, one Temporal workflow each."""
