"""Report stage: render a Report as text, JSON, SARIF, GitHub annotations, Markdown or HTML."""
