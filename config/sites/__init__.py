"""Data, not code: the TOML files beside this marker are wxarchive's defaults and rule packs.

Installed as the ``wxarchive_config`` package so that ``importlib.resources`` finds them in a wheel.
"""
