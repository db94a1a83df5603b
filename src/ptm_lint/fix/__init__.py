"""Fix stage: the engine that applies the rules' fixes (CST rewrites of loader calls) as text edits."""
