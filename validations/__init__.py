"""The data-quality rules: dataset descriptions, pandera schemas, the rule registry."""
