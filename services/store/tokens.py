"""QuickBooks refresh tokens kept in the store, encrypted at rest, one per company, replaced on each rotation.

A refresh token opens a company's books to whoever holds it, for up to five years, so it never lies in the
database in the clear: it is encrypted with Fernet (the `cryptography` library's authenticated symmetric
encryption: AES-128-CBC with an HMAC-SHA256 tag) under a key from the settings
(THROUGHLINE_QUICKBOOKS__TOKEN_KEY), which never sits in the database. A copy of the database without the
key gives nothing; a wrong or changed key is caught by the tag and reported as such, never read as a bad
token. Generate a key with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key()
.decode())"`.

Intuit hands back a new refresh token on refresh and only the newest works, so every refresh replaces the
row (`save_refresh_token`) in its own transaction before the new access token is used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken

from services.errors import ConfigError
from services.store.database import Database
from services.store.tables import QuickBooksTokenRow

KEY_SETTING = "THROUGHLINE_QUICKBOOKS__TOKEN_KEY"


def token_cipher(key: str) -> Fernet:
    """The Fernet cipher for a key from the settings; ConfigError naming the setting when it is no key."""
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        raise ConfigError(
            f"{KEY_SETTING} is not a Fernet key (32 url-safe base64-encoded bytes); generate one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
        ) from None


class RefreshTokens(Database):
    """The QuickBooks refresh tokens of one database, encrypted with one key."""

    def __init__(self, url: str, key: str, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(url, clock=clock)
        self._cipher = token_cipher(key)

    def load_refresh_token(self, realm_id: str) -> str | None:
        """The company's saved refresh token, decrypted; None when none is saved."""
        with self._session("read the QuickBooks connection") as session:
            row = session.get(QuickBooksTokenRow, realm_id)
            ciphertext = row.ciphertext if row is not None else None
        if ciphertext is None:
            return None
        try:
            return self._cipher.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                f"the saved QuickBooks connection of company {realm_id} cannot be decrypted with "
                f"{KEY_SETTING}: the key changed since it was saved; restore the old key, or set the new "
                "one and run `python -m dashboard connect quickbooks` again"
            ) from None

    def save_refresh_token(self, realm_id: str, token: str) -> None:
        """Encrypt and save the company's newest refresh token, replacing the one before."""
        ciphertext = self._cipher.encrypt(token.encode()).decode()
        with self._session("save the QuickBooks connection") as session:
            row = session.get(QuickBooksTokenRow, realm_id)
            if row is None:
                session.add(
                    QuickBooksTokenRow(realm_id=realm_id, ciphertext=ciphertext, updated_at=self._now())
                )
            else:
                row.ciphertext, row.updated_at = ciphertext, self._now()
                session.add(row)
            session.commit()

    def saved_at(self, realm_id: str) -> datetime | None:
        """When the company's refresh token was last saved (connected or rotated); None when never."""
        with self._session("read the QuickBooks connection") as session:
            row = session.get(QuickBooksTokenRow, realm_id)
            return row.updated_at if row is not None else None
