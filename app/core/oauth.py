"""OAuth 2.0 errors (RFC 6749, section 5.2) as problem+json, for every token endpoint."""

from app.core.errors import AppError


class OAuthError(AppError):
    """An RFC 6749 (5.2) error: `error` and `error_description` in the body, which is also
    problem+json (as every error of the API)."""

    def __init__(self, status: int, error: str, description: str, **headers: str) -> None:
        super().__init__(
            description,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache", **headers},
            error=error,
            error_description=description,
        )
        self.status = status
        self.slug = f"oauth-{error.replace('_', '-')}"
        self.title = "OAuth error / การขอโทเค็นไม่สำเร็จ"
