"""Hikvision ISAPI: the HTTP API of Hikvision cameras, NVRs and DVRs."""
