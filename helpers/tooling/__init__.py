"""Tools for the people who keep the kit green: ``make bench``.

It may import every room; no room imports it.
"""
