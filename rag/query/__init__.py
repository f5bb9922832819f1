"""The question path, one step per module: analyse, embed, retrieve, decide, present."""
