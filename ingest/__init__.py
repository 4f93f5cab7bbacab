"""Ingestion: files → cleaned text → clause tree → chunks → index."""
