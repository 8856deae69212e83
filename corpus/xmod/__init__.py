# gilcheck-scope: concurrent
"""A program of several modules: threads started in one module run functions of another, with
arguments from a third, and a threading server runs a handler per request. The evidence crosses
modules."""
