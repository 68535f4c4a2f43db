"""The lint stage: rules from rules/*.yaml (JSON Schema checks, or functions in checks/) run over objects.

rules.py reads rule files, targets.py extracts what rules look at, linter.py runs them, inventory.py
indexes the whole input for the rules that compare objects with each other.
"""
