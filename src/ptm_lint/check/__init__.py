"""Check stage: turn references into findings with the rules of rules/checks/."""
