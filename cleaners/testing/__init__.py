"""Support for the crash and fault tests (inactive unless their environment variables are set)."""
