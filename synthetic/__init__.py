"""Generators of multimodal data with known interaction structure."""

from synthetic.gaussian import make_gaussian
from synthetic.latent import make_latent

__all__: list[str] = ["make_gaussian", "make_latent"]
