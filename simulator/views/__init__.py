"""Response views: the dict a command answers for a stored object (public fields plus computed ones).

A view never carries an internal field (leading ``_``); the dispatcher then keeps only the fields
the spec lists for the command. Views read the store and the model, and change nothing.
"""
