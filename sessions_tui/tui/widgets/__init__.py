"""Widgets of the main screen: the virtual session list, the transcript viewer, the bars."""
