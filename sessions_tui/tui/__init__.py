"""The Textual front end. Only this package imports Textual; it talks to the core, never to files."""
