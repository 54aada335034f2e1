"""The written reports of the toolkit's analyses (tables, figures, JSON), one module per analysis."""
