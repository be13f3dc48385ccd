"""Power diagrams clipped to a domain: one public class, a planar and a spatial backend."""
from .power_diagram import PowerDiagram

__all__ = ["PowerDiagram"]
