"""The HTTP front end: a thin FastAPI layer over `rag.service.QAService`."""
