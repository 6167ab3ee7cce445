"""The device protocol adapter: talks to CCTV devices and imports nothing of ours."""
