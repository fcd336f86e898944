"""Live scenes: small worlds defined by an energy that autodiff minimizes while you watch."""

from .base import Scene, Setting

__all__ = ["Scene", "Setting"]
