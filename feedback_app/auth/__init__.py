"""Staff sign-in, roles and accounts."""
