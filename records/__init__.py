"""The data model of cardscan (SQLModel tables) and every function that changes it."""
