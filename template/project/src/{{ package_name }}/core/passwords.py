"""Password hashing with Argon2id at the OWASP-recommended minimum cost."""

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB of memory, 2 iterations, 1 lane.
hasher = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; with no hash (unknown user) spend the same time and return False."""
    try:
        return (
            hasher.verify(password_hash or dummy_hash(hasher), password)
            and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash(of: PasswordHasher) -> str:
    """What an unknown user's password is checked against: a hash of `of`'s cost."""
    return of.hash("password of a user who does not exist")
