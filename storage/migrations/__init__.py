"""storage/migrations."""
