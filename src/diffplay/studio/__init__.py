"""The studio: every scene live in the browser (`diffplay serve`)."""
