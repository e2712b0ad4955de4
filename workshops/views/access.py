# The owner check lives in workshops/access.py; this re-export goes once views/exports.py
# imports it from there.
from ..access import owned_workshop  # noqa: F401
