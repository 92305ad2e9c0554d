"""bot/understand."""
