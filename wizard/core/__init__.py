"""The migration engine: read -> map -> transform -> validate -> back up -> import -> verify.

Imports no Qt (a test enforces it): the wizard's pages and the CLI are thin layers over it.
"""
