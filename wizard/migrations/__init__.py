"""Alembic migrations of HMSync's schema, run by `hmsync-migrate schema TARGET --upgrade`."""
