"""The shared basics every room stands on: the learner's language and the error root.

A leaf: it imports nothing else of ``helpers``.

- ``i18n``: ``_()`` and the message catalogs, the language a process speaks;
- ``errors``: :class:`~helpers.basics.errors.ActionableError`, the root of every error
  meant for a person to read;
- ``redaction``: blotting credentials out of what a log or a report shows.
"""
