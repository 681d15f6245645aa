"""Text helpers shared by the source adapters: HTML to plain text, entity extraction."""
