from tests.unit.review.conftest import db

__all__ = ["db"]  # the same temporary database as the review unit tests
