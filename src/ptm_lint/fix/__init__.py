"""Fix stage: mechanical rewrites of loader calls (pins, safe loading, renamed arguments)."""
