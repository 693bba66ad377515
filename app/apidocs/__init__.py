"""The interactive API documentation (Swagger UI at /docs, ReDoc at /redoc), served with all
its files by the API itself: nothing from a CDN."""
