"""The object model's rules, shared by commands, control ops and seeds: how objects are created,
placed, changed and removed, without any command's parameters or any response shape.

Modules here import only the store, errors and each other (never handlers, views, ops or seeding).
"""
