"""Performance benchmarks of the real bot (issue 7): `python -m bench`; see bench/__main__.py."""
