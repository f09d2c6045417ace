"""Data files shipped with the package (catalogue, JSON Schema, reveal.js)."""
