"""Screens: the main browser and the help screen."""
