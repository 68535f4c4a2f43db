"""Rules that need code: each function is named by exactly one rule file in rules/ (`function: module.name`).

A function for a per-object target takes (target, params) and yields Problems with paths inside the
target; a function for target `input` takes (inventory, params) and yields (document, Problem) pairs.
"""
