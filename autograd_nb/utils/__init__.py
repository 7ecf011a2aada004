"""Utilities that sit around autograd: ``utils.data`` (datasets and the DataLoader)."""
from . import data

__all__ = ["data"]
