"""The Textual front end. Only this package imports Textual; it calls the core, never files."""
