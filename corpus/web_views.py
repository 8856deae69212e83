# gilcheck-scope: concurrent
"""Routes registered on the Flask app of another module (`from web_flask import app`, the usual
layout of a Flask project's views): each runs in the request threads as well."""
from web_flask import app

stock = {"apples": 3}


@app.route("/buy/<item>")
def buy(item):
    if stock[item] > 0:
        stock[item] -= 1                                        # expect: GIL104
        return "sold"
    return "none left"


def restock(item, n):
    stock[item] = n                                             # ok: no thread runs it
