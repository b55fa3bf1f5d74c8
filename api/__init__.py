"""The outer shell of cardscan: settings, the `cardscan` command line and the web API."""
