"""Many viewers of one video as a panel: which sessions count, and what they share."""
