"""Turning sessions into files people read or share: Markdown, plain text (and more formats)."""
