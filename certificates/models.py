"""Certificates issued to participants of a training."""
