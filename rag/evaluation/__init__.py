"""Retrieval evaluation: score questions with gold substrings, compare retrieval modes."""
