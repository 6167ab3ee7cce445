"""Devices: adding (R1), renaming, listing and removing them, each field checked on its own."""
